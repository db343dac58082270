"""`qamqor meals_daily_report [--date YYYY-MM-DD] [--back N]`: the daily meal report.

Seed 004, step 7: every day, vouchers activated and meals served, per school, class and meal
type. Idempotent: each run replaces the rows of the days it covers, so cron may run it as
often as it likes. By default it covers today and the 7 days before, because a canteen
terminal that was offline may send its scans up to 7 days late (the redemption API accepts
`scanned_at` that far back) and those days' figures change when they arrive.

Production: cron, e.g. `30 20 * * * qamqor meals_daily_report` (after the last sitting) and
again after midnight if terminals flush late. Demo: django-tasks (0.12) has no scheduler of
its own, so `qamqor worker` does not repeat it by itself; `qamqor demo` can run this command
once after loading, and cron (or a `while sleep 3600` loop) repeats it.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from qamqor.core.management.days import add_date_argument, date_option
from qamqor.meals.services.daily_report import build_daily_reports


class Command(BaseCommand):
    help = "Recompute the daily meal report (vouchers active, meals served) of every school."

    def add_arguments(self, parser):
        add_date_argument(parser)
        parser.add_argument(
            "--back",
            type=int,
            default=7,
            help="also recompute this many days before it (late offline scans); default 7",
        )

    def handle(self, *args, **options):
        day = date_option(options)
        back = options["back"]
        if back < 0 or back > 62:
            raise CommandError("--back must be between 0 and 62")
        for offset in range(back, -1, -1):
            current = day - dt.timedelta(days=offset)
            rows = build_daily_reports(current)
            if options["verbosity"] >= 1:
                self.stdout.write(f"{current.isoformat()}: {rows} rows")
