"""`qamqor backup`: the database, then MEDIA_ROOT, then the secret key, then the manifest."""

from __future__ import annotations

import json
import os
import sqlite3
import tarfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.utils import timezone

from ..clock import now
from .common import (
    ENGINES,
    FORMAT,
    KEY_COPY,
    MANIFEST,
    MEDIA_TAR,
    STAGING_PREFIX,
    BackupError,
    Report,
    applied_migrations,
    configured_vendor,
    first_line,
    human_size,
    pg_server_major,
    pg_tool,
    plural,
    private_umask,
    qamqor_version,
    reason,
    run_pg,
    scrub,
    sha256_of,
    write_private,
)


def _prepare_directory(target: Path) -> None:
    if target.exists():
        if not target.is_dir():
            raise BackupError(f"{target} exists and is not a directory")
        if any(target.iterdir()):
            raise BackupError(f"{target} is not empty: give a new directory for each backup")
    target.mkdir(parents=True, exist_ok=True)
    os.chmod(target, 0o700)


def _dump_postgresql(path: Path, report: Report) -> dict[str, Any]:
    server = pg_server_major()
    pg_dump, major = pg_tool("pg_dump")
    if major < server:
        raise BackupError(
            f"pg_dump {major} cannot dump a PostgreSQL {server} server: install "
            f"postgresql-client-{server}"
        )
    # --format=custom: compressed, and pg_restore can pick and reorder from it. pg_dump
    # takes one snapshot (REPEATABLE READ), so the copy is consistent while the server runs.
    out = run_pg([pg_dump, "--format=custom", "--no-password", f"--file={path}"])
    if out.returncode != 0:
        raise BackupError(
            f"pg_dump failed (exit {out.returncode}):\n{scrub(out.stderr, 'pg_dump')}"
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
        connection.connection.backup(target)
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
    vendor = configured_vendor()
    with private_umask():
        created = not target.exists()
        _prepare_directory(target)
        try:
            return _write_backup(target, vendor, report)
        except DatabaseError as exc:
            _remove_partial(target, created)
            raise BackupError(f"the database cannot be read: {first_line(exc)}") from exc
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
        raise BackupError(f"MEDIA_ROOT cannot be packed: {reason(exc)}") from exc
    report.info(
        f"files: {plural(media['files'], 'file')}, {human_size(media['bytes'])} → {MEDIA_TAR}"
    )
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
        write_private(target / KEY_COPY, key)
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
    write_private(
        target / MANIFEST, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()
    )
    report.info(f"manifest → {MANIFEST}")
    return manifest
