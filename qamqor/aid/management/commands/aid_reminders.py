"""`qamqor aid_reminders [--date YYYY-MM-DD]`: flag overdue purchase reports, send reminders.

Seed 000: the family reports its purchases within 15 days of the payment. Reports past their
date become overdue; a report due in 3 days, due today, or overdue gets an SMS (overdue
ones again each week), sent between 09:00 and 21:00 only. Idempotent: at most one reminder per report per day (a unique row
written before the message goes), so cron may run it as often as it likes.

Production: cron, e.g. `0 10 * * * qamqor aid_reminders` (a daytime hour: it texts parents).
The output counts messages; it never names a family, a phone or a text.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from qamqor.aid.services import send_reminders
from qamqor.core.management.days import add_date_argument, date_option


class Command(BaseCommand):
    help = "Flag overdue purchase reports and send the reminders due today (idempotent)."

    def add_arguments(self, parser):
        add_date_argument(parser)

    def handle(self, *args, **options):
        day = date_option(options)
        run = send_reminders(day)
        if options["verbosity"] >= 1 and run.night:
            self.stdout.write(
                f"{day.isoformat()}: {run.overdue} newly overdue; no message at night "
                "(the next daytime run sends them)"
            )
        elif options["verbosity"] >= 1:
            self.stdout.write(
                f"{day.isoformat()}: {run.overdue} newly overdue, {run.sent} reminders sent, "
                f"{run.no_phone} without a phone, {run.failed} refused, {run.skipped} already sent"
            )
