"""Reading an uploaded sheet into rows of strings keyed by column.

XLSX through openpyxl in read-only mode; CSV in UTF-8 (with or without BOM) or cp1251, with
`;`, `,` or tab between cells (Excel in a Russian locale writes cp1251 and `;`). The header
is the first of the top rows that names at least three known columns, so a title line above
it does no harm. Row numbers are those the user sees in Excel or a text editor.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO

from .columns import REQUIRED, match_header

MAX_ROWS = 20_000  # a Kazakh school has at most ~6,000 pupils; more is the wrong file
HEADER_SEARCH_ROWS = 10
# IIN cells: Excel stores a typed-in number and drops the leading zero of 2000s births.
ID_LENGTH = {"pupil_iin": 12, "guardian1_iin": 12, "guardian2_iin": 12}


@dataclass
class FileError:
    code: str
    column: str = ""
    row: int = 0
    params: dict = field(default_factory=dict)


class ReadError(Exception):
    def __init__(self, errors: list[FileError]):
        super().__init__(", ".join(e.code for e in errors))
        self.errors = errors


@dataclass
class Sheet:
    columns: dict[str, str]  # key -> header text as in the file
    rows: list[tuple[int, dict[str, str]]]  # (row number, {key: cell text})
    ignored: list[str]  # header texts that name no known column


def cell_text(value: object, key: str = "") -> str:
    """A cell as text: dates as ISO, whole floats without ".0", identifiers re-padded."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and key in ID_LENGTH:
        return f"{value:0{ID_LENGTH[key]}d}"
    return str(value).strip()


def _xlsx_rows(data: bytes) -> tuple[Iterator[list[object]], int]:
    """The rows of the first sheet, and how many it claims to have (0 if it does not say)."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        ws = wb.worksheets[0]
        estimate = ws.max_row or 0
    except Exception as exc:  # openpyxl raises many kinds for a damaged archive
        raise ReadError([FileError("file_unreadable")]) from exc

    def rows() -> Iterator[list[object]]:
        try:
            for values in ws.iter_rows(values_only=True):
                yield list(values)
        except Exception as exc:  # damage deeper in the archive shows only when read
            raise ReadError([FileError("file_unreadable")]) from exc
        finally:
            wb.close()

    return rows(), estimate


def decode_text(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Not UTF-8: the other encoding Kazakh offices save CSV in.
        return data.decode("cp1251", errors="replace")


def _csv_rows(data: bytes) -> tuple[Iterator[list[object]], int]:
    text = decode_text(data)
    first_lines = "\n".join(text.splitlines()[:HEADER_SEARCH_ROWS])
    delimiter = max((";", ",", "\t"), key=first_lines.count)
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), text.count("\n")


def sniff_format(data: bytes, name: str = "") -> str:
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ReadError([FileError("file_xls")])
    if b"\x00" in data[:4096]:
        raise ReadError([FileError("file_format")])
    return "csv"


Progress = Callable[[int, int], None]
PROGRESS_EVERY = 500


def read_sheet(
    source: bytes | IO[bytes], name: str = "", progress: Progress | None = None
) -> Sheet:
    """Parse the whole file; raise ReadError for problems of the file, not of a row.

    `progress(rows read, rows expected)` is called every few hundred rows of a large file.
    """
    data = source if isinstance(source, bytes) else source.read()
    if not data.strip():
        raise ReadError([FileError("file_empty")])
    kind = sniff_format(data, name)
    raw, estimate = _xlsx_rows(data) if kind == "xlsx" else _csv_rows(data)

    header: dict[str, int] | None = None
    texts: dict[str, str] = {}
    ignored: list[str] = []
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[FileError] = []
    for number, cells in enumerate(raw, start=1):
        if number > 2 * MAX_ROWS:  # a sheet of blank lines, formatted down to row 1,048,576
            raise ReadError([FileError("too_many_rows", params={"max": MAX_ROWS})])
        if header is None:
            found, duplicates, unknown = match_header(cells)
            if len(found) >= 3:
                header = found
                texts = {key: str(cells[i]).strip() for key, i in found.items()}
                ignored = unknown
                errors += [
                    FileError("column_duplicate", column=text, row=number) for _, text in duplicates
                ]
                errors += [
                    FileError("column_missing", row=number, params={"key": key})
                    for key in REQUIRED
                    if key not in found
                ]
                if errors:
                    raise ReadError(errors)
            elif number >= HEADER_SEARCH_ROWS:
                break
            continue
        values = {
            key: cell_text(cells[i] if i < len(cells) else None, key) for key, i in header.items()
        }
        if not any(values.values()):
            continue  # blank lines between blocks are common in hand-made sheets
        if len(rows) >= MAX_ROWS:
            raise ReadError([FileError("too_many_rows", params={"max": MAX_ROWS})])
        rows.append((number, values))
        if progress is not None and len(rows) % PROGRESS_EVERY == 0:
            progress(len(rows), max(estimate - number + len(rows), len(rows)))
    if header is None:
        raise ReadError([FileError("header_missing")])
    if not rows:
        raise ReadError([FileError("file_no_rows")])
    return Sheet(columns=texts, rows=rows, ignored=ignored)
