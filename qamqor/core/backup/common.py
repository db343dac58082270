"""What backup and restore share: the backup's file names, errors, private files, and
PostgreSQL's client tools (run with the connection's settings in their environment)."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import os
import re
import secrets
import shutil
import subprocess  # noqa: S404 -- pg_dump and pg_restore, with argument lists
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

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
def private_umask() -> Iterator[None]:
    """Everything created meanwhile (by us or by pg_dump) is readable by the owner only."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def sha256_of(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def human_size(n: int) -> str:
    if n < 1024:
        return plural(n, "byte")
    value = n / 1024
    for unit in ("KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            break
        value /= 1024
    return f"{value:.1f} {unit}"


def write_private(path: Path, data: bytes) -> None:
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


def reason(exc: BaseException) -> str:
    """Why a file operation failed, without the file's name (stored names are random, but
    a message should not depend on that)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__


def first_line(exc: BaseException) -> str:
    """An error's first line: PostgreSQL's DETAIL lines that follow can quote a row."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def configured_vendor() -> str:
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


def pg_env() -> dict[str, str]:
    env = dict(os.environ)
    params = connection.settings_dict
    for key, var in _LIBPQ_ENV.items():
        if params.get(key):
            env[var] = str(params[key])
    for key, var in _LIBPQ_OPTIONS.items():
        if params.get("OPTIONS", {}).get(key):
            env[var] = str(params["OPTIONS"][key])
    return env


def pg_tool(name: str) -> tuple[str, int]:
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


def pg_server_major() -> int:
    connection.ensure_connection()
    return connection.pg_version // 10000  # type: ignore[attr-defined]  # PostgreSQL only


def scrub(stderr: str, tool: str) -> str:
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


def run_pg(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=pg_env(), capture_output=True, text=True, check=False)  # noqa: S603
