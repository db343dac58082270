"""The sittings plan: the pure first-fit rule, the demo school, and the pages."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

import time_machine
from django.test import SimpleTestCase
from django.urls import reverse

from qamqor.audit.models import AuditEvent
from qamqor.canteen.models import Canteen, parse_break
from qamqor.canteen.services.sittings import ClassLoad, class_loads, plan_sittings
from qamqor.core.clock import today
from qamqor.meals.models import Voucher
from qamqor.testing import PersonaTestCase, make_class, make_pupil

from .base import active_voucher

T = dt.time
BREAKS_1 = [(T(9, 35), T(9, 55)), (T(10, 45), T(11, 5))]


def load(label: str, eaters: int, shift: int = 1, class_id: int | None = None) -> ClassLoad:
    grade = int(label[:-1])
    return ClassLoad(class_id or hash(label) % 10_000, label, grade, label[-1], shift, eaters)


def seated(plan) -> list[list[str]]:  # noqa: ANN001
    return [[c.label for c in s.classes] for s in plan.seatings]


class PlanRuleTests(SimpleTestCase):
    def test_younger_classes_first_and_first_fit(self):
        classes = [load("5А", 30), load("1Б", 40), load("1А", 50), load("2А", 45)]
        plan = plan_sittings(classes, {1: BREAKS_1}, capacity=100)
        self.assertEqual(seated(plan), [["1А", "1Б"], ["2А", "5А"]])
        self.assertEqual([s.used for s in plan.seatings], [90, 75])
        self.assertEqual(plan.not_placed, [])

    def test_a_class_bigger_than_what_is_left_goes_on_and_a_smaller_one_fills_the_gap(self):
        classes = [load("1А", 70), load("2А", 40), load("3А", 25)]
        plan = plan_sittings(classes, {1: BREAKS_1}, capacity=100)
        # 2А (40) does not fit the 30 seats left after 1А; 3А (25) does.
        self.assertEqual(seated(plan), [["1А", "3А"], ["2А"]])
        self.assertTrue(all(s.used <= 100 for s in plan.seatings))

    def test_a_class_bigger_than_the_canteen_or_than_every_gap_is_not_placed(self):
        classes = [load("1А", 120), load("2А", 90), load("3А", 90), load("4А", 90)]
        plan = plan_sittings(classes, {1: BREAKS_1}, capacity=100)
        self.assertEqual(seated(plan), [["2А"], ["3А"]])
        self.assertEqual([c.label for c in plan.not_placed], ["1А", "4А"])

    def test_shifts_are_planned_apart_and_a_shift_without_breaks_places_nobody(self):
        classes = [load("1А", 30, shift=1), load("2А", 30, shift=2), load("3А", 0, shift=2)]
        plan = plan_sittings(classes, {1: BREAKS_1, 2: []}, capacity=100)
        self.assertEqual(seated(plan), [["1А"], []])
        self.assertEqual([c.label for c in plan.not_placed], ["2А"])
        self.assertEqual([c.label for c in plan.not_eating], ["3А"])

    def test_deterministic_whatever_the_input_order(self):
        classes = [load(f"{g}{letter}", 20 + g * 3 + i) for g in range(1, 12)
                   for i, letter in enumerate("АӘБ")]  # fmt: skip
        one = plan_sittings(classes, {1: BREAKS_1 + [(T(12, 0), T(12, 20))]}, capacity=400)
        two = plan_sittings(
            list(reversed(classes)), {1: list(reversed(BREAKS_1)) + [(T(12, 0), T(12, 20))]}, 400
        )
        self.assertEqual(seated(one), seated(two))

    def test_the_current_sitting(self):
        plan = plan_sittings([load("1А", 10)], {1: BREAKS_1}, capacity=100)
        now, is_now = plan.current(T(9, 40))
        self.assertEqual((now.sitting.number, is_now), (1, True))
        upcoming, is_now = plan.current(T(10, 0))
        self.assertEqual((upcoming.sitting.number, is_now), (2, False))
        self.assertEqual(plan.current(T(11, 5)), (None, False))

    def test_breaks_are_read_strictly(self):
        self.assertEqual(parse_break("9:35 – 9:55"), (T(9, 35), T(9, 55)))
        for bad in ("09:55-09:35", "25:00-25:20", "lunch", "09:35"):
            self.assertIsNone(parse_break(bad), bad)


class DemoSchoolTests(SimpleTestCase):
    """Seed 000: 4,600 pupils, 1,200 seats; grades 1–4 (1,967) eat; in grades 5–11 the 55
    pupils with a category eat free, and some others pay."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from qamqor.sandbox.demo.load import demo_data

        d = demo_data()
        school = d.schools[0].key
        pupils = [p for p in d.pupils if p.school_key == school]
        size = Counter(p.class_key for p in pupils)
        by_key = {p.key: p for p in pupils}
        category = {c.pupil_key for c in d.categories
                    if c.school_key == school and c.status == "confirmed"}  # fmt: skip
        free = Counter(
            by_key[k].class_key for k in category if k in by_key and by_key[k].grade >= 5
        )
        free |= Counter(p.class_key for p in pupils if 1 <= p.grade <= 4)
        cls.classes = [c for c in d.classes if c.school_key == school and c.grade >= 1]
        cls.size, cls.free = size, free
        cls.total = len(pupils)

    def loads(self, paying_percent: int) -> list[ClassLoad]:
        return [
            ClassLoad(
                n,
                c.label,
                c.grade,
                c.letter,
                c.shift,
                self.free[c.key]
                + math.ceil((self.size[c.key] - self.free[c.key]) * paying_percent / 100),
                self.free[c.key],
            )  # fmt: skip
            for n, c in enumerate(self.classes)
        ]

    def test_the_demo_school_fits_its_1200_seats(self):
        self.assertEqual(self.total, 4600)
        breaks = {
            1: [(T(9, 35), T(9, 55)), (T(10, 45), T(11, 5)), (T(11, 55), T(12, 15))],
            2: [(T(14, 35), T(14, 55)), (T(15, 45), T(16, 5)), (T(16, 55), T(17, 15))],
        }
        free_only = plan_sittings(self.loads(0), breaks, capacity=1200)
        seated_free = sum(c.free for s in free_only.seatings for c in s.classes)
        primary = sum(c.eaters for s in free_only.seatings for c in s.classes if c.grade <= 4)
        self.assertEqual(primary, 1967)
        self.assertEqual(seated_free - primary, 55)
        self.assertEqual(free_only.not_placed, [])
        # With a third of the others paying (about 750 pupils more) it still fits.
        paying = plan_sittings(self.loads(33), breaks, capacity=1200)
        self.assertEqual(paying.not_placed, [])
        self.assertTrue(all(s.used <= 1200 for s in paying.seatings))
        shift2 = [s for s in paying.seatings if s.sitting.shift == 2]
        # Grades 2 and 3 all eat first, with part of grade 4; an older class fills the gap.
        first = Counter(c.grade for c in shift2[0].classes)
        self.assertEqual((first[2], first[3]), (18, 18))
        self.assertLess(first[4], 17)
        self.assertGreater(shift2[0].used, 1100)  # the first sitting is nearly full
        # Younger first: no class sits earlier than a younger class of its shift.
        for s in paying.seatings:
            later = [x for x in paying.seatings
                     if x.sitting.shift == s.sitting.shift and x.sitting.number > s.sitting.number]  # fmt: skip
            if s.classes and later and any(x.classes for x in later):
                self.assertLessEqual(
                    min(c.grade for c in s.classes),
                    min(c.grade for x in later for c in x.classes),
                )


class ClassLoadsTests(PersonaTestCase):
    def test_eaters_are_voucher_holders_plus_the_paying_share(self):
        for n in range(3):
            make_pupil(self.school, self.other_class, name=f"Оқушы{n}")
        active_voucher(self.pupil)
        active_voucher(self.sibling)
        active_voucher(self.stranger, status=Voucher.Status.SUSPENDED)
        make_class(self.school, 0, "А")  # pre-school: not planned
        loads = {c.label: c for c in class_loads(self.school.pk, today(), 50)}
        self.assertEqual(set(loads), {"3А", "7Б"})
        self.assertEqual((loads["3А"].free, loads["3А"].eaters), (1, 1))
        # 7Б: 5 pupils, one voucher; half of the other 4 pay.
        self.assertEqual((loads["7Б"].free, loads["7Б"].eaters), (1, 3))


class SittingPagesTests(PersonaTestCase):
    def test_the_plan_its_print_page_and_pdf(self):
        # One clock for the voucher and the pages: a Monday, in the first sitting of shift 1.
        with time_machine.travel("2026-11-23 09:40 +05:00", tick=False):
            self._plan_print_and_pdf()

    def _plan_print_and_pdf(self):
        active_voucher(self.pupil)
        self.client.force_login(self.teacher)
        page = self.client.get(reverse("canteen:sittings"))
        self.assertContains(page, "the canteen seats 1,200 at a sitting")
        self.assertContains(page, "3А")
        self.assertContains(page, 'class="badge confirmed">now<')
        self.assertNotContains(page, "Seats and breaks")  # the teacher does not edit
        printable = self.client.get(reverse("canteen:sittings_print"))
        self.assertContains(printable, "print.css")
        self.assertContains(printable, "Principal")
        pdf = self.client.get(reverse("canteen:sittings_pdf"))
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        self.assertTrue(pdf.content.startswith(b"%PDF-"))

    def test_the_settings_form_saves_and_refuses_bad_breaks(self):
        self.login(self.director)
        url = reverse("canteen:settings")
        form = self.client.get(url)
        self.assertContains(form, "09:35-09:55")  # the default timetable
        bad = self.client.post(
            url, {"seats": 900, "paying_percent": 10, "shift1": "09:35-09:55\nlunch", "shift2": ""}
        )
        self.assertContains(bad, "is not a break", status_code=422)
        overlap = self.client.post(
            url,
            {
                "seats": 900,
                "paying_percent": 10,
                "shift1": "09:35-09:55\n09:50-10:10",
                "shift2": "",
            },
        )
        self.assertContains(overlap, "Two breaks overlap.", status_code=422)
        self.assertFalse(Canteen.objects.filter(seats=900).exists())
        ok = self.client.post(
            url,
            {"seats": 900, "paying_percent": 10, "shift1": "11:00-11:20\n9:35-9:55", "shift2": ""},
        )
        self.assertEqual(ok.status_code, 302)
        canteen = Canteen.objects.get(school=self.school)
        self.assertEqual((canteen.seats, canteen.paying_percent), (900, 10))
        self.assertEqual(canteen.breaks, {"1": ["09:35-09:55", "11:00-11:20"], "2": []})
        self.assertEqual(canteen.breaks_of(2), [])
        self.assertTrue(AuditEvent.objects.filter(object_type="canteen.canteen").exists())


class SittingPrivacyTests(PersonaTestCase):
    def test_only_category_readers_see_how_many_eat_in_a_category_grade(self):
        active_voucher(self.pupil)  # 3А, universal
        active_voucher(self.sibling)  # 7Б: a category pupil
        url = reverse("canteen:sittings")
        for user, shown in ((self.pedagog, True), (self.teacher, False), (self.canteen, False)):
            self.client.force_login(user)
            page = self.client.get(url).content.decode()
            self.assertIn("3А <small>1</small>", page)
            self.assertEqual("7Б <small>1</small>" in page, shown, user)
            self.assertIn("7Б", page)
