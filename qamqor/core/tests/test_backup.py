"""`qamqor backup` and `qamqor restore` (core/backup/).

The round trip fills the test database with a school's rows, uploads and signing keys,
backs it up in this process (as a running server would be backed up), then restores it with
`python -m qamqor.cli restore` in a child process whose DATABASE_URL, QAMQOR_VAR_DIR and
MEDIA_ROOT point at an empty database (a new SQLite file, or a new PostgreSQL database made
for the test and dropped after) and an empty folder, and compares every table row by row,
every file byte by byte, and signatures made before the backup with what the restored keys
do. The other tests check the refusals in this process.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.test import TestCase, TransactionTestCase, override_settings

from qamqor.accounts.models import Role
from qamqor.accounts.tokens import issue_token as issue_api_token
from qamqor.core import signing
from qamqor.core.backup import common, restore
from qamqor.core.clock import today
from qamqor.core.tests import backup_probe
from qamqor.eligibility import services as eligibility
from qamqor.eligibility.models import Category, EvidenceKind
from qamqor.eligibility.tests.factories import pdf, png
from qamqor.meals.models import PupilRef
from qamqor.meals.tests.redeem_base import make_operator, make_programme, make_voucher
from qamqor.meals.tokens import issue_token
from qamqor.registry.models import Income, Region
from qamqor.testing import (
    make_class,
    make_district,
    make_family,
    make_guardian,
    make_pupil,
    make_region,
    make_school,
    make_user,
)

DB_FILE = {"postgresql": common.PG_DUMP, "sqlite": common.SQLITE_COPY}
# Variables of this process that must not reach the restoring one.
PRIVATE_ENV = {"SECRET_KEY", "DATABASE_URL", "MEDIA_ROOT", "QAMQOR_VAR_DIR", "QAMQOR_TESTING"}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


class InstallationMixin:
    """A secret key file and a MEDIA_ROOT of the test's own, in a temporary folder."""

    def use_own_installation(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="qamqor-backup-test-"))
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.media = self.tmp / "media"
        self.media.mkdir()
        self.key = secrets.token_urlsafe(50)
        self.key_file = self.tmp / "var" / "secret_key"
        self.key_file.parent.mkdir()
        self.key_file.write_text(self.key)
        self.key_file.chmod(0o600)
        own = override_settings(
            MEDIA_ROOT=str(self.media), SECRET_KEY=self.key, SECRET_KEY_FILE=self.key_file
        )
        own.enable()
        self.addCleanup(own.disable)
        # Keys sealed or cached under another SECRET_KEY must not leak in or out.
        signing.invalidate_cache()
        self.addCleanup(signing.invalidate_cache)

    def backup(self, name: str = "backup", **settings_overrides) -> tuple[Path, str, str]:
        target = self.tmp / "backups" / name
        out, err = StringIO(), StringIO()
        with override_settings(**settings_overrides):
            call_command("backup", str(target), stdout=out, stderr=err)
        return target, out.getvalue(), err.getvalue()


class RoundTripTests(InstallationMixin, TransactionTestCase):
    # The flush after a TransactionTestCase empties the seeded tables (the subsistence
    # minimum, the aid amounts); put them back for the tests that follow.
    serialized_rollback = True

    def setUp(self) -> None:
        super().setUp()
        self.use_own_installation()

    def fill(self) -> dict:
        """A school's worth of representative rows, uploads and keys; what to check after."""
        region = make_region()
        district = make_district(region)
        school = make_school(district, name_kk="№ 12 мектеп", name_ru="Школа № 12")
        other = make_school(district, name_kk="№ 7 мектеп", name_ru="Школа № 7")
        pedagog = make_user("pedagog", Role.PEDAGOGUE, school)
        parent = make_user("parent", Role.PARENT, school)
        teacher = make_user("teacher", Role.TEACHER, school)
        issue_api_token(parent, "phone")
        klass = make_class(school, 3, "Ә", class_teacher=teacher)
        family = make_family(school)
        guardian = make_guardian(family, user=parent)
        Income.objects.create(family=family, source=Income.Source.SALARY, monthly_amount=90000)
        pupil = make_pupil(school, klass, family)
        sibling = make_pupil(
            school, klass, family, name="Нұрлан", sex="M", birth_date=dt.date(2012, 9, 1)
        )
        make_pupil(other, make_class(other, 5, "А"), make_family(other), surname="Сейтқали")
        # Uploaded evidence: a PDF and a PNG stored under MEDIA_ROOT by the service.
        eligibility.apply_category(
            pedagog,
            pupil,
            Category.ORPHAN,
            evidence=[(EvidenceKind.GUARDIANSHIP, pdf()), (EvidenceKind.OTHER, png())],
        )
        # A file no row names (a cached табель), in a folder with a Cyrillic name.
        cached = self.media / "табель" / "2026-11.pdf"
        cached.parent.mkdir()
        cached.write_bytes(b"%PDF-1.4\n\xd2\xe0\xe1\xe5\xeb\xfc\n%%EOF\n")

        # Meals: a programme, a voucher, and QR tokens signed by the school's first key and,
        # after a rotation, by its second; the other school's key; raw signatures by each.
        month = today().replace(day=1)
        make_programme(school, month, make_operator(1))
        voucher = make_voucher(pupil, month)
        ref = PupilRef.objects.get(pupil=pupil).ref
        message = "Қамқор: ".encode() + secrets.token_bytes(16)
        tokens, signatures = [], []
        for _ in range(2):
            token = issue_token(
                school_id=school.pk,
                pupil_ref=ref,
                voucher_id=voucher.pk,
                meal_type=voucher.meal_type,
            )
            tokens.append({"text": token.text, "issued_at": token.issued_at.isoformat()})
            signer = signing.signer_for(school.pk)
            signatures.append(
                {
                    "kid": signer.kid,
                    "message": message.hex(),
                    "signature": signer.sign(message).hex(),
                }
            )
            signing.rotate_key(school.pk)
        signer = signing.signer_for(other.pk)
        signatures.append(
            {"kid": signer.kid, "message": message.hex(), "signature": signer.sign(message).hex()}
        )
        people = [pupil, sibling, guardian]
        return {
            "tokens": tokens,
            "signatures": signatures,
            "voucher": voucher.pk,
            "secrets": [p.iin for p in people] + [pupil.surname, sibling.name, guardian.phone],
        }

    def restore_env(self, database_url: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in PRIVATE_ENV}
        env.update(
            DATABASE_URL=database_url,
            QAMQOR_VAR_DIR=str(self.tmp / "target" / "var"),
            MEDIA_ROOT=str(self.tmp / "target" / "media"),
        )
        return env

    def run_python(self, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
        # `-m` from the project folder: this checkout's code, whatever the venv points at.
        return subprocess.run(  # noqa: S603
            [sys.executable, "-m", *args],
            cwd=settings.PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def round_trip(self, database_url: str) -> None:
        filled = self.fill()
        source_tables = backup_probe.dump_tables()
        source_files = backup_probe.media_files(self.media)
        # Not a vacuous comparison: the tables the fill wrote have rows.
        for table in (
            "registry_pupil",
            "registry_guardian",
            "registry_income",
            "accounts_apitoken",
            "eligibility_categoryassignment",
            "eligibility_evidence",
            "audit_auditevent",
            "core_signingkey",
            "meals_voucher",
            "meals_mealday",
            "django_migrations",
        ):
            self.assertTrue(source_tables[table]["rows"], table)
        self.assertEqual(len(source_tables["core_signingkey"]["rows"]), 4)
        self.assertEqual(len(source_files), 3)

        # --- backup, in this process, as of a running server -----------------------------
        target, out, err = self.backup()
        self.assertEqual(mode(target), 0o700)
        names = {path.name: mode(path) for path in target.iterdir()}
        db_file = DB_FILE[connection.vendor]
        self.assertEqual(
            names,
            {"manifest.json": 0o600, db_file: 0o600, "media.tar": 0o600, "secret_key": 0o600},
        )
        manifest = json.loads((target / "manifest.json").read_text())
        self.assertEqual(manifest["format"], common.FORMAT)
        self.assertEqual(manifest["database"]["engine"], connection.vendor)
        self.assertEqual(
            manifest["secret_key"], {"source": "file", "included": True, "file": "secret_key"}
        )
        self.assertEqual(manifest["media"]["files"], 3)
        applied: dict[str, str] = {}
        for app, name in MigrationRecorder(connection).applied_migrations():
            applied[app] = max(name, applied.get(app, ""))
        self.assertEqual(manifest["migrations"], applied)
        self.assertEqual(
            {entry["name"]: (entry["size"], entry["sha256"]) for entry in manifest["files"]},
            {
                name: ((target / name).stat().st_size, common.sha256_of(target / name))
                for name in (db_file, "media.tar", "secret_key")
            },
        )
        self.assertEqual((target / "secret_key").read_text(), self.key)
        for secret in filled["secrets"]:
            self.assertNotIn(secret, out + err + (target / "manifest.json").read_text())

        # --- restore into an empty database and an empty folder, in a child process -----
        env = self.restore_env(database_url)
        restored = self.run_python(["qamqor.cli", "restore", str(target)], env)
        self.assertEqual(restored.returncode, 0, restored.stdout + restored.stderr)
        self.assertIn("checksums: every file matches the manifest", restored.stdout)
        self.assertIn("schema: matches this version's migrations", restored.stdout)
        self.assertIn("files: the database names 2 files, all there", restored.stdout)
        self.assertIn("signing keys: 4 keys open with the secret key in effect", restored.stdout)
        self.assertEqual(restored.stderr, "")
        for secret in filled["secrets"]:
            self.assertNotIn(secret, restored.stdout + restored.stderr)
        restored_key = self.tmp / "target" / "var" / "secret_key"
        self.assertEqual(restored_key.read_text(), self.key)
        self.assertEqual(mode(restored_key), 0o600)

        request = {"signatures": filled["signatures"], "tokens": filled["tokens"]}
        probe = self.run_python(["qamqor.core.tests.backup_probe", json.dumps(request)], env)
        self.assertEqual(probe.returncode, 0, probe.stderr)
        seen = json.loads(probe.stdout)

        # Every table, every row.
        self.assertEqual(sorted(seen["tables"]), sorted(source_tables))
        for table, dumped in source_tables.items():
            self.assertEqual(seen["tables"][table], dumped, f"table {table} differs")
        # Every file, byte for byte.
        self.assertEqual(seen["files"], source_files)
        # The keys open with the restored secret: old signatures verify, and each private key
        # makes the very same signature again; both QR tokens (the first by a retired key
        # in its grace period) verify.
        self.assertEqual(len(seen["signing"]["signatures"]), 3)
        for result in seen["signing"]["signatures"]:
            self.assertEqual(
                result | {"kid": None}, {"kid": None, "verifies": True, "signs_again": True}
            )
        self.assertEqual(
            seen["signing"]["tokens"],
            [{"kid": s["kid"], "voucher": filled["voucher"]} for s in filled["signatures"][:2]],
        )
        # New rows get new keys: the sequences came back with the rows.
        self.assertGreater(seen["new_pks"]["region"], Region.objects.order_by("-pk").first().pk)

        # --- a second restore is refused: the target is no longer empty -----------------
        again = self.run_python(["qamqor.cli", "restore", str(target)], env)
        self.assertEqual(again.returncode, 2, again.stdout + again.stderr)
        self.assertIn("restore stopped, nothing was changed", again.stderr)
        self.assertIn("tables", again.stderr)
        self.assertIn("MEDIA_ROOT", again.stderr)

        # --- --force restores over it; a SECRET_KEY from the environment is not the backup's
        # key, and the restore says so (and writes no key file it would not use) ----------
        restored_key.unlink()
        forced = self.run_python(
            ["qamqor.cli", "restore", "--force", str(target)],
            env | {"SECRET_KEY": "not-the-backups-key-" * 3},
        )
        self.assertEqual(forced.returncode, 0, forced.stdout + forced.stderr)
        self.assertIn("warning: --force: replacing what is there", forced.stderr)
        self.assertIn("SECRET_KEY is set in the environment and differs", forced.stderr)
        self.assertIn("4 of 4 signing keys do not open", forced.stderr)
        self.assertIn("with 3 warnings", forced.stdout)
        self.assertFalse(restored_key.exists())
        self.assertEqual(backup_probe.media_files(self.tmp / "target" / "media"), source_files)

        # --- a damaged backup is refused before anything changes, even with --force -----
        tar = target / "media.tar"
        data = bytearray(tar.read_bytes())
        data[600] ^= 0xFF
        tar.write_bytes(bytes(data))
        (self.tmp / "target" / "media" / "later.pdf").write_bytes(b"%PDF-later")
        damaged = self.run_python(["qamqor.cli", "restore", "--force", str(target)], env)
        self.assertEqual(damaged.returncode, 2, damaged.stdout + damaged.stderr)
        self.assertIn("media.tar: SHA-256 differs from the manifest", damaged.stderr)
        self.assertEqual(
            backup_probe.media_files(self.tmp / "target" / "media"),
            source_files | {"later.pdf": b"%PDF-later".hex()},
        )

    @unittest.skipUnless(connection.vendor == "sqlite", "the SQLite round trip")
    def test_round_trip_on_sqlite_into_a_new_file(self) -> None:
        self.round_trip(f"sqlite:///{self.tmp / 'target' / 'var' / 'qamqor.sqlite3'}")

    @pytest.mark.pg
    @unittest.skipUnless(connection.vendor == "postgresql", "needs PostgreSQL")
    def test_round_trip_on_postgresql_into_a_new_database(self) -> None:
        import psycopg

        params = connection.settings_dict
        name = f"{params['NAME']}_restore_{secrets.token_hex(3)}"[:63]
        server = {
            "host": params["HOST"] or None,
            "port": params["PORT"] or None,
            "user": params["USER"] or None,
            "password": params["PASSWORD"] or None,
        }
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            # template0: truly empty, and never connected to (template1 may be, by others).
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')

        def drop() -> None:
            with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        self.addCleanup(drop)
        auth = quote(params["USER"] or "", safe="")
        if params["PASSWORD"]:
            auth += ":" + quote(params["PASSWORD"], safe="")
        host = params["HOST"] or "localhost"
        self.round_trip(f"postgres://{auth}@{host}:{params['PORT'] or 5432}/{name}")


class RefusalTests(InstallationMixin, TransactionTestCase):
    """What backup and restore refuse, checked in this process (on the test database, which
    is not empty: every refusal here must come before the emptiness check or be it).

    A TransactionTestCase: SQLite's backup API cannot read a database while the same
    connection holds a transaction open, as TestCase does."""

    serialized_rollback = True

    def setUp(self) -> None:
        super().setUp()
        self.use_own_installation()
        (self.media / "evidence").mkdir()
        (self.media / "evidence" / "a.pdf").write_bytes(b"%PDF-1.4 a\n%%EOF\n")

    def restore(self, target: Path, *args: str) -> CommandError:
        with self.assertRaises(CommandError) as caught:
            call_command("restore", str(target), *args, stdout=StringIO(), stderr=StringIO())
        return caught.exception

    def rewrite_manifest(self, target: Path, change) -> None:  # noqa: ANN001
        path = target / "manifest.json"
        manifest = json.loads(path.read_text())
        change(manifest)
        path.write_text(json.dumps(manifest))

    def test_backup_wants_a_new_or_empty_directory(self) -> None:
        target = self.tmp / "used"
        target.mkdir()
        (target / "something").write_text("x")
        with self.assertRaises(CommandError) as caught:
            call_command("backup", str(target), stdout=StringIO(), stderr=StringIO())
        self.assertEqual(caught.exception.returncode, 2)
        self.assertIn("not an empty directory", str(caught.exception))
        self.assertEqual([p.name for p in target.iterdir()], ["something"])

    def test_a_secret_key_from_the_environment_is_named_not_copied(self) -> None:
        target, _out, err = self.backup(SECRET_KEY_FILE=None)
        manifest = json.loads((target / "manifest.json").read_text())
        self.assertEqual(manifest["secret_key"], {"source": "environment", "included": False})
        self.assertFalse((target / "secret_key").exists())
        self.assertEqual(
            {e["name"] for e in manifest["files"]}, {DB_FILE[connection.vendor], "media.tar"}
        )
        self.assertIn("SECRET_KEY comes from the environment", err)

    def test_a_key_file_that_does_not_hold_the_key_in_use_fails_and_leaves_nothing(self) -> None:
        with self.assertRaises(CommandError) as caught:
            self.backup(SECRET_KEY="another-key-" * 5)
        self.assertEqual(caught.exception.returncode, 1)
        self.assertIn("does not hold the SECRET_KEY in use", str(caught.exception))
        self.assertFalse((self.tmp / "backups" / "backup").exists())

    @unittest.skipUnless(connection.vendor == "sqlite", "SQLite's backup API")
    def test_the_sqlite_backup_refuses_to_wait_on_its_own_transaction(self) -> None:
        with transaction.atomic(), self.assertRaises(CommandError) as caught:
            self.backup()
        self.assertIn("cannot run inside a transaction", str(caught.exception))

    def test_restore_refuses_a_database_with_tables_and_a_media_root_with_files(self) -> None:
        target, _out, _err = self.backup()
        error = self.restore(target)
        self.assertEqual(error.returncode, 2)
        self.assertIn("nothing was changed", str(error))
        self.assertIn("the database has", str(error))
        self.assertIn("MEDIA_ROOT", str(error))
        self.assertIn("--force", str(error))

    def test_restore_checks_every_checksum_first(self) -> None:
        target, _out, _err = self.backup()
        (target / "secret_key").write_text("a-different-key-of-the-same-length-" + "x" * 32)
        (target / "media.tar").unlink()
        error = self.restore(target)
        self.assertEqual(error.returncode, 2)
        self.assertIn("the backup is damaged, nothing was restored", str(error))
        self.assertIn("media.tar: missing", str(error))
        self.assertIn("secret_key: SHA-256 differs from the manifest", str(error))

    def test_restore_wants_a_manifest(self) -> None:
        target, _out, _err = self.backup()
        (target / "manifest.json").unlink()
        self.assertIn("holds no manifest.json", str(self.restore(target)))

    def test_restore_refuses_a_manifest_naming_files_outside_the_backup(self) -> None:
        target, _out, _err = self.backup()
        self.rewrite_manifest(
            target, lambda m: m["files"].append({"name": "../secret", "size": 1, "sha256": "0"})
        )
        self.assertIn("a file outside the backup", str(self.restore(target)))

    def test_restore_refuses_a_backup_of_the_other_engine(self) -> None:
        target, _out, _err = self.backup()
        other = {"sqlite": "postgresql", "postgresql": "sqlite"}[connection.vendor]
        self.rewrite_manifest(target, lambda m: m["database"].update(engine=other))
        error = self.restore(target)
        self.assertEqual(error.returncode, 2)
        self.assertIn(f"holds a {common.ENGINE_NAMES[other]} database", str(error))

    def test_restore_warns_of_a_backup_from_a_newer_version(self) -> None:
        target, _out, _err = self.backup()
        self.rewrite_manifest(target, lambda m: m["migrations"].update(core="0099_future"))
        err = StringIO()
        with self.assertRaises(CommandError):
            call_command("restore", str(target), stdout=StringIO(), stderr=err)
        self.assertIn("made by a newer Qamqor", err.getvalue())
        self.assertIn("core.0099_future", err.getvalue())


class NamedFilesTests(InstallationMixin, TestCase):
    def setUp(self) -> None:
        super().setUp()
        self.use_own_installation()

    def test_files_named_by_rows_and_missing_from_media_root_are_counted(self) -> None:
        school = make_school()
        pupil = make_pupil(school, make_class(school), make_family(school))
        assignment = eligibility.apply_category(
            make_user("pedagog", Role.PEDAGOGUE, school),
            pupil,
            Category.ORPHAN,
            evidence=[(EvidenceKind.GUARDIANSHIP, pdf()), (EvidenceKind.OTHER, png())],
        )
        self.assertEqual(restore.check_named_files(), (2, 0))
        evidence = assignment.evidence.first()
        evidence.file.storage.delete(evidence.file.name)
        self.assertEqual(restore.check_named_files(), (2, 1))


class ScrubTests(unittest.TestCase):
    def test_postgresql_errors_lose_the_rows_they_quote(self) -> None:
        stderr = "\n".join(
            [
                "pg_restore: error: could not execute query: ERROR:  duplicate key value "
                'violates unique constraint "registry_pupil_iin_key"',
                "DETAIL:  Key (iin)=(140315600123) already exists.",
                'CONTEXT:  COPY registry_pupil, line 1: "1\t140315600123\tАхметова"',
                'pg_restore: error: COPY failed for table "registry_pupil": ERROR:  invalid '
                'input syntax for type date: "Ахметова 2014"',
            ]
        )
        scrubbed = common.scrub(stderr, "pg_restore")
        self.assertNotIn("140315600123", scrubbed)
        self.assertNotIn("Ахметова", scrubbed)
        self.assertIn('unique constraint "registry_pupil_iin_key"', scrubbed)
        self.assertIn("invalid input syntax for type date", scrubbed)
        self.assertIn("details withheld", scrubbed)
