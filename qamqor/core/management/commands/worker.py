"""`qamqor worker`: runs queued background tasks (django-tasks, database backend) and, unless
--no-schedule, the periodic jobs of `core.schedule` (cron runs those in production)."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand

from qamqor.core.schedule import start_in_background


class Command(BaseCommand):
    help = "Run the background task worker and the periodic jobs."

    def add_arguments(self, parser):
        parser.add_argument("--no-schedule", action="store_true")

    def handle(self, *args, **options):
        if not options["no_schedule"]:
            start_in_background()
        call_command("db_worker")
