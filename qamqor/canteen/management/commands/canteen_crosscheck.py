"""`qamqor canteen_crosscheck [--date YYYY-MM-DD] [--school ID]`: the day's cross-check of
canteen entries against meals served, for every school that had either (cron, nightly).
Idempotent: running it again replaces the day's result."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand

from qamqor.canteen.models import Entry
from qamqor.canteen.services.crosscheck import run_crosscheck
from qamqor.core.clock import today
from qamqor.core.management.days import add_date_argument, date_option
from qamqor.meals.models import Redemption


class Command(BaseCommand):
    help = "Cross-check canteen entries against meals served (default: yesterday)."

    def add_arguments(self, parser):
        add_date_argument(parser, help="The day, YYYY-MM-DD (default: yesterday).")
        parser.add_argument("--school", type=int, action="append", help="Only this school id.")

    def handle(self, *args, **options):
        day = date_option(options, default=today() - dt.timedelta(days=1))
        schools = set(options["school"] or [])
        if not schools:
            schools = set(Entry.objects.filter(day=day).values_list("school_id", flat=True))
            schools |= set(
                Redemption.objects.filter(day=day, status=Redemption.Status.SERVED)
                .exclude(school_id=None)
                .values_list("school_id", flat=True)
                .distinct()
            )
        for school_id in sorted(schools):
            check = run_crosscheck(school_id, day)
            self.stdout.write(
                f"{day} school {school_id}: entered {check.entered}, served {check.served}, "
                f"differences {check.mismatches.count()}"
            )
