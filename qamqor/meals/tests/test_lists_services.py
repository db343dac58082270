"""The programme, forming the list, its transitions and who left since last month."""

from __future__ import annotations

import datetime as dt
import uuid

from qamqor.audit.models import AuditEvent
from qamqor.meals.models import (
    ListEntry,
    ListTransition,
    MealType,
    MonthlyList,
    Redemption,
    SchoolBreak,
    Voucher,
)
from qamqor.meals.services import lists, programme
from qamqor.meals.services.programme import MealError, MealSpec
from qamqor.registry.models import Pupil
from qamqor.testing import make_class, make_pupil

from .lists_base import DECEMBER, NOVEMBER, NOW, ListTestCase, confirm

D = dt.date
St = MonthlyList.Status


class ProgrammeTests(ListTestCase):
    def test_a_new_programme_gets_the_calendar_meal_days(self):
        p = self.make_programme()
        self.assertEqual(list(p.meals.values_list("meal_type", "price", "state_share")),
                         [("lunch", 850, 100)])  # fmt: skip
        days = list(p.days.values_list("date", flat=True))
        self.assertEqual(len(days), 22)
        self.assertNotIn(D(2026, 12, 16), days)
        self.assertTrue(AuditEvent.objects.filter(object_type="meals.programme").exists())

    def test_national_and_own_breaks_are_no_meal_days_another_schools_are(self):
        SchoolBreak.objects.create(name="Қысқы демалыс", start=D(2026, 12, 30), end=D(2027, 1, 8))
        SchoolBreak.objects.create(
            school=self.school, name="Карантин", start=D(2026, 12, 21), end=D(2026, 12, 22)
        )
        SchoolBreak.objects.create(
            school=self.other_school, name="Басқа", start=D(2026, 12, 1), end=D(2026, 12, 4)
        )
        days = set(self.make_programme().days.values_list("date", flat=True))
        self.assertEqual(len(days), 22 - 2 - 2)
        self.assertFalse({D(2026, 12, 21), D(2026, 12, 30), D(2026, 12, 31)} & days)
        self.assertIn(D(2026, 12, 1), days)

    def test_refusals(self):
        cases = {
            "lunch_required": {"meals": [MealSpec(MealType.BREAKFAST, 400)]},
            "meal_type_invalid": {"meals": [MealSpec("lunch", 800), MealSpec("lunch", 900)]},
            "price_invalid": {"meals": [MealSpec("lunch", 0)]},
            "share_invalid": {"meals": [MealSpec("lunch", 800, 101)]},
            "grade_overlap": {"universal_to_grade": 5},
            "grade_range": {"category_to_grade": 12},
            "category_invalid": {"categories": ["universal"]},
        }
        for code, kw in cases.items():
            with self.subTest(code), self.assertRaises(MealError) as caught:
                self.make_programme(**kw)
            self.assertEqual(caught.exception.code, code)
        self.assertIsNone(programme.programme_for(self.school.pk, DECEMBER))

    def test_changing_meals_and_prices(self):
        self.make_programme()
        p = self.make_programme(meals=[MealSpec("lunch", 900, 100), MealSpec("breakfast", 450, 50)])
        rows = dict(p.meals.values_list("meal_type", "price"))
        self.assertEqual(rows, {"lunch": 900, "breakfast": 450})
        self.assertEqual(p.meals.get(meal_type="breakfast").state_price, 225)
        p = self.make_programme(meals=[MealSpec("lunch", 900, 100)])
        self.assertEqual(p.meals.count(), 1)
        self.assertEqual(p.days.count(), 22, "saving again keeps the edited days")

    def test_after_approval_who_is_entitled_is_fixed_but_the_price_may_change(self):
        self.approved()
        with self.assertRaises(MealError) as caught:
            self.make_programme(category_to_grade=9)
        self.assertEqual(caught.exception.code, "programme_locked")
        self.make_programme(meals=[MealSpec("lunch", 910)])
        with self.assertRaises(MealError) as caught:
            self.make_programme(meals=[MealSpec("breakfast", 400), MealSpec("snack", 300)])
        self.assertEqual(caught.exception.code, "lunch_required")

    def test_a_meal_with_vouchers_cannot_be_dropped(self):
        self.make_programme(meals=[MealSpec("lunch", 850), MealSpec("breakfast", 400)])
        self.approved()
        self.assertTrue(Voucher.objects.filter(meal_type="breakfast").exists())
        with self.assertRaises(MealError) as caught:
            self.make_programme(meals=[MealSpec("lunch", 850)])
        self.assertEqual(caught.exception.code, "meal_in_use")

    def test_editing_days(self):
        p = self.make_programme()
        saturday, first = D(2026, 12, 5), D(2026, 12, 1)
        self.assertTrue(programme.set_meal_day(self.pedagog, p, saturday, True))
        self.assertFalse(programme.set_meal_day(self.pedagog, p, saturday, True))
        self.assertTrue(programme.set_meal_day(self.pedagog, p, first, False))
        self.assertEqual(p.days.count(), 22)
        with self.assertRaises(MealError) as caught:
            programme.set_meal_day(self.pedagog, p, D(2027, 1, 5), True)
        self.assertEqual(caught.exception.code, "day_out_of_month")
        self.assertEqual(len(programme.reset_meal_days(self.pedagog, p)), 22)
        self.assertFalse(p.days.filter(date=saturday).exists())

    def test_a_day_with_meals_served_stays(self):
        lst = self.approved()
        voucher = Voucher.objects.filter(pupil=self.pupil).first()

        def served(day: dt.date) -> None:
            Redemption.objects.create(
                client_id=uuid.uuid4(), school_id=self.school.pk, voucher=voucher,
                pupil_id=self.pupil.pk, meal_type="lunch", day=day, status="served",
                scanned_at=NOW, received_at=NOW,
            )  # fmt: skip

        weekday, saturday = D(2026, 12, 2), D(2026, 12, 5)
        served(weekday)
        with self.assertRaises(MealError) as caught:
            programme.set_meal_day(self.pedagog, lst.programme, weekday, False)
        self.assertEqual(caught.exception.code, "day_has_meals")
        programme.set_meal_day(self.pedagog, lst.programme, saturday, True)
        served(saturday)
        with self.assertRaises(MealError) as caught:
            programme.reset_meal_days(self.pedagog, lst.programme)
        self.assertEqual(caught.exception.code, "day_has_meals")
        days = set(lst.programme.days.values_list("date", flat=True))
        self.assertTrue({weekday, saturday} <= days)


class FormingTests(ListTestCase):
    def test_who_is_in_and_why(self):
        lst = self.formed()
        rows = {e.pupil_id: (e.grade, e.class_label, e.basis) for e in lst.entries.all()}
        self.assertEqual(
            rows, {self.pupil.pk: (3, "3А", "universal"), self.sibling.pk: (7, "7Б", "asp")}
        )
        self.assertEqual(lst.status, St.DRAFT)
        self.assertIsNotNone(lst.formed_at)
        counts = lists.counts(lst)
        self.assertEqual((counts.total, counts.by_basis, counts.by_grade),
                         (2, {"universal": 1, "asp": 1}, {3: 1, 7: 1}))  # fmt: skip

    def test_not_active_classless_pre_school_and_other_schools_are_out(self):
        gone = make_pupil(self.school, self.klass, status=Pupil.Status.TRANSFERRED)
        classless = make_pupil(self.school, None)
        tiny = make_pupil(self.school, make_class(self.school, 0, "А"))
        ids = set(self.formed().entries.values_list("pupil_id", flat=True))
        self.assertFalse(ids & {gone.pk, classless.pk, tiny.pk, self.other_pupil.pk})

    def test_without_a_programme_there_is_no_list(self):
        with self.assertRaises(MealError) as caught:
            lists.form_list(self.pedagog, self.school, DECEMBER)
        self.assertEqual(caught.exception.code, "no_programme")
        self.assertFalse(MonthlyList.objects.exists())

    def test_forming_again_recomputes(self):
        lst = self.formed()
        confirm(self.stranger, "other", D(2026, 12, 10), None)
        lst = lists.form_list(self.pedagog, self.school, DECEMBER)
        self.assertEqual(lst.entries.count(), 3)
        self.assertEqual(lst.entries.get(pupil=self.stranger).basis, "other")
        self.assertEqual(ListEntry.objects.count(), 3, "old entries are replaced")

    def test_a_returned_list_formed_again_is_a_draft(self):
        lst = self.submitted()
        lists.return_list(self.director, lst, "7Б сыныбын тексеріңіз")
        lst = lists.form_list(self.pedagog, self.school, DECEMBER)
        self.assertEqual(lst.status, St.DRAFT)
        self.assertEqual(lst.comment, "7Б сыныбын тексеріңіз", "the principal's note stays")
        self.assertEqual(
            list(lst.transitions.values_list("from_status", "to_status")),
            [("draft", "submitted"), ("submitted", "returned"), ("returned", "draft")],
        )

    def test_a_submitted_list_is_not_formed_again(self):
        self.submitted()
        with self.assertRaises(MealError) as caught:
            lists.form_list(self.pedagog, self.school, DECEMBER)
        self.assertEqual(caught.exception.code, "list_locked")


class DepartureTests(ListTestCase):
    def test_who_left_since_last_month_and_why(self):
        senior_class = make_class(self.school, 10, "А")
        senior = make_pupil(self.school, senior_class, surname="Әлиев", sex="M")
        confirm(senior, "asp", D(2026, 9, 1), None)
        leaver = make_pupil(self.school, self.other_class, surname="Бекова")
        confirm(leaver, "other", D(2026, 9, 1), None)
        confirm(self.stranger, "orphans", D(2026, 9, 1), D(2026, 11, 30))
        self.make_programme(NOVEMBER)
        november = lists.form_list(self.pedagog, self.school, NOVEMBER)
        self.assertEqual(november.entries.count(), 5)

        Pupil.objects.filter(pk=leaver.pk).update(status=Pupil.Status.TRANSFERRED)
        newcomer = make_pupil(self.school, self.klass, surname="Жаңа")
        self.make_programme(DECEMBER, category_to_grade=9)
        december = lists.form_list(self.pedagog, self.school, DECEMBER)
        diff = lists.diff_with_previous(december)
        self.assertEqual(diff.previous, november)
        why = {d.pupil.pk: (d.reason.code, d.reason.detail, d.basis) for d in diff.left}
        self.assertEqual(
            why,
            {
                senior.pk: ("out_of_grades", "10", "asp"),
                leaver.pk: ("not_active", "transferred", "other"),
                self.stranger.pk: ("category_expired", "2026-11-30", "orphans"),
            },
        )
        self.assertEqual(diff.joined, 1)
        self.assertIn(newcomer.pk, set(december.entries.values_list("pupil_id", flat=True)))

    def test_no_previous_list(self):
        diff = lists.diff_with_previous(self.formed())
        self.assertEqual((diff.previous, diff.left, diff.joined), (None, [], 0))


class TransitionTests(ListTestCase):
    def test_submit_approve_verify_each_recorded(self):
        lst = self.approved()
        rows = list(lst.transitions.values_list("from_status", "to_status", "by_id"))
        self.assertEqual(
            rows,
            [
                ("draft", "submitted", self.pedagog.pk),
                ("submitted", "approved", self.director.pk),
                ("approved", "verifying", self.director.pk),
                ("verifying", "verified", None),
            ],
        )
        self.assertTrue(all(t.at == NOW for t in lst.transitions.all()))
        self.assertEqual(lst.status, St.VERIFIED)

    def test_return_needs_a_comment_then_resubmit(self):
        lst = self.submitted()
        for blank in ("", "   \n"):
            with self.assertRaises(MealError) as caught:
                lists.return_list(self.director, lst, blank)
            self.assertEqual(caught.exception.code, "comment_required")
        lst.refresh_from_db()
        self.assertEqual(lst.status, St.SUBMITTED)
        lst = lists.return_list(self.director, lst, " Тізімді тексеріңіз ")
        self.assertEqual((lst.status, lst.comment), (St.RETURNED, "Тізімді тексеріңіз"))
        last = lst.transitions.last()
        self.assertEqual((last.by, last.comment), (self.director, "Тізімді тексеріңіз"))
        lst = lists.submit_list(self.pedagog, lst)
        self.assertEqual(lst.status, St.SUBMITTED)

    def test_every_refused_transition(self):
        lst = self.formed()
        actions = {
            "submit": lambda: lists.submit_list(self.pedagog, lst),
            "approve": lambda: lists.approve_list(self.director, lst),
            "return": lambda: lists.return_list(self.director, lst, "x"),
        }
        allowed = {
            St.DRAFT: {"submit"},
            St.SUBMITTED: {"approve", "return"},
            St.RETURNED: {"submit"},
            St.APPROVED: set(),
            St.VERIFYING: set(),
            St.VERIFIED: set(),
        }
        for status, ok in allowed.items():
            for name, action in actions.items():
                if name in ok:
                    continue
                MonthlyList.objects.filter(pk=lst.pk).update(status=status)
                before = ListTransition.objects.count()
                with self.subTest(status=status, action=name), self.assertRaises(MealError) as c:
                    action()
                self.assertEqual(c.exception.code, "transition_not_allowed")
                self.assertEqual(ListTransition.objects.count(), before)
                self.assertEqual(MonthlyList.objects.get(pk=lst.pk).status, status)

    def test_an_unformed_list_cannot_be_sent(self):
        lst = MonthlyList.objects.create(
            school=self.school, month=DECEMBER, programme=self.make_programme()
        )
        with self.assertRaises(MealError) as caught:
            lists.submit_list(self.pedagog, lst)
        self.assertEqual(caught.exception.code, "list_not_formed")
