"""core.tabular: the safe reader (limits checked as read) and the safe writer (no formulas,
no characters a spreadsheet cannot hold)."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.test import override_settings
from openpyxl import load_workbook

from qamqor.core import tabular
from qamqor.core.tabular import TableError, read_table

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "@SUM(A1)", "-2+3", "\tx", "\r=1", "=1+1"]


def csv_data(rows: list[list[str]]) -> bytes:
    return "\n".join(";".join(r) for r in rows).encode()


# --- reading ---------------------------------------------------------------------------------


def test_rows_come_with_their_numbers():
    table = read_table(csv_data([["a", "b"], ["", ""], ["c", "d"]]))
    assert table.kind == "csv"
    assert list(table.rows) == [(1, ["a", "b"]), (2, ["", ""]), (3, ["c", "d"])]


@override_settings(TABLE_MAX_CELL_CHARS=10)
def test_a_long_cell_is_refused_when_its_row_is_read_not_after():
    table = read_table(csv_data([["a"], ["b"], ["x" * 11], ["c"]]))
    rows = table.rows
    assert next(rows) == (1, ["a"])
    assert next(rows) == (2, ["b"])
    with pytest.raises(TableError) as exc:
        next(rows)
    assert (exc.value.code, exc.value.row, exc.value.column) == ("cell_too_long", 3, 1)
    assert exc.value.params == {"max": 10}


@override_settings(TABLE_MAX_TEXT_CHARS=25)
def test_the_text_of_all_cells_has_a_budget():
    rows = read_table(csv_data([["x" * 10]] * 5)).rows
    assert len([next(rows), next(rows)]) == 2
    with pytest.raises(TableError) as exc:
        next(rows)
    assert (exc.value.code, exc.value.row) == ("file_text_too_large", 3)


@override_settings(TABLE_MAX_ROWS=3)
def test_rows_and_blank_rows_have_limits():
    with pytest.raises(TableError) as exc:
        list(read_table(csv_data([["a"]] * 4)).rows)
    assert (exc.value.code, exc.value.params) == ("too_many_rows", {"max": 3})
    with pytest.raises(TableError) as exc:
        list(read_table(csv_data([["a"]] + [[""]] * 10)).rows)
    assert exc.value.code == "too_many_rows"


def test_a_csv_field_past_the_csv_modules_own_cap_is_a_long_cell():
    with pytest.raises(TableError) as exc:
        list(read_table(b"a;b\n" + b"x" * 200_000 + b";y\n").rows)
    assert exc.value.code == "cell_too_long"


@override_settings(TABLE_MAX_COLUMNS=3)
def test_columns_past_the_limit_are_not_read():
    assert list(read_table(csv_data([["a", "b", "c", "d", "e"]])).rows) == [(1, ["a", "b", "c"])]


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in members.items():
            z.writestr(name, content)
    return buffer.getvalue()


@override_settings(UPLOAD_MAX_UNPACKED_BYTES=1_000_000)
def test_an_archive_that_unpacks_past_the_limit_is_refused_before_parsing(monkeypatch):
    bomb = zip_of({"xl/worksheets/sheet1.xml": b"<" + b" " * 2_000_000 + b">"})
    assert len(bomb) < 10_000
    opened = []
    monkeypatch.setattr("openpyxl.load_workbook", lambda *a, **k: opened.append(1))
    with pytest.raises(TableError) as exc:
        read_table(bomb)
    assert (exc.value.code, exc.value.params) == ("file_unpacked_too_large", {"max_mb": 0})
    assert opened == []


@override_settings(UPLOAD_MAX_ARCHIVE_MEMBERS=5)
def test_an_archive_of_many_parts_is_refused():
    with pytest.raises(TableError) as exc:
        read_table(zip_of({f"p{i}.xml": b"<a/>" for i in range(6)}))
    assert exc.value.code == "file_too_many_parts"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "file_empty"),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 64, "file_xls"),
        (b"\x00\x01binary", "file_format"),
        (b"PK\x03\x04 not really a zip", "file_unreadable"),
    ],
)
def test_files_that_are_not_sheets(data, code):
    with pytest.raises(TableError) as exc:
        read_table(data)
    assert exc.value.code == code
    assert exc.value.message


def test_an_xlsx_is_streamed():
    data = tabular.write_xlsx(["a", "b"], [["x", 1], ["y", 2]])
    table = read_table(data)
    assert table.kind == "xlsx"
    assert list(table.rows) == [(1, ["a", "b"]), (2, ["x", 1]), (3, ["y", 2])]


# --- writing ---------------------------------------------------------------------------------


def cells_of(data: bytes) -> list:
    wb = load_workbook(io.BytesIO(data))
    return [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row]


def test_no_way_of_filling_a_workbook_makes_a_formula():
    wb = tabular.workbook()
    ws = wb.active
    ws.append(HOSTILE)
    for col, value in enumerate(HOSTILE, start=1):
        ws.cell(row=2, column=col, value=value)
        ws.cell(row=3, column=col).value = value
    ws["A4"] = "=A1"
    wb.create_sheet("second").append({"B": "=1+2"})
    cells = [c for c in cells_of(tabular.xlsx_bytes(wb)) if c.value is not None]
    assert len(cells) == 3 * len(HOSTILE) + 2
    for cell in cells:
        assert cell.data_type == "s", cell.value
        assert cell.quotePrefix, cell.value  # Excel keeps it text when the cell is edited
    # The text itself is unchanged (XML reads a carriage return back as a newline).
    expected = {v.replace("\r", "\n") for v in [*HOSTILE, "=A1", "=1+2"]}
    assert {c.value for c in cells} == expected


def test_numbers_stay_numbers_and_plain_text_stays_plain():
    values = [-5, 3.5, 0, "-5", "+77015550000", "Әлия", "a-b"]
    wb = tabular.workbook()
    wb.active.append(values)
    cells = cells_of(tabular.xlsx_bytes(wb))
    assert [c.value for c in cells] == values
    assert [c.data_type for c in cells] == ["n", "n", "n", "s", "s", "s", "s"]
    assert not any(c.quotePrefix for c in cells)


def test_characters_a_sheet_cannot_hold_are_dropped_not_fatal():
    wb = tabular.workbook()
    ws = wb.active
    ws.title = "5\x18А"
    ws.append(["Пет\x18ров", "a\x00b\ud800c\ufffe", "two\nlines\tand tab"])
    ws["A2"] = "x\x01"
    data = tabular.xlsx_bytes(wb)
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "5А"
    assert [c.value for c in sheet[1]] == ["Петров", "abc", "two\nlines\tand tab"]
    assert sheet["A2"].value == "x"


def test_write_xlsx_streams_safe_cells():
    data = tabular.write_xlsx(["=head", "n"], [[v, -1] for v in HOSTILE] + [["Ива\x18нов", 2]])
    cells = cells_of(data)
    assert all(c.data_type != "f" for c in cells)
    assert [c.value for c in cells if c.column == 2][1:] == [-1] * len(HOSTILE) + [2]
    assert cells[-2].value == "Иванов"


def test_csv_fields_that_look_like_formulas_get_an_apostrophe():
    data = tabular.csv_bytes([["n", *HOSTILE, "Пет\x18ров", -5, "-5", "+77015550000", None]])
    assert data.startswith(b"\xef\xbb\xbf")
    (row,) = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert row[1 : len(HOSTILE) + 1] == ["'" + v for v in HOSTILE]
    assert row[len(HOSTILE) + 1 :] == ["Петров", "-5", "-5", "+77015550000", ""]
    for field in row:
        assert not field.startswith(tabular.FORMULA_START) or field.lstrip("+-").isdigit()
