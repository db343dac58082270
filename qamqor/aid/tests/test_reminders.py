"""Reminders about purchase reports: when, idempotent, recorded, no personal data in logs."""

from __future__ import annotations

import datetime as dt
import io
import logging

from django.core.management import call_command

from qamqor.aid import services
from qamqor.aid.models import AidReminder, PurchaseReport
from qamqor.applications.models import Application
from qamqor.core.workdays import TZ
from qamqor.registry.models import Family, Guardian
from qamqor.sandbox.models import SandboxSms

from .base import AidTestCase

S = Application.Status


class FailingGateway:
    def send(self, phone: str, text: str, purpose: str = "") -> str:
        raise RuntimeError("provider down")


class Reminders(AidTestCase):
    """Paid on 1 September: due on the 16th."""

    def setUp(self):
        super().setUp()
        self.r = self.report()
        SandboxSms.objects.all().delete()

    def run_on(self, day: dt.date, **kw):
        self.travel(day)
        return services.send_reminders(**kw)

    def aid_sms(self):
        return SandboxSms.objects.filter(purpose="aid_report")

    def test_nothing_while_the_deadline_is_far(self):
        run = self.run_on(dt.date(2026, 9, 12))
        self.assertEqual((run.sent, self.aid_sms().count()), (0, 0))
        self.assertFalse(AidReminder.objects.exists())

    def test_three_days_before_once_then_on_the_day(self):
        self.assertEqual(self.run_on(dt.date(2026, 9, 13)).sent, 1)
        self.assertEqual(self.run_on(dt.date(2026, 9, 14)).sent, 0)  # "soon" already sent
        self.assertEqual(self.run_on(dt.date(2026, 9, 15)).sent, 0)
        self.assertEqual(self.run_on(dt.date(2026, 9, 16)).sent, 1)  # the last day
        self.assertEqual(
            list(AidReminder.objects.order_by("sent_on").values_list("stage", "outcome")),
            [("soon", "sent"), ("today", "sent")],
        )
        first = self.aid_sms().order_by("created_at", "id").first()
        self.assertEqual(first.phone, self.guardian.phone)
        # The school's language (Kazakh) and a link to the parent's own page.
        self.assertIn(f"/aid/my/reports/{self.r.pk}/", first.text)
        self.assertIn("16.09.2026", first.text)

    def test_running_twice_a_day_sends_once(self):
        day = dt.date(2026, 9, 13)
        first = self.run_on(day)
        second = self.run_on(day)
        out = io.StringIO()
        call_command("aid_reminders", stdout=out)
        self.assertEqual((first.sent, second.sent), (1, 0))
        self.assertEqual(self.aid_sms().count(), 1)
        self.assertEqual(AidReminder.objects.filter(sent_on=day).count(), 1)
        self.assertIn("0 reminders sent", out.getvalue())

    def test_overdue_is_flagged_and_reminded_weekly(self):
        run = self.run_on(dt.date(2026, 9, 17))
        self.assertEqual((run.overdue, run.sent), (1, 1))
        self.app.refresh_from_db()
        self.assertEqual(self.app.status, S.OVERDUE)
        sent = [self.run_on(dt.date(2026, 9, 17) + dt.timedelta(days=n)).sent for n in range(1, 15)]
        # Again 7 and 14 days after the first overdue reminder, not in between.
        self.assertEqual([n + 1 for n, s in enumerate(sent) if s], [7, 14])
        self.assertEqual(AidReminder.objects.filter(stage="overdue").count(), 3)

    def test_a_submitted_report_gets_no_reminder(self):
        self.complete(self.r)
        services.submit_report(self.parent, self.r)
        for day in (13, 16, 17, 24):
            self.assertEqual(self.run_on(dt.date(2026, 9, day)).sent, 0)
        self.assertFalse(AidReminder.objects.exists())

    def test_asked_again_the_new_deadline_gets_its_own_reminders(self):
        self.assertEqual(self.run_on(dt.date(2026, 9, 13)).sent, 1)
        self.complete(self.r)
        services.submit_report(self.parent, self.r)
        services.ask_again(self.pedagog, self.r, "Фото жоқ.")  # due 18 Sep now
        self.r.refresh_from_db()
        self.assertEqual(self.r.due_date, dt.date(2026, 9, 18))
        self.assertEqual(self.run_on(dt.date(2026, 9, 15)).sent, 1)
        self.assertEqual(self.run_on(dt.date(2026, 9, 18)).sent, 1)

    def test_no_phone_is_recorded_without_a_message(self):
        Guardian.objects.filter(pk=self.guardian.pk).update(phone="")
        Family.objects.filter(pk=self.family.pk).update(phone="")
        run = self.run_on(dt.date(2026, 9, 13))
        self.assertEqual((run.sent, run.no_phone), (0, 1))
        self.assertEqual(AidReminder.objects.get().outcome, "no_phone")
        self.assertFalse(self.aid_sms().exists())

    def test_the_family_phone_when_the_guardian_has_none(self):
        Guardian.objects.filter(pk=self.guardian.pk).update(phone="")
        Family.objects.filter(pk=self.family.pk).update(phone="+77050000001")
        self.run_on(dt.date(2026, 9, 13))
        self.assertEqual(self.aid_sms().get().phone, "+77050000001")

    def test_a_refused_message_is_recorded_and_tried_again_the_next_day(self):
        with self.assertLogs("qamqor.aid", logging.WARNING) as logs:
            run = self.run_on(dt.date(2026, 9, 13), gateway=FailingGateway())
        self.assertEqual(run.failed, 1)
        self.assertEqual(AidReminder.objects.get().outcome, "failed")
        self.assertNotIn(self.guardian.phone, "\n".join(logs.output))
        self.assertEqual(self.run_on(dt.date(2026, 9, 14)).sent, 1)

    def test_nothing_is_sent_at_night(self):
        self.travel(dt.datetime(2026, 9, 17, 2, 0, tzinfo=TZ))
        run = services.send_reminders()
        self.assertTrue(run.night)
        self.assertEqual((run.overdue, run.sent), (1, 0))
        self.assertFalse(AidReminder.objects.exists())

    def test_no_personal_data_in_the_logs_or_the_command_output(self):
        out = io.StringIO()
        self.travel(dt.date(2026, 9, 13))
        with self.assertLogs(level=logging.DEBUG) as logs:
            logging.getLogger("qamqor").debug("start")
            call_command("aid_reminders", stdout=out)
        text = "\n".join(logs.output) + out.getvalue()
        sms = self.aid_sms().get()
        for secret in (
            self.guardian.phone,
            self.pupil.name,
            self.pupil.surname,
            self.guardian.iin,
            sms.text,
        ):
            self.assertNotIn(secret, text)
        self.assertIn("1 reminders sent", out.getvalue())

    def test_the_command_takes_a_date(self):
        out = io.StringIO()
        call_command("aid_reminders", "--date", "2026-09-17", stdout=out)
        self.assertIn("2026-09-17: 1 newly overdue", out.getvalue())
        self.assertEqual(PurchaseReport.objects.get().application.status, S.OVERDUE)
