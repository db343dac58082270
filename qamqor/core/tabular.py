"""Spreadsheets in and out: the one safe reader of uploaded XLSX/CSV and the one writer of
every XLSX/CSV the project produces.

Reading (`read_table`). An XLSX is a zip archive: 2 MB of it once unpacked to 953 MB of sheet
XML, and a reader that held every cell before checking anything took the server down. So
the archive's unpacked size is checked from its directory before anything is parsed (Python's
zipfile never unpacks a member past the size the directory states, so that sum is a real
bound), the sheet is streamed row by row (openpyxl read-only), and the rows, the length of
each cell and the text of all cells together are counted as they are read, against
`core.limits`. A shared string repeated in a thousand cells is counted a thousand times: it
costs that much once it is copied into rows. Refusals are `TableError`s with a stable code.

Writing (`workbook`, `sheet_from_rows`, `boxed_table`, `header_row`, `xlsx_bytes`,
`write_xlsx`, `csv_bytes`): every export fills a `workbook()` (or streams `write_xlsx`), lays
a table out with `sheet_from_rows` (or `boxed_table` on a sheet laid out cell by cell) and
styles it only with the styles below, so all files look alike. Whatever a user typed may
reach a spreadsheet: a surname `=HYPERLINK(...)` must stay text (formula injection, OWASP),
and a control character stored before the validators refused it (openpyxl raises
IllegalCharacterError on it) must not make an export answer 500. The workbook's cells neutralise
both however a value is put in (`ws.append`, `ws.cell`, `ws["A1"] = ...`); `xlsx_bytes` checks
every cell once more before saving. Numbers stay numbers, negative ones included.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .limits import limit

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_SEARCH_ROWS = 10

MESSAGES = {
    "file_empty": _("The file is empty."),
    "file_xls": _("Old .xls files are not read: save the file as XLSX or CSV."),
    "file_format": _("The file is neither XLSX nor CSV."),
    "file_unreadable": _("The XLSX file is damaged and cannot be read."),
    "file_unpacked_too_large": _(
        "The file unpacks to more than %(max_mb)s MB, far more than a list of pupils. Remove "
        "other sheets, pictures and formatting, or save it as CSV."
    ),
    "file_too_many_parts": _(
        "The XLSX file has more than %(max)s parts. Save it again from Excel with one sheet."
    ),
    "too_many_rows": _("The file has more than %(max)s rows."),
    "cell_too_long": _("The cell has more than %(max)s characters."),
    "file_text_too_large": _(
        "The file holds more than %(max)s characters of text, far more than a list of pupils."
    ),
}


class TableError(Exception):
    """A file refused as a whole; `row` and `column` (1-based) where it was found, if known."""

    def __init__(self, code: str, row: int = 0, column: int = 0, **params: Any):
        super().__init__(code)
        self.code = code
        self.row = row
        self.column = column
        self.params = params

    @property
    def message(self) -> str:
        text = str(MESSAGES.get(self.code, self.code))
        return text % self.params if self.params and "%(" in text else text


# --- reading ---------------------------------------------------------------------------------


def sniff_format(data: bytes) -> str:
    """ "xlsx" or "csv", from the leading bytes (never from the name)."""
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise TableError("file_xls")
    if b"\x00" in data[:4096]:
        raise TableError("file_format")
    return "csv"


def check_archive(data: bytes) -> None:
    """Refuse an archive whose members unpack to more than the limit, before reading any."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise TableError("file_unreadable") from exc
    most = limit("UPLOAD_MAX_ARCHIVE_MEMBERS")
    if len(members) > most:
        raise TableError("file_too_many_parts", max=most)
    budget = limit("UPLOAD_MAX_UNPACKED_BYTES")
    if sum(m.file_size for m in members) > budget:
        raise TableError("file_unpacked_too_large", max_mb=budget // (1024 * 1024))


def decode_text(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Not UTF-8: the other encoding Kazakh offices save CSV in.
        return data.decode("cp1251", errors="replace")


def _xlsx_rows(data: bytes) -> tuple[Iterator[Iterable[object]], int]:
    from openpyxl import load_workbook

    check_archive(data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        ws = wb.worksheets[0]
        estimate = ws.max_row or 0
    except Exception as exc:  # openpyxl raises many kinds for a damaged archive
        raise TableError("file_unreadable") from exc

    def rows() -> Iterator[Iterable[object]]:
        try:
            # Rows are padded to the sheet's stated width: a sheet claiming 16,384 columns
            # is padded only up to the column limit (an unsized one not at all).
            columns = limit("TABLE_MAX_COLUMNS")
            width = min(ws.max_column, columns) if ws.max_column else None
            yield from ws.iter_rows(max_col=width, values_only=True)
        except TableError:
            raise
        except Exception as exc:  # damage deeper in the archive shows only when read
            raise TableError("file_unreadable") from exc
        finally:
            wb.close()

    return rows(), estimate


def _csv_rows(data: bytes) -> tuple[Iterator[Iterable[object]], int]:
    text = decode_text(data)
    first_lines = "\n".join(text[:65536].splitlines()[:HEADER_SEARCH_ROWS])
    delimiter = max((";", ",", "\t"), key=first_lines.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows() -> Iterator[Iterable[object]]:
        try:
            yield from reader
        except csv.Error as exc:
            # The csv module's own cap on one field (128 KB) is far above ours: a cell.
            if "field limit" in str(exc):
                raise TableError(
                    "cell_too_long", row=reader.line_num, max=limit("TABLE_MAX_CELL_CHARS")
                ) from exc
            raise TableError("file_unreadable") from exc

    return rows(), text.count("\n")


@dataclass
class Table:
    kind: str  # "xlsx" or "csv"
    estimate: int  # rows the file says it has (0 if it does not say)
    rows: Iterator[tuple[int, list[object]]]  # (row number as the user sees it, cells)


def read_table(data: bytes) -> Table:
    """The rows of an uploaded sheet (the first sheet of an XLSX), checked as they are read.

    Raises TableError at once for a file that cannot be read, and while iterating at the
    first row past a limit. Blank rows are yielded (they count against twice the row limit).
    """
    if not data.strip():
        raise TableError("file_empty")
    kind = sniff_format(data)
    raw, estimate = _xlsx_rows(data) if kind == "xlsx" else _csv_rows(data)
    return Table(kind=kind, estimate=estimate, rows=_guarded(raw))


def _guarded(raw: Iterator[Iterable[object]]) -> Iterator[tuple[int, list[object]]]:
    max_rows, max_cell = limit("TABLE_MAX_ROWS"), limit("TABLE_MAX_CELL_CHARS")
    columns = limit("TABLE_MAX_COLUMNS")
    text_left = limit("TABLE_MAX_TEXT_CHARS")
    filled = 0
    for number, values in enumerate(raw, start=1):
        # A sheet formatted down to row 1,048,576 is read as blank rows: count those too.
        if number > 2 * max_rows:
            raise TableError("too_many_rows", max=max_rows)
        cells = list(islice(values, columns))
        blank = True
        for index, value in enumerate(cells, start=1):
            if value is None or value == "":
                continue
            blank = False
            if isinstance(value, str):
                if len(value) > max_cell:
                    raise TableError("cell_too_long", row=number, column=index, max=max_cell)
                text_left -= len(value)
                if text_left < 0:
                    raise TableError(
                        "file_text_too_large", max=limit("TABLE_MAX_TEXT_CHARS"), row=number
                    )
        if not blank:
            filled += 1
            if filled > max_rows:
                raise TableError("too_many_rows", max=max_rows)
        yield number, cells


# --- writing ---------------------------------------------------------------------------------

# A cell starting with one of these is a formula to a spreadsheet (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Text that is just a number ("-5", "+7 701 555 00 00" is not) is harmless as it is.
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
# What XML 1.0 cannot carry (openpyxl refuses it): C0 controls but tab, newline and carriage
# return; lone surrogates; U+FFFE and U+FFFF.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
DATE_FORMAT = "DD.MM.YYYY"


def clean_text(value: str) -> str:
    """A string a spreadsheet can store: the characters XML cannot carry removed."""
    return _ILLEGAL.sub("", value)


def looks_like_formula(value: str) -> bool:
    return value.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value)


def csv_field(value: Any) -> Any:
    """A value for a CSV field: formula-looking text behind an apostrophe, as OWASP advises."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = clean_text(value)
        return "'" + value if looks_like_formula(value) else value
    return value


def csv_bytes(rows: Iterable[Iterable[Any]], *, delimiter: str = ";", bom: bool = True) -> bytes:
    """A CSV in UTF-8 (with a BOM by default: Excel then reads Kazakh letters), CRLF lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_field(v) for v in row])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def _neutralise(cell: Cell) -> None:
    # A string openpyxl took for a formula is stored as a string; it and any other string
    # that looks like one get the quote prefix Excel itself sets for a typed-in apostrophe,
    # so that editing the cell in Excel keeps it text.
    if cell.data_type == "f" or (
        cell.data_type == "s" and isinstance(cell._value, str) and looks_like_formula(cell._value)
    ):
        cell.data_type = "s"
        cell.quotePrefix = True


class SafeCell(Cell):
    __slots__ = ()

    def _bind_value(self, value: Any) -> None:
        if isinstance(value, str):
            value = clean_text(value)
        super()._bind_value(value)
        _neutralise(self)


class SafeWorksheet(Worksheet):
    """A worksheet whose every cell is a SafeCell, and whose title is clean too."""

    def _get_cell(self, row: int, column: int) -> Cell:
        if (row, column) not in self._cells and 0 < row < 1048577:
            self._add_cell(SafeCell(self, row=row, column=column))
        return super()._get_cell(row, column)

    def append(self, iterable: Any) -> None:
        if isinstance(iterable, dict):
            at = {column_index_from_string(k) if isinstance(k, str) else k: v
                  for k, v in iterable.items()}  # fmt: skip
            iterable = [at.get(i) for i in range(1, max(at, default=0) + 1)]
        # Cells given to append are placed as they are (the write-only way).
        super().append([v if isinstance(v, Cell) else SafeCell(self, value=v) for v in iterable])

    @property
    def title(self) -> str:
        return Worksheet.title.fget(self)

    @title.setter
    def title(self, value: str) -> None:
        Worksheet.title.fset(self, sheet_title(value))


def sheet_title(value: str) -> str:
    """A worksheet name Excel accepts: no []:*?/\\ or control characters, at most 31."""
    text = clean_text(str(value or ""))
    for bad in "[]:*?/\\":
        text = text.replace(bad, " ")
    return text.strip()[:31] or "Sheet"


class SafeWorkbook(Workbook):
    """openpyxl's Workbook whose sheets neutralise what is written into them."""

    def __init__(self) -> None:
        super().__init__()
        self._sheets = [SafeWorksheet(self)]

    def create_sheet(self, title: str | None = None, index: int | None = None) -> Worksheet:
        sheet = SafeWorksheet(parent=self, title=sheet_title(title) if title else None)
        self._add_sheet(sheet=sheet, index=index)
        return sheet


def workbook() -> SafeWorkbook:
    """A workbook to fill cell by cell (styles, merged cells); save it with `xlsx_bytes`."""
    return SafeWorkbook()


def xlsx_bytes(wb: Workbook) -> bytes:
    """The workbook as XLSX bytes; no cell of it is a formula, whoever filled it."""
    if not wb.write_only:
        for ws in wb.worksheets:
            for cell in ws._cells.values():
                _neutralise(cell)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# The one look of a table: a bold, centred, boxed and shaded header; bold totals.
THIN = Side(style="thin", color="999999")
BOX = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
SUBTITLE = Font(bold=True, italic=True)
NOTE = Font(italic=True, size=9)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
HEAD_FILL = PatternFill("solid", fgColor="EEEEEE")


def style_header(cells: Iterable[Cell]) -> None:
    for cell in cells:
        cell.font = BOLD
        cell.alignment = CENTER
        cell.border = BOX
        cell.fill = HEAD_FILL


def style_bold(cells: Iterable[Cell]) -> None:
    for cell in cells:
        cell.font = BOLD


def header_row(ws: Worksheet, row: int, values: Sequence[Any]) -> None:
    """Header cells written at `row` (for a sheet laid out cell by cell)."""
    style_header(ws.cell(row=row, column=col, value=v) for col, v in enumerate(values, start=1))


def boxed_table(
    ws: Worksheet,
    row: int,
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    total: Sequence[Any] | None = None,
) -> int:
    """A boxed table written from `row` down (for a sheet laid out cell by cell, as a signed
    document is): the header, the rows, a bold total; the last row written."""
    header_row(ws, row, header)
    for values in [*rows, *([total] if total is not None else [])]:
        row += 1
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=value)
            cell.border = BOX
            if values is total:
                cell.font = BOLD
    return row


def sheet_from_rows(
    ws: Worksheet,
    rows: Iterable[Sequence[Any]] = (),
    *,
    title: Sequence[str] = (),
    header: Sequence[Any] | None = None,
    total: Sequence[Any] | None = None,
    widths: Sequence[float] = (),
) -> Worksheet:
    """A table on `ws` below what it holds: title lines (the first in large bold, then one
    blank row), a styled header, the rows, a bold total row; `widths` of columns A, B, ..."""
    for i, line in enumerate(title):
        ws.append([line])
        if i == 0:
            ws.cell(row=ws.max_row, column=1).font = TITLE
    if title:
        ws.append([])
    if header is not None:
        ws.append(list(header))
        style_header(ws[ws.max_row])
    for row in rows:
        ws.append(list(row))
    if total is not None:
        ws.append(list(total))
        style_bold(ws[ws.max_row])
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    return ws


def write_xlsx(header: list[str], rows: Iterable[Iterable[Any]], title: str = "Sheet") -> bytes:
    """A one-sheet table, streamed (write-only, so 6,000 rows cost little memory), with the
    header style, frozen; dates as DD.MM.YYYY."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title(title))
    ws.freeze_panes = "A2"
    for index, text in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(index)].width = max(12, min(40, len(text) + 4))
    head = [SafeCell(ws, row=1, column=1, value=text) for text in header]
    style_header(head)
    ws.append(head)
    for row in rows:
        ws.append([_streamed(ws, value) for value in row])
    return xlsx_bytes(wb)


def _streamed(ws: Any, value: Any) -> Any:
    # A cell object only where one is needed: it costs a third more time on a 6,000-row export.
    if isinstance(value, str):
        value = clean_text(value)
        return (
            SafeCell(ws, row=1, column=1, value=value) if value.startswith(FORMULA_START) else value
        )
    if isinstance(value, dt.date):
        cell = SafeCell(ws, row=1, column=1, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    return value
