"""The SQL of the meal-scan hot path, written by hand for SQLite ≥ 3.35 and PostgreSQL.

Raw SQL because the ORM cannot say `INSERT … ON CONFLICT DO NOTHING RETURNING` (bulk_create's
ignore_conflicts returns nothing), and the hot path (DESIGN.md) needs exactly that: the
database's unique indexes — `client_id`, and (voucher, day, meal_type) where served — decide
every scan; the application never reads first and writes after.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from qamqor.meals.models import MealDay, Operator, Programme, PupilRef, Redemption, Voucher
from qamqor.registry.models import Pupil, SchoolClass

COLUMNS = (
    "client_id",
    "school_id",
    "voucher_id",
    "pupil_id",
    "meal_type",
    "day",
    "status",
    "code",
    "terminal",
    "operator_user_id",
    "scanned_at",
    "received_at",
    "token_id",
)
_PG_TYPES = (
    "uuid, bigint, bigint, bigint, varchar, date, varchar, varchar, varchar, bigint, "
    "timestamptz, timestamptz, varchar"
)
# PostgreSQL batches above this size go through COPY into a staging table; below it a
# multi-row VALUES is one round trip and cheaper than the COPY protocol's three.
COPY_FROM = 200


def _sqlite_max_params() -> int:
    # Django assumes 999; SQLite ≥ 3.32 allows 32,766 (Python 3.11 can ask).
    try:
        return sqlite3.connect(":memory:").getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except (AttributeError, sqlite3.Error):  # pragma: no cover - older Pythons
        return 999


_SQLITE_MAX_PARAMS = _sqlite_max_params()


def uuid_key(value: object) -> str:
    """A client id as 32 hex digits, however the backend returned it."""
    return value.hex if isinstance(value, uuid.UUID) else uuid.UUID(str(value)).hex


def _date(value: object) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _in_list(values: Sequence) -> tuple[str, list]:
    """`IN (…)` for SQLite, `= ANY(%s)` for PostgreSQL (one parameter, any length)."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [list(values)]
    return "IN (" + ",".join(["%s"] * len(values)) + ")", list(values)


def _chunks(values: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _execute_prepared(cursor, name: str, types: str, sql: str, params: list) -> None:  # noqa: ANN001
    """PostgreSQL: run `sql` (with $1… placeholders) as a statement prepared once per
    connection; Django's default client-side binding would parse and plan it afresh every
    time. (Behind a transaction-mode pooler, turn server_side_binding on instead.)"""
    if connection.settings_dict.get("OPTIONS", {}).get("server_side_binding") is True:
        # psycopg binds (and, with OPTIONS prepare_threshold, prepares) by itself.
        order = [int(n) for n in re.findall(r"\$(\d+)", sql)]
        cursor.execute(re.sub(r"\$\d+", "%s", sql), [params[n - 1] for n in order])
        return
    raw = connection.connection
    prepared = getattr(raw, "_qamqor_prepared", None)
    if prepared is None:
        prepared = raw._qamqor_prepared = set()
    if name not in prepared:
        # Not transactional: a rollback of the surrounding transaction keeps it.
        cursor.execute(f"PREPARE {name} ({types}) AS {sql}")
        prepared.add(name)
    cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(params))})", params)


@dataclass(slots=True)
class VoucherFacts:
    """What one query tells about a voucher: whose, which month, and the month's programme."""

    school_id: int
    pupil_id: int
    month: dt.date
    meal_type: str
    status: str
    activated: bool
    pupil: str
    klass: str
    pupil_ref: str  # hex
    operator_bin: str | None  # None: no programme that month
    meal_days: set[dt.date]


def voucher_facts(voucher_ids: Iterable[int], days: Iterable[dt.date]) -> dict[int, VoucherFacts]:
    """Vouchers with their pupil, class, pupil reference, the operator of the voucher month's
    programme and which of `days` are its meal days — one query for any number of scans
    (a voucher only covers its own month, so its own month's programme is the only one
    that can serve it)."""
    ids = sorted(set(voucher_ids))
    if not ids:
        return {}
    day_list = sorted(set(days)) or [dt.date(1970, 1, 1)]
    # PostgreSQL, one scan: a prepared statement with scalar parameters, whose generic plan
    # the server adopts after five runs (planning the seven-table join costs ~0.5 ms, ten
    # times running it). A batch plans once for thousands of scans: no need.
    prepare = connection.vendor == "postgresql" and len(ids) == 1 and len(day_list) == 1
    params: list[Any]
    if prepare:
        day_sql, id_sql, params = "= $2", "= $1", [ids[0], day_list[0]]
    else:
        id_sql, id_params = _in_list(ids)
        day_sql, day_params = _in_list([connection.ops.adapt_datefield_value(d) for d in day_list])
        params = day_params + id_params
    sql = f"""
        SELECT v.id, v.school_id, v.pupil_id, v.month, v.meal_type, v.status, v.activated_at,
               p.name, p.surname, c.grade, c.letter, r.ref, o.bin, d.date
        FROM {Voucher._meta.db_table} v
        JOIN {Pupil._meta.db_table} p ON p.id = v.pupil_id
        LEFT JOIN {SchoolClass._meta.db_table} c ON c.id = p.school_class_id
        LEFT JOIN {PupilRef._meta.db_table} r ON r.pupil_id = v.pupil_id
        LEFT JOIN {Programme._meta.db_table} pr ON pr.school_id = v.school_id AND pr.month = v.month
        LEFT JOIN {Operator._meta.db_table} o ON o.id = pr.operator_id
        LEFT JOIN {MealDay._meta.db_table} d ON d.programme_id = pr.id AND d.date {day_sql}
        WHERE v.id {id_sql}
    """  # noqa: S608 -- table names from model metadata; values are parameters
    facts: dict[int, VoucherFacts] = {}
    with connection.cursor() as cursor:
        if prepare:
            _execute_prepared(cursor, "qamqor_voucher_fact", "bigint, date", sql, params)
        else:
            cursor.execute(sql, params)
        for vid, school_id, pupil_id, month, mt, status, activated_at, name, surname, grade, letter, ref, op_bin, day in cursor.fetchall():  # fmt: skip
            item = facts.get(vid)
            if item is None:
                item = facts[vid] = VoucherFacts(
                    school_id=school_id,
                    pupil_id=pupil_id,
                    month=_date(month),  # type: ignore[arg-type]  # the column is not null
                    meal_type=mt,
                    status=status,
                    activated=activated_at is not None,
                    pupil=f"{name} {surname[:1]}." if surname else name,
                    klass=f"{grade}{letter}" if grade is not None else "",
                    pupil_ref=uuid_key(ref) if ref is not None else "",
                    operator_bin=op_bin,
                    meal_days=set(),
                )
            if day is not None:
                item.meal_days.add(_date(day))  # type: ignore[arg-type]  # not None (checked)
    return facts


def _adapter():
    """Row → parameters for this backend (SQLite keeps UUIDs as hex, datetimes as text)."""
    ops = connection.ops
    if connection.features.has_native_uuid_field:
        return lambda row: row
    day_i, scanned_i, received_i = (COLUMNS.index(c) for c in ("day", "scanned_at", "received_at"))

    def adapt(row: tuple) -> tuple:
        out = list(row)
        out[0] = row[0].hex
        out[day_i] = ops.adapt_datefield_value(row[day_i])
        out[scanned_i] = ops.adapt_datetimefield_value(row[scanned_i])
        out[received_i] = ops.adapt_datetimefield_value(row[received_i])
        return tuple(out)

    return adapt


def insert_scans(rows: Sequence[tuple]) -> set[str]:
    """INSERT the rows (in `COLUMNS` order) ON CONFLICT DO NOTHING; the client ids (hex)
    that went in. Rows are inserted in the given order, so within one statement the first
    of two rows for one meal wins and the second is skipped, not an error."""
    if not rows:
        return set()
    table = Redemption._meta.db_table
    if connection.vendor == "postgresql":
        if len(rows) >= COPY_FROM:
            return _insert_copy(rows)
        if len(rows) == 1:  # the online scan: a prepared statement, no parsing or planning
            values = ",".join(f"${n}" for n in range(1, len(COLUMNS) + 1))
            sql = f"INSERT INTO {table} ({','.join(COLUMNS)}) VALUES ({values}) ON CONFLICT DO NOTHING RETURNING client_id"  # noqa: S608
            with connection.cursor() as cursor:
                _execute_prepared(cursor, "qamqor_redeem_insert", _PG_TYPES, sql, list(rows[0]))
                return {uuid_key(r[0]) for r in cursor.fetchall()}
    adapt = _adapter()
    per_row = "(" + ",".join(["%s"] * len(COLUMNS)) + ")"
    size = max(1, (_SQLITE_MAX_PARAMS if connection.vendor == "sqlite" else 30_000) // len(COLUMNS))
    inserted: set[str] = set()
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, size):
            params = [value for row in chunk for value in adapt(row)]
            cursor.execute(
                f"INSERT INTO {table} ({','.join(COLUMNS)}) VALUES "  # noqa: S608
                + ",".join([per_row] * len(chunk))
                + " ON CONFLICT DO NOTHING RETURNING client_id",
                params,
            )
            inserted.update(uuid_key(r[0]) for r in cursor.fetchall())
    return inserted


_STAGE = "qamqor_redeem_stage"


def _insert_copy(rows: Sequence[tuple]) -> set[str]:
    """PostgreSQL: COPY the rows into a session-local staging table, then one INSERT … SELECT
    … ON CONFLICT DO NOTHING RETURNING. Must run inside the caller's transaction."""
    table = Redemption._meta.db_table
    cols = ",".join(COLUMNS)
    with connection.cursor() as cursor:
        # A temporary table lives as long as the (persistent) connection: created once.
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} (ord integer, "
            "client_id uuid, school_id bigint, voucher_id bigint, pupil_id bigint, "
            "meal_type varchar(10), day date, status varchar(8), code varchar(32), "
            "terminal varchar(100), operator_user_id bigint, scanned_at timestamptz, "
            "received_at timestamptz, token_id varchar(64))"
        )
        with cursor.cursor.copy(f"COPY {_STAGE} (ord,{cols}) FROM STDIN") as copy:
            for n, row in enumerate(rows):
                copy.write_row((n, *row))
        cursor.execute(
            f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {_STAGE} ORDER BY ord "  # noqa: S608
            "ON CONFLICT DO NOTHING RETURNING client_id"
        )
        inserted = {uuid_key(r[0]) for r in cursor.fetchall()}
        # Emptied here, not ON COMMIT: a test's outer transaction never commits.
        cursor.execute(f"DELETE FROM {_STAGE}")  # noqa: S608
    return inserted


@dataclass(slots=True)
class Stored:
    """A scan already recorded under a client id: the first answer, to be given again."""

    status: str
    code: str
    school_id: int | None
    voucher_id: int | None
    meal_type: str
    day: dt.date | None
    operator_user_id: int | None


def stored_scans(client_ids: Sequence[uuid.UUID]) -> dict[str, Stored]:
    if not client_ids:
        return {}
    native = connection.features.has_native_uuid_field
    values = [c if native else c.hex for c in client_ids]
    table = Redemption._meta.db_table
    found: dict[str, Stored] = {}
    size = 30_000 if native else max(1, _SQLITE_MAX_PARAMS - 1)
    with connection.cursor() as cursor:
        for chunk in _chunks(values, size):
            where, params = _in_list(chunk)
            cursor.execute(
                "SELECT client_id, status, code, school_id, voucher_id, meal_type, day, "  # noqa: S608
                f"operator_user_id FROM {table} WHERE client_id {where}",
                params,
            )
            for cid, status, code, school_id, voucher_id, mt, day, user_id in cursor.fetchall():
                found[uuid_key(cid)] = Stored(
                    status, code, school_id, voucher_id, mt or "", _date(day), user_id
                )
    return found
