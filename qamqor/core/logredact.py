"""No personal data in logs, whatever the error (docs/decisions.md, "Audit rows name fields").

A database error's text carries the data that broke it: PostgreSQL's `DETAIL: Failing row
contains (…)` is a child's whole row, IIN and name included, and `Key (iin)=(…)` is an IIN.
Other exceptions may quote a value they refused. So every record a handler writes goes
through `RedactPersonalData`: a traceback keeps its frames (file, line, code: no values) and
each exception's type, never its message; a database error adds only what names the schema
(SQLSTATE, constraint, table, column). Twelve-digit runs (IIN, BIN) in the message itself, a
request path for instance, are masked.
"""

from __future__ import annotations

import logging
import re
import traceback
from types import TracebackType

TWELVE_DIGITS = re.compile(r"\d{12}")
MASK = "############"
# psycopg's `Diagnostic` attributes that name the schema, never a value.
_SCHEMA_DIAG = ("schema_name", "table_name", "column_name", "constraint_name")


def _database_hint(exc: BaseException) -> str:
    parts = []
    code = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    if code:
        parts.append(f"SQLSTATE {code}")
    diag = getattr(exc, "diag", None)
    for name in _SCHEMA_DIAG:
        value = getattr(diag, name, None) if diag is not None else None
        if value:
            parts.append(f"{name.removesuffix('_name')} {value}")
    return ", ".join(parts)


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes, the first cause first (as Python prints them)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    return list(reversed(seen))


def redacted_traceback(exc: BaseException, tb: TracebackType | None = None) -> str:
    lines: list[str] = []
    chain = _chain(exc)
    for n, item in enumerate(chain):
        frames = item.__traceback__ if item is not exc or tb is None else tb
        if frames is not None:
            lines.append("Traceback (most recent call last):\n")
            lines.extend(traceback.format_tb(frames))
        module = type(item).__module__
        name = (
            type(item).__qualname__
            if module == "builtins"
            else f"{module}.{type(item).__qualname__}"
        )
        hint = _database_hint(item)
        lines.append(f"{name}: [message withheld{': ' + hint if hint else ''}]\n")
        if n < len(chain) - 1:
            lines.append("\nThe above exception led to the following exception:\n\n")
    return "".join(lines).rstrip("\n")


class RedactPersonalData(logging.Filter):
    """A handler filter: rewrites the record in place, never drops it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, BaseException):
            # `logger.exception(exc)` (django-ninja does this in DEBUG): the message is the
            # exception's text.
            record.msg, record.args = f"{type(record.msg).__qualname__} (message withheld)", ()
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: say so, without the arguments
            message = str(record.msg)
        record.msg, record.args = TWELVE_DIGITS.sub(MASK, message), ()
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redacted_traceback(record.exc_info[1], record.exc_info[2])
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = TWELVE_DIGITS.sub(MASK, record.exc_text)
        return True
