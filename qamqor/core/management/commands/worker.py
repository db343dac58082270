"""`qamqor worker`: runs queued background tasks (django-tasks, database backend)."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background task worker."

    def handle(self, *args, **options):
        call_command("db_worker")
