"""`qamqor rotate_keys [--school ID] [--revoke]`: new signing keys for one school or all.

Without --school every school gets a new key. In registry, not core, because it reads the
schools (core looks up no other app's models). The previous key keeps verifying for the grace period, so QR codes already on
phones and scans queued by offline terminals stay valid; --revoke ends it at once, for a key
that may have leaked.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from qamqor.core import signing
from qamqor.registry.models import School


class Command(BaseCommand):
    help = "Rotate the Ed25519 signing keys (meal QR) of one school or of every school."

    def add_arguments(self, parser):
        parser.add_argument("--school", type=int, help="the school's id (default: every school)")
        parser.add_argument("--purpose", default=signing.MEAL_QR, choices=sorted(signing.PURPOSES))
        parser.add_argument(
            "--revoke",
            action="store_true",
            help="end the previous key at once instead of after the grace period",
        )

    def handle(self, *args, **options):
        if options["school"] is not None:
            if not School.objects.filter(pk=options["school"]).exists():
                raise CommandError(f"no school with id {options['school']}")
            school_ids = [options["school"]]
        else:
            school_ids = list(School.objects.order_by("pk").values_list("pk", flat=True))
        for school_id in school_ids:
            previous = signing.active_key(school_id, options["purpose"])
            key = signing.rotate_key(
                school_id, options["purpose"], revoke_previous=options["revoke"]
            )
            if previous is None:
                note = "first key"
            elif options["revoke"]:
                note = f"{previous.kid} revoked"
            else:
                note = f"{previous.kid} verifies until {key.activated_at + signing.GRACE:%Y-%m-%d %H:%M}"
            self.stdout.write(f"school {school_id}: {options['purpose']} key {key.kid} ({note})")
        if not school_ids:
            self.stdout.write("no schools")
