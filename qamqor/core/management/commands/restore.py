"""`qamqor restore DIR [--force]`: put a `qamqor backup` back into the configured database,
MEDIA_ROOT and secret key file.

Everything is checked before anything changes (checksums, engine, an empty database and
MEDIA_ROOT unless --force); afterwards the schema is compared with this version's
migrations and the signing keys are opened. Stop the server and the worker first. Exit
status: 0 restored (warnings on stderr), 1 failed part-way, 2 stopped before anything
changed (refused, or failed and rolled back).
See core/backup/ and docs/operations.md.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qamqor.core.backup import BackupError, Report, restore_backup

UNCHANGED = 2  # stopped before anything was changed


class Command(BaseCommand):
    help = "Restore a backup made by `qamqor backup` into an empty database and MEDIA_ROOT."
    # The checks read no database; a restore must not depend on the state it replaces.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="a directory made by `qamqor backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="overwrite a database that has tables and a MEDIA_ROOT that holds files",
        )

    def handle(self, *args, directory: Path, force: bool, **options):
        report = Report(
            info=lambda message: self.stdout.write(message),
            warn=lambda message: self.stderr.write(self.style.WARNING(f"warning: {message}")),
        )
        try:
            warnings = restore_backup(directory, report, force=force)
        except BackupError as exc:
            if exc.changed:
                raise CommandError(f"restore failed part-way: {exc}") from exc
            raise CommandError(
                f"restore stopped, nothing was changed: {exc}", returncode=UNCHANGED
            ) from exc
        note = (
            f" with {len(warnings)} warning{'s' if len(warnings) > 1 else ''} (above)"
            if warnings
            else ""
        )
        self.stdout.write(self.style.SUCCESS(f"Restored from {directory.absolute()}{note}"))
