"""Reading an uploaded sheet into rows of strings keyed by column.

XLSX through openpyxl in read-only mode; CSV in UTF-8 (with or without BOM) or cp1251, with
`;`, `,` or tab between cells (Excel in a Russian locale writes cp1251 and `;`). The header
is the first of the top rows that names at least three known columns, so a title line above
it does no harm. Row numbers are those the user sees in Excel or a text editor.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from openpyxl.utils import get_column_letter

from qamqor.core.tabular import HEADER_SEARCH_ROWS, TableError, read_table

from .columns import REQUIRED, match_header

_BREAKS = re.compile(r"[\t\r\n]+")
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
    # Every column of the format is one line: a line break typed in a cell (Alt+Enter) is a
    # space. Any other control character stays, for the row check to refuse.
    return _BREAKS.sub(" ", str(value)).strip()


Progress = Callable[[int, int], None]
PROGRESS_EVERY = 500


def read_sheet(
    source: bytes | IO[bytes], name: str = "", progress: Progress | None = None
) -> Sheet:
    """Parse the whole file; raise ReadError for problems of the file, not of a row.

    The file is streamed through `core.tabular`, which refuses it at the first row past the
    limits on its unpacked size, rows, cells and text. `progress(rows read, rows expected)`
    is called every few hundred rows of a large file.
    """
    data = source if isinstance(source, bytes) else source.read()
    reading = _Reading()
    try:
        return reading.read(data, progress)
    except TableError as exc:
        # The cell named by the column of the file's header, else by its letter.
        keys = {i + 1: key for key, i in (reading.header or {}).items()}
        column = keys.get(exc.column) or (get_column_letter(exc.column) if exc.column else "")
        raise ReadError([FileError(exc.code, column, exc.row, dict(exc.params))]) from exc


class _Reading:
    def __init__(self) -> None:
        self.header: dict[str, int] | None = None

    def read(self, data: bytes, progress: Progress | None) -> Sheet:
        table = read_table(data)
        texts: dict[str, str] = {}
        ignored: list[str] = []
        rows: list[tuple[int, dict[str, str]]] = []
        for number, cells in table.rows:
            if self.header is None:
                found, duplicates, unknown = match_header(cells)
                if len(found) >= 3:
                    self.header = found
                    texts = {key: str(cells[i]).strip() for key, i in found.items()}
                    ignored = unknown
                    _check_header(number, found, duplicates)
                elif number >= HEADER_SEARCH_ROWS:
                    break
                continue
            values = {key: cell_text(cells[i] if i < len(cells) else None, key)
                      for key, i in self.header.items()}  # fmt: skip
            if not any(values.values()):
                continue  # blank lines between blocks are common in hand-made sheets
            rows.append((number, values))
            if progress is not None and len(rows) % PROGRESS_EVERY == 0:
                progress(len(rows), max(table.estimate - number + len(rows), len(rows)))
        if self.header is None:
            raise ReadError([FileError("header_missing")])
        if not rows:
            raise ReadError([FileError("file_no_rows")])
        return Sheet(columns=texts, rows=rows, ignored=ignored)


def _check_header(number: int, found: dict[str, int], duplicates: list[tuple[int, str]]) -> None:
    errors = [FileError("column_duplicate", column=text, row=number) for _, text in duplicates]
    errors += [
        FileError("column_missing", row=number, params={"key": key})
        for key in REQUIRED
        if key not in found
    ]
    if errors:
        raise ReadError(errors)
