"""`qamqor restore`: check everything, then the database, the files and the key, then check
the result (schema, files named by rows, signing keys)."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sqlite3
import tarfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from ..models import SigningKey
from ..signing import SigningError, unseal
from .common import (
    ENGINE_NAMES,
    ENGINES,
    FORMAT,
    KEY_COPY,
    MANIFEST,
    MEDIA_TAR,
    STAGING_PREFIX,
    BackupError,
    Report,
    configured_vendor,
    first_line,
    pg_tool,
    plural,
    reason,
    run_pg,
    scrub,
    sha256_of,
    write_private,
)


def read_manifest(source: Path) -> dict[str, Any]:
    path = source / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise BackupError(f"{source} holds no {MANIFEST}: not a (complete) backup") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{path} is not valid JSON") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a manifest of format {FORMAT}")
    return manifest


def verify_files(source: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists is there, with its size and SHA-256; the database copy
    and the files archive are among them."""
    listed = {}
    for entry in manifest.get("files", []):
        name = str(entry.get("name", ""))
        if not name or Path(name).name != name or name.startswith("."):
            raise BackupError(f"the manifest lists a file outside the backup: {name!r}")
        listed[name] = entry
    database = manifest.get("database", {})
    for required in (database.get("file"), MEDIA_TAR):
        if required not in listed:
            raise BackupError(f"the manifest does not list {required}")
    if manifest.get("secret_key", {}).get("included") and KEY_COPY not in listed:
        raise BackupError(f"the manifest does not list {KEY_COPY}")
    bad = []
    for name, entry in listed.items():
        path = source / name
        if not path.is_file():
            bad.append(f"{name}: missing")
        elif path.stat().st_size != entry.get("size"):
            bad.append(
                f"{name}: {path.stat().st_size} bytes, the manifest says {entry.get('size')}"
            )
        elif sha256_of(path) != entry.get("sha256"):
            bad.append(f"{name}: SHA-256 differs from the manifest")
    if bad:
        raise BackupError("the backup is damaged, nothing was restored:\n  " + "\n  ".join(bad))


def _unknown_migrations(migrations: dict[str, str]) -> list[str]:
    """The backup's migrations this code does not have: the backup is from a newer Qamqor."""
    disk = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    return [f"{app}.{name}" for app, name in sorted(migrations.items()) if (app, name) not in disk]


def _media_entries(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return [entry for entry in root.iterdir() if not entry.name.startswith(STAGING_PREFIX)]


def _holds_files(root: Path) -> bool:
    """Whether MEDIA_ROOT holds a file (empty folders lose nothing when replaced)."""
    for dirpath, dirnames, filenames in os.walk(root):
        if Path(dirpath) == root:
            dirnames[:] = [d for d in dirnames if not d.startswith(STAGING_PREFIX)]
        if filenames:
            return True
    return False


def _check_pg_archive(path: Path) -> None:
    pg_restore, _major = pg_tool("pg_restore")
    out = run_pg([pg_restore, "--list", str(path)])
    if out.returncode != 0:
        raise BackupError(
            f"pg_restore cannot read {path.name} (made by a newer pg_dump?):\n"
            f"{scrub(out.stderr, 'pg_restore')}"
        )


def _check_sqlite_copy(path: Path) -> None:
    """A SQLite database (its integrity was checked when the backup was made)."""
    try:
        source = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            tables = source.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        finally:
            source.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path.name} is not a readable SQLite database: {exc}") from exc
    if not tables:
        raise BackupError(f"{path.name} is an empty SQLite database")


def _unpack_media(tar_path: Path, root: Path) -> tuple[Path, int]:
    root.mkdir(parents=True, exist_ok=True)
    for leftover in root.glob(f"{STAGING_PREFIX}*"):  # from a restore that was interrupted
        shutil.rmtree(leftover, ignore_errors=True)
    staging = root / f"{STAGING_PREFIX}{secrets.token_hex(4)}"
    staging.mkdir(mode=0o700)
    try:
        with tarfile.open(tar_path, "r:") as tar:
            members = tar.getmembers()
            # The "data" filter refuses absolute paths, `..`, links out of the tree, devices.
            tar.extractall(staging, filter="data")
    except (tarfile.TarError, OSError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise BackupError(f"{MEDIA_TAR} cannot be unpacked: {reason(exc)}") from exc
    return staging, sum(1 for m in members if m.isreg())


def _move_media(staging: Path, root: Path) -> None:
    for entry in _media_entries(root):
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    for entry in staging.iterdir():
        entry.rename(root / entry.name)
    staging.rmdir()


def _restore_postgresql(path: Path) -> None:
    pg_restore, _major = pg_tool("pg_restore")
    connection.close()
    argv = [
        pg_restore,
        "--clean",
        "--if-exists",
        # The restoring role owns everything; grants name roles another server may not have.
        "--no-owner",
        "--no-acl",
        # All or nothing: a restore that fails half-way leaves the database as it was.
        "--single-transaction",
        "--exit-on-error",
        "--no-password",
        f"--dbname={connection.settings_dict['NAME']}",
        str(path),
    ]
    out = run_pg(argv)
    if out.returncode != 0:
        raise BackupError(
            f"pg_restore failed (exit {out.returncode}); the database was left as it was, "
            f"MEDIA_ROOT and the secret key were not touched:\n{scrub(out.stderr, 'pg_restore')}"
        )


def _restore_sqlite(path: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        # The backup API writes through the configured connection (the file keeps its WAL
        # mode), in one step: either the whole copy lands or none of it.
        source.backup(connection.connection)
    except sqlite3.Error as exc:
        raise BackupError(
            f"copying {path.name} into the database failed: {exc}; MEDIA_ROOT and the secret "
            "key were not touched"
        ) from exc
    finally:
        source.close()


def _check_schema(report: Report) -> list[str]:
    """The restored schema against this code's migrations (what `migrate --check` asks)."""
    executor = MigrationExecutor(connection)
    loader = executor.loader
    unknown = sorted(
        f"{a}.{n}" for a, n in loader.applied_migrations if (a, n) not in loader.disk_migrations
    )
    plan = executor.migration_plan(loader.graph.leaf_nodes())
    warnings = []
    if unknown:
        warnings.append(
            f"the backup is from a newer Qamqor: {len(unknown)} applied migrations are unknown "
            f"to this version ({', '.join(unknown[:5])}{', …' if len(unknown) > 5 else ''}); "
            "install that version or a later one before serving"
        )
    if plan:
        warnings.append(
            f"the backup is from an older Qamqor: {len(plan)} migrations are not applied; run "
            "`qamqor migrate` before serving"
        )
    if not warnings:
        report.info("schema: matches this version's migrations")
    return warnings


def check_named_files() -> tuple[int, int]:
    """How many files the restored rows name (every FileField of every model), and how many
    of them are missing from MEDIA_ROOT. The apps are read from the registry: core imports
    no other app."""
    from django.apps import apps
    from django.db.models import FileField

    named = missing = 0
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if not isinstance(field, FileField):
                continue
            names = model._base_manager.exclude(**{field.name: ""}).exclude(
                **{f"{field.name}__isnull": True}
            )
            for name in names.values_list(field.name, flat=True).iterator():
                named += 1
                missing += not field.storage.exists(name)
    return named, missing


def _check_signing_keys(secret: str) -> tuple[int, int]:
    """How many signing keys open with the secret key in effect from now on, of how many."""
    candidates = [secret, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    total = opened = 0
    for row in SigningKey.objects.only("kid", "purpose", "sealed_private_key").iterator():
        total += 1
        try:
            unseal(bytes(row.sealed_private_key), row.purpose, row.kid, secrets=candidates)
        except SigningError:
            continue
        opened += 1
    return opened, total


def restore_backup(source: Path, report: Report, *, force: bool = False) -> list[str]:
    """Restore the backup in `source` into the configured database, MEDIA_ROOT and secret
    key file. Returns the warnings (also given to `report.warn`)."""
    try:
        return _restore(Path(source).absolute(), report, force)
    except DatabaseError as exc:
        # Only the checks before the restore reach the database unguarded (connecting,
        # listing the tables): nothing has changed yet.
        raise BackupError(f"the database cannot be used: {first_line(exc)}") from exc


def _restore(source: Path, report: Report, force: bool) -> list[str]:
    if not source.is_dir():
        raise BackupError(f"{source} is not a directory")
    manifest = read_manifest(source)
    database = manifest.get("database", {})
    engine = database.get("engine")
    report.info(
        f"backup of {manifest.get('created_at', '?')}, Qamqor {manifest.get('qamqor_version', '?')}, "
        f"{ENGINE_NAMES.get(engine, engine)}"
    )
    verify_files(source, manifest)
    report.info("checksums: every file matches the manifest")

    vendor = configured_vendor()
    if engine != vendor or database.get("file") != ENGINES[vendor]:
        raise BackupError(
            f"the backup holds a {ENGINE_NAMES.get(engine, engine)} database and the configured "
            f"database is {ENGINE_NAMES[vendor]}: restore it into a {ENGINE_NAMES.get(engine, engine)} "
            "database (DATABASE_URL)"
        )
    db_file = source / database["file"]
    if vendor == "postgresql":
        _check_pg_archive(db_file)
    else:
        _check_sqlite_copy(db_file)

    warnings: list[str] = []

    def warn(message: str) -> None:
        warnings.append(message)
        report.warn(message)

    unknown = _unknown_migrations(manifest.get("migrations", {}))
    if unknown:
        warn(
            f"the backup was made by a newer Qamqor ({manifest.get('qamqor_version', '?')}): "
            f"its migrations {', '.join(unknown[:5])}{', …' if len(unknown) > 5 else ''} are "
            "unknown to this version"
        )

    media_root = Path(settings.MEDIA_ROOT)
    tables = connection.introspection.table_names()
    occupied = []
    if tables:
        occupied.append(f"the database has {len(tables)} tables")
    if _holds_files(media_root):
        occupied.append(f"MEDIA_ROOT ({media_root}) holds files")
    if occupied and not force:
        raise BackupError(
            f"{' and '.join(occupied)}: restore replaces them. Restore into an empty database "
            "and an empty MEDIA_ROOT, or pass --force to overwrite (what is there now is lost)"
        )
    if occupied:
        warn(f"--force: replacing what is there ({' and '.join(occupied)})")

    secret_info = manifest.get("secret_key", {})
    backup_key = (source / KEY_COPY).read_bytes() if secret_info.get("included") else None
    key_file = settings.SECRET_KEY_FILE

    staging, file_count = _unpack_media(source / MEDIA_TAR, media_root)
    try:
        if vendor == "postgresql":
            _restore_postgresql(db_file)
        else:
            _restore_sqlite(db_file)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    report.info(f"database: restored from {db_file.name}")

    try:
        _move_media(staging, media_root)
    except OSError as exc:
        raise BackupError(
            f"the database is restored, but moving the files into MEDIA_ROOT failed: "
            f"{reason(exc)}. "
            f"The unpacked files are in {staging}",
            changed=True,
        ) from exc
    report.info(f"files: {plural(file_count, 'file')} → {media_root}")

    # The secret key in effect from the next start: the environment's, or the file's.
    if backup_key is None:
        secret = settings.SECRET_KEY
        advice = (
            "the backup holds no secret key (SECRET_KEY came from the environment when it was "
            "made): set SECRET_KEY to that key"
        )
    elif key_file is None:
        secret = settings.SECRET_KEY
        advice = (
            "SECRET_KEY is set in the environment and differs from the backup's key: set it "
            f"to the key in {source / KEY_COPY}, or unset it to use the key file"
        )
        if backup_key.decode().strip() != secret:
            # Sessions and signed links too depend on it, even with no signing keys.
            warn(advice)
    else:
        write_private(Path(key_file), backup_key)
        secret = backup_key.decode().strip()
        advice = "the backup's secret key is not the one its signing keys were sealed with"
        report.info(f"secret key: {KEY_COPY} → {key_file}")

    try:
        warnings_schema = _check_schema(report)
    except Exception as exc:  # the restore itself is done; say what could not be checked
        warnings_schema = [
            f"the restored schema could not be compared with the migrations: {first_line(exc)}"
        ]
    for message in warnings_schema:
        warn(message)

    # Read through this version's models: with another schema a query may fail.
    try:
        named, missing = check_named_files()
    except DatabaseError as exc:
        warn(f"the files the database names could not be checked: {first_line(exc)}")
    else:
        if missing:
            warn(
                f"{missing} of the {plural(named, 'file')} the database names are not in "
                "MEDIA_ROOT (deleted while the backup was being made, or lost before it)"
            )
        else:
            report.info(f"files: the database names {plural(named, 'file')}, all there")

    try:
        opened, total = _check_signing_keys(secret)
    except DatabaseError as exc:
        warn(f"the signing keys could not be checked: {first_line(exc)}")
        return warnings
    if total == 0:
        report.info("signing keys: none in the database")
    elif opened == total:
        report.info(f"signing keys: {plural(total, 'key')} open with the secret key in effect")
    else:
        warn(
            f"{total - opened} of {total} signing keys do not open: {advice}. Until then meal "
            "QR codes cannot be signed (`qamqor rotate_keys` would make new keys, and QR codes "
            "already issued would stop verifying)"
        )
    return warnings
