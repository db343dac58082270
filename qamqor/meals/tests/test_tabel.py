"""The табель, its submission and amendments, the payment figures, the daily report."""

from __future__ import annotations

import datetime as dt
import random

import time_machine
from django.core.management import call_command
from django.test import SimpleTestCase

from qamqor.audit.models import AuditEvent
from qamqor.meals.models import (
    DailyReport,
    Redemption,
    TabelAmendment,
    TabelSubmission,
    Voucher,
)
from qamqor.meals.services import daily_report, tabel, tabel_grid
from qamqor.meals.services.tabel import TabelError

from .tabel_factories import (
    BREAKFAST,
    HOLIDAY,
    LUNCH,
    NOV,
    OCT,
    TabelCase,
    at,
    make_programme,
    make_voucher,
    scan,
)

ADD, REMOVE = TabelAmendment.Action.ADD, TabelAmendment.Action.REMOVE


class DeadlineRules(SimpleTestCase):
    def test_deadline_is_the_fifth_of_the_following_month(self):
        self.assertEqual(tabel.tabel_deadline(OCT), dt.date(2026, 11, 5))
        self.assertEqual(tabel.tabel_deadline(dt.date(2026, 12, 1)), dt.date(2027, 1, 5))

    def test_states(self):
        last = dt.date(2026, 10, 30)

        def state(submitted_on, day):
            return tabel.deadline_state(OCT, submitted_on, day, last).state

        self.assertEqual(state(None, dt.date(2026, 10, 30)), "not_due")
        self.assertEqual(state(None, dt.date(2026, 10, 31)), "open")
        self.assertEqual(state(None, dt.date(2026, 11, 5)), "open")
        self.assertEqual(state(None, dt.date(2026, 11, 6)), "overdue")
        self.assertEqual(state(dt.date(2026, 11, 5), dt.date(2026, 12, 1)), "submitted")
        self.assertEqual(state(dt.date(2026, 11, 6), dt.date(2026, 11, 6)), "submitted_late")
        self.assertTrue(tabel.deadline_state(OCT, None, dt.date(2026, 11, 9), last).late)

    def test_apply_amendments_in_order(self):
        d1, d2 = dt.date(2026, 10, 1), dt.date(2026, 10, 2)
        base = {(1, d1, LUNCH), (2, d1, LUNCH)}
        marks, added, removed = tabel.apply_amendments(
            base,
            [
                (1, d1, LUNCH, REMOVE),
                (3, d2, LUNCH, ADD),
                (2, d1, LUNCH, REMOVE),
                (2, d1, LUNCH, ADD),
            ],
        )
        self.assertEqual(marks, {(2, d1, LUNCH), (3, d2, LUNCH)})
        self.assertEqual(added, {(3, d2, LUNCH)})
        self.assertEqual(removed, {(1, d1, LUNCH)})

    def test_parse_month(self):
        self.assertEqual(tabel.parse_month("2026-10"), OCT)
        for bad in ("", "2026", "2026-13", "26-10", "2026-1x", None):
            self.assertIsNone(tabel.parse_month(bad))


class TabelTotals(TabelCase):
    def test_totals_equal_the_served_scans_of_the_month(self):
        served = Redemption.objects.filter(
            school_id=self.school.pk,
            status="served",
            day__gte=OCT,
            day__lt=NOV,
        )
        s = tabel.tabel_summary(self.school, OCT)
        self.assertEqual(s.meals, served.count())
        self.assertEqual(s.meals, self.LUNCH_MEALS + self.BREAKFAST_MEALS)
        by_meal = {m.meal_type: m for m in s.per_meal}
        self.assertEqual(by_meal[LUNCH].meals, self.LUNCH_MEALS)
        self.assertEqual(by_meal[BREAKFAST].meals, self.BREAKFAST_MEALS)
        # Fed: the pupil and the sibling; the stranger only got a refusal.
        self.assertEqual(s.pupils, 2)
        self.assertEqual((by_meal[LUNCH].pupils, by_meal[BREAKFAST].pupils), (2, 1))
        self.assertEqual(s.excluded, {"refused": 1, "conflict": 1})

    def test_days_are_the_meal_days_without_the_holiday_or_other_months(self):
        s = tabel.tabel_summary(self.school, OCT)
        days = [d for d, _n in s.days]
        self.assertEqual(days, self.days)
        self.assertNotIn(HOLIDAY, days)
        self.assertEqual(len(days), 21)
        self.assertTrue(all(d.month == 10 for d in days))
        counts = dict(s.days)
        self.assertEqual(counts[self.days[0]], 3)  # two lunches and a breakfast
        self.assertEqual(counts[self.days[15]], 1)  # the pupil alone
        self.assertEqual(sum(counts.values()), s.meals)

    def test_the_grid_agrees_with_the_aggregates(self):
        t = tabel_grid.build_tabel(self.school, OCT)
        self.assertEqual(t.days, self.days)
        self.assertEqual(sum(sheet.total for sheet in t.sheets), t.summary.meals)
        keys = [(s.class_label, s.meal_type) for s in t.sheets]
        self.assertEqual(keys, [("3А", BREAKFAST), ("3А", LUNCH), ("7Б", LUNCH)])
        _b, lunch_3a, lunch_7b = t.sheets
        self.assertEqual([r.display_name for r in lunch_3a.rows], ["Ахметова Аружан"])
        self.assertEqual(lunch_3a.rows[0].total, 21)
        # The absent pupil is on the табель with a zero row; names sorted by surname.
        self.assertEqual(
            [(r.display_name, r.total) for r in lunch_7b.rows],
            [("Ахметова Нұрлан", 10), ("Иванов Иван", 0)],
        )
        self.assertEqual(lunch_7b.day_totals[:10], [1] * 10)
        for day_index in range(len(t.days)):
            column = sum(sheet.day_totals[day_index] for sheet in t.sheets)
            self.assertEqual(column, dict(t.summary.days)[t.days[day_index]])

    def test_payment_is_meals_times_the_state_price_per_meal(self):
        s = tabel.tabel_summary(self.school, OCT)
        by_meal = {m.meal_type: m for m in s.per_meal}
        # Lunch is subsidised: 75 % of 800 ₸; breakfast is free: 100 % of 500 ₸.
        self.assertEqual(by_meal[LUNCH].state_price, 600)
        self.assertEqual(by_meal[BREAKFAST].state_price, 500)
        self.assertEqual(by_meal[LUNCH].amount, self.LUNCH_MEALS * 600)
        self.assertEqual(s.amount, self.LUNCH_MEALS * 600 + self.BREAKFAST_MEALS * 500)

    def test_random_months_agree_both_ways(self):
        rng = random.Random(4)
        for day in self.days[10:]:
            for voucher in self.lunch.values():
                if voucher.pupil_id != self.pupil.pk and rng.random() < 0.6:
                    scan(voucher, day)
        s = tabel.tabel_summary(self.school, OCT)
        t = tabel_grid.build_tabel(self.school, OCT)
        served = Redemption.objects.filter(school_id=self.school.pk, status="served", day__month=10)
        self.assertEqual(s.meals, served.count())
        self.assertEqual(sum(sheet.total for sheet in t.sheets), served.count())
        columns = [sum(sheet.day_totals[i] for sheet in t.sheets) for i in range(len(t.days))]
        self.assertEqual(dict(s.days), dict(zip(t.days, columns, strict=True)))


class Submission(TabelCase):
    def submit(self, when: dt.datetime, user=None):
        with time_machine.travel(when, tick=False):
            return tabel.submit_tabel(user or self.pedagog, self.school, OCT)

    def test_on_the_fifth_is_on_time_and_totals_are_stored(self):
        sub = self.submit(at(dt.date(2026, 11, 5), 23, 50))
        self.assertFalse(sub.late)
        self.assertEqual(sub.deadline, dt.date(2026, 11, 5))
        self.assertEqual(sub.meals, self.LUNCH_MEALS + self.BREAKFAST_MEALS)
        self.assertEqual(sub.pupils, 2)
        self.assertEqual(sub.amount, self.LUNCH_MEALS * 600 + self.BREAKFAST_MEALS * 500)
        self.assertEqual(sub.submitted_by, self.pedagog)
        self.assertTrue(
            AuditEvent.objects.filter(action="create", object_type="meals.tabelsubmission").exists()
        )

    def test_on_the_sixth_is_late(self):
        sub = self.submit(at(dt.date(2026, 11, 6), 0, 5))
        sub.refresh_from_db()
        self.assertTrue(sub.late)
        s = tabel.tabel_summary(self.school, OCT)
        with time_machine.travel(at(dt.date(2026, 11, 20)), tick=False):
            self.assertEqual(
                tabel.tabel_deadline_state(s, dt.date(2026, 11, 20)).state, "submitted_late"
            )

    def test_not_before_the_last_meal_day_is_over(self):
        with self.assertRaises(TabelError) as caught:
            self.submit(at(dt.date(2026, 10, 30), 17))
        self.assertEqual(caught.exception.code, "month_not_over")
        # The 31st is a Saturday after the last meal day: the sheet is complete.
        self.assertIsNotNone(self.submit(at(dt.date(2026, 10, 31), 10)))

    def test_without_a_programme_refused(self):
        with time_machine.travel(at(dt.date(2026, 12, 2)), tick=False):
            with self.assertRaises(TabelError) as caught:
                tabel.submit_tabel(self.pedagog, self.school, NOV)
        self.assertEqual(caught.exception.code, "no_programme")

    def test_locked_after_submission(self):
        self.submit(at(dt.date(2026, 11, 3)))
        with self.assertRaises(TabelError) as caught:
            self.submit(at(dt.date(2026, 11, 4)))
        self.assertEqual(caught.exception.code, "already_submitted")
        self.assertEqual(TabelSubmission.objects.filter(school=self.school).count(), 1)
        # A scan of October 30 flushed by an offline terminal after the submission does
        # not change the locked табель; the statement shows it as arrived late.
        scan(self.lunch[self.stranger.pk], self.days[-1], received_at=at(dt.date(2026, 11, 4)))
        s = tabel.tabel_summary(self.school, OCT)
        lunch = {m.meal_type: m for m in s.per_meal}[LUNCH]
        self.assertEqual(s.meals, self.LUNCH_MEALS + self.BREAKFAST_MEALS)
        self.assertEqual((lunch.scans, lunch.late, lunch.difference), (32, 1, -1))
        grid = tabel_grid.build_tabel(self.school, OCT)
        self.assertEqual(sum(sheet.total for sheet in grid.sheets), s.meals)

    def test_amendments_are_recorded_and_reflected(self):
        self.submit(at(dt.date(2026, 11, 3)))
        with time_machine.travel(at(dt.date(2026, 11, 10)), tick=False):
            tabel.amend_tabel(
                self.pedagog, self.school, OCT,
                pupil_id=self.stranger.pk, day=self.days[4], meal_type=LUNCH, action=ADD,
                reason="Терминал істен шықты; асхана журналы бойынша.",
            )  # fmt: skip
            tabel.amend_tabel(
                self.pedagog, self.school, OCT,
                pupil_id=self.sibling.pk, day=self.days[0], meal_type=LUNCH, action=REMOVE,
                reason="Оқушы ауырып қалды, QR-ды басқа бала көрсетті.",
            )  # fmt: skip
        s = tabel.tabel_summary(self.school, OCT)
        lunch = {m.meal_type: m for m in s.per_meal}[LUNCH]
        self.assertEqual(lunch.meals, self.LUNCH_MEALS)  # one in, one out
        self.assertEqual((lunch.added, lunch.removed), (1, 1))
        self.assertEqual(lunch.pupils, 3)  # the stranger is now fed
        self.assertEqual(s.pupils, 3)
        counts = dict(s.days)
        self.assertEqual(counts[self.days[0]], 2)
        self.assertEqual(counts[self.days[4]], 3)
        grid = tabel_grid.build_tabel(self.school, OCT)
        sheet = grid.sheet(f"7Б:{LUNCH}")
        stranger = next(r for r in sheet.rows if r.pupil_id == self.stranger.pk)
        sibling = next(r for r in sheet.rows if r.pupil_id == self.sibling.pk)
        self.assertEqual((stranger.total, stranger.amended[4]), (1, "add"))
        self.assertEqual(
            (sibling.total, sibling.marks[0], sibling.amended[0]), (9, False, "remove")
        )
        # The scans are never edited; the submitted totals stay as submitted.
        self.assertEqual(
            Redemption.objects.filter(pupil_id=self.sibling.pk, status="served").count(), 10
        )
        amendment = TabelAmendment.objects.get(pupil=self.stranger)
        self.assertEqual((amendment.by, amendment.at), (self.pedagog, at(dt.date(2026, 11, 10))))
        self.assertEqual(AuditEvent.objects.filter(object_type="meals.tabelamendment").count(), 2)

    def test_amendment_refusals(self):
        def amend(**kw):
            args = {
                "pupil_id": self.stranger.pk,
                "day": self.days[4],
                "meal_type": LUNCH,
                "action": ADD,
                "reason": "себебі",
                **kw,
            }
            with self.assertRaises(TabelError) as caught:
                tabel.amend_tabel(self.pedagog, self.school, OCT, **args)
            return caught.exception.code

        self.assertEqual(amend(), "not_submitted")
        self.submit(at(dt.date(2026, 11, 3)))
        self.assertEqual(amend(reason="  "), "reason_required")
        self.assertEqual(amend(day=HOLIDAY), "not_a_meal_day")
        self.assertEqual(amend(day=dt.date(2026, 11, 2)), "day_outside_month")
        self.assertEqual(amend(meal_type="snack"), "meal_type_invalid")
        self.assertEqual(amend(meal_type=BREAKFAST), "no_voucher")
        self.assertEqual(amend(pupil_id=self.other_pupil.pk), "no_voucher")
        self.assertEqual(amend(pupil_id=self.pupil.pk), "already_in_tabel")
        self.assertEqual(amend(action=REMOVE), "not_in_tabel")
        self.assertEqual(amend(action="edit"), "action_invalid")
        self.assertFalse(TabelAmendment.objects.exists())


class DailyReportTests(TabelCase):
    def rows(self, school=None):
        return sorted(
            DailyReport.objects.filter(school=school or self.school, day=self.days[0]).values_list(
                "school_class_id", "meal_type", "vouchers_active", "meals_served"
            )
        )

    def test_counts_per_class_and_meal(self):
        daily_report.build_daily_report(self.school, self.days[0])
        self.assertEqual(
            self.rows(),
            sorted(
                [
                    (self.klass.pk, LUNCH, 1, 1),
                    (self.klass.pk, BREAKFAST, 1, 1),
                    (self.other_class.pk, LUNCH, 2, 1),  # the stranger's refusal is no meal
                ]
            ),
        )

    def test_idempotent(self):
        first = daily_report.build_daily_report(self.school, self.days[0])
        before = self.rows()
        second = daily_report.build_daily_report(self.school, self.days[0])
        self.assertEqual(first, second)
        self.assertEqual(self.rows(), before)
        self.assertEqual(DailyReport.objects.filter(day=self.days[0]).count(), 3)
        # A late scan arrives: the next run picks it up, still without duplicates.
        scan(self.lunch[self.stranger.pk], self.days[0], received_at=at(self.days[2]))
        daily_report.build_daily_report(self.school, self.days[0])
        self.assertIn((self.other_class.pk, LUNCH, 2, 2), self.rows())
        self.assertEqual(DailyReport.objects.filter(day=self.days[0]).count(), 3)

    def test_vouchers_activated_later_or_suspended_do_not_count(self):
        late = make_voucher(self.stranger, meal_type=BREAKFAST, activated_at=at(self.days[5], 9))
        make_voucher(self.sibling, meal_type=BREAKFAST, status="suspended")
        daily_report.build_daily_report(self.school, self.days[0])
        self.assertNotIn((self.other_class.pk, BREAKFAST, 1, 0), self.rows())
        daily_report.build_daily_report(self.school, self.days[5])
        row = DailyReport.objects.get(
            school=self.school, day=self.days[5], school_class=self.other_class, meal_type=BREAKFAST
        )
        self.assertEqual((row.vouchers_active, row.meals_served), (1, 0))
        self.assertEqual(late.status, "active")

    def test_an_expired_voucher_still_counts_on_its_months_days(self):
        # Recomputed once the month is over and its vouchers have expired: the same figures.
        daily_report.build_daily_report(self.school, self.days[0])
        before = self.rows()
        self.assertIn((self.klass.pk, LUNCH, 1, 1), before)
        expired = Voucher.objects.filter(school=self.school, month=OCT, status="active").update(
            status="expired"
        )
        self.assertTrue(expired)
        daily_report.build_daily_report(self.school, self.days[0])
        self.assertEqual(self.rows(), before)

    def test_the_command_covers_every_school_and_the_days_before(self):
        make_programme(self.other_school, OCT, self.operator)
        call_command("meals_daily_report", "--date", self.days[1].isoformat(), verbosity=0)
        self.assertTrue(self.rows())
        self.assertEqual(self.rows(self.other_school)[0][2:], (1, 1))
        # Default: the day and the 7 before it.
        self.assertTrue(DailyReport.objects.filter(day=self.days[1]).exists())
        call_command("meals_daily_report", "--date", self.days[1].isoformat(), verbosity=0)
        self.assertEqual(DailyReport.objects.filter(day=self.days[0]).count(), 4)
        with time_machine.travel(at(self.days[3], 21), tick=False):
            call_command("meals_daily_report", "--back", "0", verbosity=0)
        self.assertTrue(DailyReport.objects.filter(day=self.days[3]).exists())
        self.assertFalse(DailyReport.objects.filter(day=self.days[2]).exists())

    def test_live_figures_before_the_report_is_stored(self):
        view = daily_report.daily_report(self.school, self.days[0])
        self.assertIsNone(view.generated_at)
        self.assertEqual((view.vouchers_active, view.meals_served), (4, 3))
        daily_report.build_daily_report(self.school, self.days[0])
        view = daily_report.daily_report(self.school, self.days[0])
        self.assertIsNotNone(view.generated_at)
        self.assertEqual([line.class_label for line in view.lines], ["3А", "3А", "7Б"])
