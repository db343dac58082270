"""Backup and restore of one installation: `qamqor backup DIR`, `qamqor restore DIR`.

A backup is a directory (mode 0700, its files 0600: it holds personal data and the secret):

    manifest.json      when, which Qamqor, which database engine, the last applied migration
                       of each app, and the size and SHA-256 of every other file
    database.pgdump    PostgreSQL: `pg_dump --format=custom`
    database.sqlite3   SQLite: a copy made with the online backup API
    media.tar          MEDIA_ROOT: uploaded evidence, receipts, photos, imports
    secret_key         the file SECRET_KEY is read from (absent when SECRET_KEY comes from
                       the environment: the manifest says so)

Both database copies are consistent snapshots taken while the server runs. The database is
copied before the files: a service stores an upload before it commits the row that names it,
so every file a copied row names is already on disk when the files are packed (only a file
deleted between the two can be missing).

The signing keys' private halves are sealed with a key derived from SECRET_KEY
(core/signing.py), so a database restored without its secret key cannot sign a meal QR.

Restore checks everything it can before it changes anything: the manifest, every file's size
and SHA-256, the database engine, the PostgreSQL archive's table of contents, that the
database has no tables and MEDIA_ROOT no files (unless `force`), and it unpacks the files
beside MEDIA_ROOT's contents. Only then does it replace the database, move the files into
place and write the secret key; last it compares the restored schema with this code's
migrations and checks that the signing keys open.

Nothing printed names a person: messages carry counts, sizes and the backup's own file names;
PostgreSQL's DETAIL and CONTEXT lines (which quote rows) are withheld.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess  # noqa: S404 -- pg_dump and pg_restore, with argument lists
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from .clock import now

FORMAT = "qamqor-backup/1"
MANIFEST = "manifest.json"
PG_DUMP = "database.pgdump"
SQLITE_COPY = "database.sqlite3"
MEDIA_TAR = "media.tar"
KEY_COPY = "secret_key"
# Restore unpacks the files here, inside MEDIA_ROOT (always the same file system, always
# writable by the application), before it replaces anything.
STAGING_PREFIX = ".qamqor-restore-"
ENGINES = {"postgresql": PG_DUMP, "sqlite": SQLITE_COPY}
ENGINE_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}


class BackupError(Exception):
    """A backup or restore that stopped. `changed` is False when nothing was touched."""

    def __init__(self, message: str, *, changed: bool = False) -> None:
        super().__init__(message)
        self.changed = changed


@dataclass(frozen=True)
class Report:
    """Where progress and warnings go (the management commands pass their stdout/stderr)."""

    info: Callable[[str], None]
    warn: Callable[[str], None]


# --- small helpers -------------------------------------------------------------------------


@contextlib.contextmanager
def _private_umask() -> Iterator[None]:
    """Everything created meanwhile (by us or by pg_dump) is readable by the owner only."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def sha256_of(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _size(n: int) -> str:
    if n < 1024:
        return _count(n, "byte")
    value = n / 1024
    for unit in ("KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            break
        value /= 1024
    return f"{value:.1f} {unit}"


def _write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` (mode 0600) through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.chmod(path, 0o600)


def _reason(exc: BaseException) -> str:
    """Why a file operation failed, without the file's name (stored names are random, but
    a message should not depend on that)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__


def _first_line(exc: BaseException) -> str:
    """An error's first line: PostgreSQL's DETAIL lines that follow can quote a row."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _vendor() -> str:
    if connection.vendor not in ENGINES:
        raise BackupError(f"the {connection.vendor} database engine is not supported")
    return connection.vendor


def qamqor_version() -> str:
    try:
        return importlib.metadata.version("qamqor")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def applied_migrations() -> dict[str, str]:
    """The last applied migration of each app (numbered names sort in order)."""
    last: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        if name > last.get(app, ""):
            last[app] = name
    return dict(sorted(last.items()))


# --- PostgreSQL's tools ----------------------------------------------------------------------

# Connection settings that libpq also reads from the environment.
_LIBPQ_ENV = {
    "HOST": "PGHOST",
    "PORT": "PGPORT",
    "USER": "PGUSER",
    "PASSWORD": "PGPASSWORD",  # the environment, not the command line: `ps` shows arguments
    "NAME": "PGDATABASE",
}
_LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


def _pg_env() -> dict[str, str]:
    env = dict(os.environ)
    params = connection.settings_dict
    for key, var in _LIBPQ_ENV.items():
        if params.get(key):
            env[var] = str(params[key])
    for key, var in _LIBPQ_OPTIONS.items():
        if params.get("OPTIONS", {}).get(key):
            env[var] = str(params["OPTIONS"][key])
    return env


def _pg_tool(name: str) -> tuple[str, int]:
    """The path of pg_dump/pg_restore and its major version."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client of the server's version "
            "(Debian: apt-get install postgresql-client)"
        )
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)  # noqa: S603
    match = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
    if out.returncode != 0 or match is None:
        raise BackupError(f"{path} --version failed")
    return path, int(match.group(1))


def _pg_server_major() -> int:
    connection.ensure_connection()
    return connection.pg_version // 10000  # type: ignore[attr-defined]


def _scrub(stderr: str, tool: str) -> str:
    """pg_dump/pg_restore's own error lines, without what can quote a row.

    PostgreSQL adds DETAIL and CONTEXT lines that quote data (`Key (iin)=(…)`, a COPY line),
    and messages about a value put it after a colon (`invalid input syntax for type date:
    "…"`); both are cut, the rest (table and constraint names) is kept.
    """
    kept = []
    withheld = False
    for line in stderr.splitlines():
        if not line.startswith(f"{tool}:"):
            withheld = withheld or bool(line.strip())
            continue
        head, sep, message = line.partition("ERROR:")
        if sep:
            cut = message.strip().split(": ", 1)
            withheld = withheld or len(cut) > 1
            line = f"{head}ERROR: {cut[0]}"
        kept.append(line[:300])
    text = "\n".join(kept) or f"{tool} gave no error message"
    if withheld:
        text += (
            "\n(details withheld: they can quote personal data; run the command by hand "
            "to see them)"
        )
    return text


def _run_pg(argv: list[str], tool: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=_pg_env(), capture_output=True, text=True, check=False)  # noqa: S603


# --- backup ----------------------------------------------------------------------------------


def _prepare_directory(target: Path) -> None:
    if target.exists():
        if not target.is_dir():
            raise BackupError(f"{target} exists and is not a directory")
        if any(target.iterdir()):
            raise BackupError(f"{target} is not empty: give a new directory for each backup")
    target.mkdir(parents=True, exist_ok=True)
    os.chmod(target, 0o700)


def _dump_postgresql(path: Path, report: Report) -> dict[str, Any]:
    server = _pg_server_major()
    pg_dump, major = _pg_tool("pg_dump")
    if major < server:
        raise BackupError(
            f"pg_dump {major} cannot dump a PostgreSQL {server} server: install "
            f"postgresql-client-{server}"
        )
    # --format=custom: compressed, and pg_restore can pick and reorder from it. pg_dump
    # takes one snapshot (REPEATABLE READ), so the copy is consistent while the server runs.
    out = _run_pg([pg_dump, "--format=custom", "--no-password", f"--file={path}"], "pg_dump")
    if out.returncode != 0:
        raise BackupError(
            f"pg_dump failed (exit {out.returncode}):\n{_scrub(out.stderr, 'pg_dump')}"
        )
    report.info(f"database: PostgreSQL {server}, pg_dump {major} → {path.name}")
    return {"server_major": server, "pg_dump_major": major}


def _copy_sqlite(path: Path, report: Report) -> dict[str, Any]:
    if connection.in_atomic_block:
        # The backup would wait forever for the lock this connection's transaction holds.
        raise BackupError("the SQLite backup cannot run inside a transaction")
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        # One step copies every page under one read lock: a consistent snapshot, while the
        # server goes on writing to the WAL.
        connection.connection.backup(target)  # type: ignore[union-attr]
        # One self-contained file, with no -wal beside it.
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
    # Checked through a Django connection of its own: the schema's indexes and constraints
    # call the functions Django registers on its connections (django_date_extract, ...).
    # No OPTIONS: the init command would turn the copy back to WAL.
    wrapper = type(connections[DEFAULT_DB_ALIAS])(
        {**connection.settings_dict, "NAME": str(path), "OPTIONS": {}}, alias="qamqor_backup"
    )
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("PRAGMA quick_check")
            check = cursor.fetchone()[0]
    finally:
        wrapper.close()
    if check != "ok":
        raise BackupError("the copy of the SQLite database fails its integrity check")
    report.info(f"database: SQLite, online backup → {path.name}")
    return {"sqlite_version": sqlite3.sqlite_version}


def _pack_media(root: Path, tar_path: Path) -> dict[str, int]:
    """MEDIA_ROOT into an uncompressed tar (uploads are PDFs and images: already compressed).

    Regular files and directories only; a file deleted while we walk is skipped.
    """
    files = total = skipped = 0
    with tarfile.open(tar_path, "w", format=tarfile.PAX_FORMAT) as tar:
        if not root.is_dir():
            return {"files": 0, "bytes": 0, "skipped": 0}
        for dirpath, dirnames, filenames in os.walk(root):
            here = Path(dirpath)
            rel = here.relative_to(root)
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(STAGING_PREFIX))
            for name in [*dirnames, *sorted(filenames)]:
                path = here / name
                try:
                    info = tar.gettarinfo(path, arcname=str(rel / name))
                    if info.isdir():
                        tar.addfile(info)
                    elif info.isreg():
                        with path.open("rb") as fh:
                            tar.addfile(info, fh)
                        files += 1
                        total += info.size
                    else:
                        skipped += 1
                except FileNotFoundError:
                    continue
    return {"files": files, "bytes": total, "skipped": skipped}


def make_backup(target: Path, report: Report) -> dict[str, Any]:
    """Write a backup of this installation into the new directory `target`."""
    target = Path(target).absolute()
    vendor = _vendor()
    with _private_umask():
        created = not target.exists()
        _prepare_directory(target)
        try:
            return _write_backup(target, vendor, report)
        except DatabaseError as exc:
            _remove_partial(target, created)
            raise BackupError(f"the database cannot be read: {_first_line(exc)}") from exc
        except BaseException:
            _remove_partial(target, created)
            raise


def _remove_partial(target: Path, created: bool) -> None:
    """A half-made backup must not look like a backup."""
    for entry in target.iterdir():
        entry.unlink(missing_ok=True)
    if created:
        target.rmdir()


def _write_backup(target: Path, vendor: str, report: Report) -> dict[str, Any]:
    started = now()
    db_file = target / ENGINES[vendor]
    if vendor == "postgresql":
        database = _dump_postgresql(db_file, report)
    else:
        database = _copy_sqlite(db_file, report)
    database = {"engine": vendor, "file": db_file.name, **database}
    migrations = applied_migrations()

    media_root = Path(settings.MEDIA_ROOT)
    try:
        media = _pack_media(media_root, target / MEDIA_TAR)
    except OSError as exc:
        raise BackupError(f"MEDIA_ROOT cannot be packed: {_reason(exc)}") from exc
    report.info(f"files: {_count(media['files'], 'file')}, {_size(media['bytes'])} → {MEDIA_TAR}")
    if media["skipped"]:
        report.warn(f"{media['skipped']} entries in MEDIA_ROOT are not regular files: skipped")

    key_file = settings.SECRET_KEY_FILE
    if key_file is None:
        secret = {"source": "environment", "included": False}
        report.warn(
            "SECRET_KEY comes from the environment, so it is not in the backup. Keep it "
            "with the backup, apart and safe: without it the restored signing keys do not "
            "open and every session and signed link is void."
        )
    else:
        key_file = Path(key_file)
        try:
            key = key_file.read_bytes()
        except FileNotFoundError as exc:
            raise BackupError(f"the secret key file {key_file} is missing") from exc
        if key.decode().strip() != settings.SECRET_KEY:
            raise BackupError(f"{key_file} does not hold the SECRET_KEY in use")
        _write_private(target / KEY_COPY, key)
        secret = {"source": "file", "included": True, "file": KEY_COPY}
        report.info(f"secret key: {key_file} → {KEY_COPY}")

    names = [db_file.name, MEDIA_TAR] + ([KEY_COPY] if secret["included"] else [])
    files = []
    for name in names:
        path = target / name
        os.chmod(path, 0o600)
        files.append({"name": name, "size": path.stat().st_size, "sha256": sha256_of(path)})
    manifest = {
        "format": FORMAT,
        "created_at": timezone.localtime(started).isoformat(timespec="seconds"),
        "qamqor_version": qamqor_version(),
        "database": database,
        "migrations": migrations,
        "media": {"file": MEDIA_TAR, "files": media["files"], "bytes": media["bytes"]},
        "secret_key": secret,
        "files": files,
    }
    # Written last: a directory without a manifest is not a backup.
    _write_private(
        target / MANIFEST, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    )
    report.info(f"manifest → {MANIFEST}")
    return manifest


# --- restore ---------------------------------------------------------------------------------


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
    pg_restore, _major = _pg_tool("pg_restore")
    out = _run_pg([pg_restore, "--list", str(path)], "pg_restore")
    if out.returncode != 0:
        raise BackupError(
            f"pg_restore cannot read {path.name} (made by a newer pg_dump?):\n"
            f"{_scrub(out.stderr, 'pg_restore')}"
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
        raise BackupError(f"{MEDIA_TAR} cannot be unpacked: {_reason(exc)}") from exc
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
    pg_restore, _major = _pg_tool("pg_restore")
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
    out = _run_pg(argv, "pg_restore")
    if out.returncode != 0:
        raise BackupError(
            f"pg_restore failed (exit {out.returncode}); the database was left as it was, "
            f"MEDIA_ROOT and the secret key were not touched:\n{_scrub(out.stderr, 'pg_restore')}"
        )


def _restore_sqlite(path: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        # The backup API writes through the configured connection (the file keeps its WAL
        # mode), in one step: either the whole copy lands or none of it.
        source.backup(connection.connection)  # type: ignore[arg-type]
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


def _check_named_files() -> tuple[int, int]:
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
    from .models import SigningKey
    from .signing import SigningError, unseal

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
        raise BackupError(f"the database cannot be used: {_first_line(exc)}") from exc


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

    vendor = _vendor()
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
            f"{_reason(exc)}. "
            f"The unpacked files are in {staging}",
            changed=True,
        ) from exc
    report.info(f"files: {_count(file_count, 'file')} → {media_root}")

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
        _write_private(Path(key_file), backup_key)
        secret = backup_key.decode().strip()
        advice = "the backup's secret key is not the one its signing keys were sealed with"
        report.info(f"secret key: {KEY_COPY} → {key_file}")

    try:
        warnings_schema = _check_schema(report)
    except Exception as exc:  # the restore itself is done; say what could not be checked
        warnings_schema = [
            f"the restored schema could not be compared with the migrations: {_first_line(exc)}"
        ]
    for message in warnings_schema:
        warn(message)

    # Read through this version's models: with another schema a query may fail.
    try:
        named, missing = _check_named_files()
    except DatabaseError as exc:
        warn(f"the files the database names could not be checked: {_first_line(exc)}")
    else:
        if missing:
            warn(
                f"{missing} of the {_count(named, 'file')} the database names are not in "
                "MEDIA_ROOT (deleted while the backup was being made, or lost before it)"
            )
        else:
            report.info(f"files: the database names {_count(named, 'file')}, all there")

    try:
        opened, total = _check_signing_keys(secret)
    except DatabaseError as exc:
        warn(f"the signing keys could not be checked: {_first_line(exc)}")
        return warnings
    if total == 0:
        report.info("signing keys: none in the database")
    elif opened == total:
        report.info(f"signing keys: {_count(total, 'key')} open with the secret key in effect")
    else:
        warn(
            f"{total - opened} of {total} signing keys do not open: {advice}. Until then meal "
            "QR codes cannot be signed (`qamqor rotate_keys` would make new keys, and QR codes "
            "already issued would stop verifying)"
        )
    return warnings
