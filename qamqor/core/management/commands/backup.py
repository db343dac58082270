"""`qamqor backup DIR`: the database, the uploaded files and the secret key, with a manifest.

DIR must be new (or empty); it is made with mode 0700 and its files 0600 — a backup holds
personal data and the secret the signing keys are sealed with. See core/backup/ and
docs/operations.md. Exit status: 0 done, 1 failed (no partial backup is left), 2 refused.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qamqor.core.backup import BackupError, Report, make_backup

REFUSED = 2


class Command(BaseCommand):
    help = "Back up the database, MEDIA_ROOT and the secret key into a new directory."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="a new directory for this backup")

    def handle(self, *args, directory: Path, **options):
        report = Report(
            info=lambda message: self.stdout.write(message),
            warn=lambda message: self.stderr.write(self.style.WARNING(f"warning: {message}")),
        )
        target = directory.absolute()
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise CommandError(
                f"{target} exists and is not an empty directory: give a new directory for "
                "each backup",
                returncode=REFUSED,
            )
        try:
            manifest = make_backup(target, report)
        except BackupError as exc:
            raise CommandError(f"backup failed, nothing was kept: {exc}") from exc
        total = sum(entry["size"] for entry in manifest["files"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {target} ({len(manifest['files'])} files, {total} bytes)"
            )
        )
