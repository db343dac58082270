"""Printable meal documents: the daily report (XLSX), the табель and the payment statement
(XLSX and PDF).

The табель is an official document sent to the payer: one sheet per class (and meal type),
A4 landscape fitted to the page width, the pupils' surnames and names — never a category —
a "1" per meal served, totals per pupil and per day, and the signature lines of the social
pedagogue and the principal. PDFs are WeasyPrint renderings of HTML templates in DejaVu Sans
(it has Kazakh Cyrillic: ә, ғ, қ, ң, ө, ұ, ү, һ, і).
"""

from __future__ import annotations

import logging
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from qamqor.core.tabular import XLSX_TYPE, workbook, xlsx_bytes

from .services.daily_report import DailyView
from .services.tabel import TabelSummary, tabel_deadline
from .services.tabel_grid import Tabel, TabelSheet

XLSX = XLSX_TYPE
PDF = "application/pdf"

THIN = Side(style="thin", color="808080")
BOX = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
BOLD = Font(bold=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
ADDED = PatternFill("solid", fgColor="D9EAD3")  # a meal added by an amendment
REMOVED = PatternFill("solid", fgColor="F4CCCC")  # a meal removed by an amendment
HEAD = PatternFill("solid", fgColor="EEEEEE")


def month_label(month: Any) -> str:
    return date_format(month, "F Y")


def _save(wb: Workbook) -> bytes:
    return xlsx_bytes(wb)


def _print_setup(ws: Worksheet, landscape: bool, title_row: int | None = None) -> None:
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as it takes
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    if title_row:
        ws.print_title_rows = f"{title_row}:{title_row}"


def _header_row(ws: Worksheet, row: int, values: list[Any]) -> None:
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col, value=value)
        cell.font = BOLD
        cell.alignment = CENTER
        cell.border = BOX
        cell.fill = HEAD


def _lines(ws: Worksheet, lines: list[str], width: int, bold_first: bool = True) -> int:
    """Write header lines merged across `width` columns; the next free row."""
    for i, text in enumerate(lines, start=1):
        ws.cell(row=i, column=1, value=text)
        if width > 1:
            ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=width)
        if i == 1 and bold_first:
            ws.cell(row=i, column=1).font = Font(bold=True, size=13)
    return len(lines) + 2


def _signatures(ws: Worksheet, row: int, who: list[str]) -> None:
    for i, role in enumerate(who):
        ws.cell(
            row=row + 2 * i, column=2, value=f"{role}: ____________________ / ____________________"
        )
    ws.cell(row=row + 2 * len(who), column=2, value=_("Date: ____________"))


# --- the daily report ---------------------------------------------------------------------


def daily_xlsx(report: DailyView) -> bytes:
    wb = workbook()
    ws = wb.active
    ws.title = report.day.strftime("%Y-%m-%d")
    stamp = (
        _("Generated %(at)s")
        % {"at": date_format(timezone.localtime(report.generated_at), "d.m.Y H:i")}
        if report.generated_at
        else _("Live figures: the report of this day is not generated yet.")
    )
    row = _lines(
        ws,
        [
            _("Daily meal report"),
            f"{_('School')}: {report.school.name}",
            f"{_('Date')}: {report.day:%d.%m.%Y}",
            stamp,
        ],
        5,
    )
    _header_row(ws, row, [_("Class"), _("Meal"), _("Vouchers active"), _("Meals served"), "%"])
    for line in report.lines:
        row += 1
        values = [
            line.class_label,
            line.meal_label,
            line.vouchers_active,
            line.meals_served,
            line.percent,
        ]
        for col, value in enumerate(values, start=1):
            ws.cell(row=row, column=col, value=value).border = BOX
    row += 1
    total = [_("Total"), "", report.vouchers_active, report.meals_served]
    for col, value in enumerate(total, start=1):
        cell = ws.cell(row=row, column=col, value=value)
        cell.font = BOLD
        cell.border = BOX
    for letter, width in zip("ABCDE", (12, 22, 18, 18, 8), strict=True):
        ws.column_dimensions[letter].width = width
    _print_setup(ws, landscape=False)
    return _save(wb)


# --- the табель ---------------------------------------------------------------------------


def _sheet_title(sheet: TabelSheet, many_meals: bool, used: set[str]) -> str:
    title = f"{sheet.class_label} {sheet.meal_label}" if many_meals else sheet.class_label
    for bad in "[]:*?/\\":
        title = title.replace(bad, " ")
    title = title[:28] or "—"
    candidate, n = title, 2
    while candidate in used:
        candidate, n = f"{title[:25]} {n}", n + 1
    used.add(candidate)
    return candidate


def _tabel_head(tabel: Tabel, sheet: TabelSheet | None) -> list[str]:
    s = tabel.summary
    lines = [
        _("Табель of meals actually served"),
        f"{_('School')}: {s.school.name}",
        f"{_('Month')}: {month_label(s.month)}",
    ]
    if sheet is not None:
        lines.append(f"{_('Class')}: {sheet.class_label} · {_('Meal')}: {sheet.meal_label}")
    if s.programme is not None:
        op = s.programme.operator
        lines.append(f"{_('Canteen operator')}: {op} ({_('BIN')} {op.bin})")
    lines.append(_submission_line(s))
    return lines


def _submission_line(s: TabelSummary) -> str:
    if s.submission is None:
        return _("Not submitted; due by %(date)s.") % {
            "date": f"{tabel_deadline(s.month):%d.%m.%Y}"
        }
    at = timezone.localtime(s.submission.submitted_at)
    text = _("Submitted %(at)s.") % {"at": f"{at:%d.%m.%Y %H:%M}"}
    if s.submission.late:
        text += " " + _("Late: due by %(date)s.") % {"date": f"{s.submission.deadline:%d.%m.%Y}"}
    return text


def tabel_xlsx(tabel: Tabel) -> bytes:
    wb = workbook()
    wb.remove(wb.active)
    days = tabel.days
    width = len(days) + 3
    many_meals = len(tabel.meal_types) > 1
    used: set[str] = set()
    if not tabel.sheets:
        ws = wb.create_sheet(_("Табель")[:31])
        _lines(ws, [*_tabel_head(tabel, None), _("No pupil had a voucher this month.")], 1)
    for sheet in tabel.sheets:
        ws = wb.create_sheet(_sheet_title(sheet, many_meals, used))
        row = _lines(ws, _tabel_head(tabel, sheet), width)
        head = row
        _header_row(ws, row, ["№", _("Surname and name"), *[d.day for d in days], _("Total")])
        for n, pupil in enumerate(sheet.rows, start=1):
            row += 1
            ws.cell(row=row, column=1, value=n).border = BOX
            ws.cell(row=row, column=2, value=pupil.display_name).border = BOX
            for i, mark in enumerate(pupil.marks):
                cell = ws.cell(row=row, column=3 + i, value=1 if mark else None)
                cell.border = BOX
                cell.alignment = CENTER
                if pupil.amended[i] == "add":
                    cell.fill = ADDED
                elif pupil.amended[i] == "remove":
                    cell.fill = REMOVED
            total = ws.cell(row=row, column=width, value=pupil.total)
            total.font = BOLD
            total.border = BOX
        row += 1
        ws.cell(row=row, column=2, value=_("Total per day")).font = BOLD
        for i, value in enumerate([*sheet.day_totals, sheet.total]):
            cell = ws.cell(row=row, column=3 + i, value=value)
            cell.font = BOLD
            cell.border = BOX
            cell.alignment = CENTER
        ws.cell(row=row, column=2).border = BOX
        row += 2
        ws.cell(
            row=row,
            column=2,
            value=_(
                "1 — a meal served (scanned). Green: added by an amendment; red: removed by one."
            ),
        ).font = Font(italic=True, size=9)
        _signatures(ws, row + 2, [_("Social pedagogue"), _("Principal")])
        ws.column_dimensions["A"].width = 5
        ws.column_dimensions["B"].width = 32
        for i in range(len(days)):
            ws.column_dimensions[get_column_letter(3 + i)].width = 4.2
        ws.column_dimensions[get_column_letter(width)].width = 8
        ws.freeze_panes = ws.cell(row=head + 1, column=3)
        _print_setup(ws, landscape=True, title_row=head)
    return _save(wb)


# --- the payment statement ----------------------------------------------------------------


def _payment_head(s: TabelSummary) -> list[str]:
    lines = [
        _("Payment statement for meals served"),
        f"{_('School')}: {s.school.name} ({_('BIN')} {s.school.bin})",
        f"{_('Month')}: {month_label(s.month)}",
    ]
    if s.programme is not None:
        p = s.programme
        op = p.operator
        lines.append(
            f"{_('Canteen operator')}: {op} ({_('BIN')} {op.bin}"
            + (f", {_('IBAN')} {op.iban}" if op.iban else "")
            + ")"
        )
        if p.contract_number:
            contract = f"{_('Contract')}: № {p.contract_number}"
            if p.contract_date:
                contract += f" {p.contract_date:%d.%m.%Y}"
            lines.append(contract)
    lines.append(f"{_('Табель')}: {_submission_line(s)}")
    return lines


def payment_xlsx(s: TabelSummary) -> bytes:
    wb = workbook()
    ws = wb.active
    ws.title = _("Statement")[:31]
    row = _lines(ws, _payment_head(s), 8)
    _header_row(
        ws,
        row,
        [
            _("Meal"),
            _("Pupils fed"),
            _("Meals (табель)"),
            _("Price, ₸"),
            _("State share, %"),
            _("State price, ₸"),
            _("Amount, ₸"),
        ],
    )
    for m in s.per_meal:
        row += 1
        values = [m.label, m.pupils, m.meals, m.price, m.state_share, m.state_price, m.amount]
        for col, value in enumerate(values, start=1):
            ws.cell(row=row, column=col, value=value).border = BOX
    row += 1
    for col, value in ((1, _("Total")), (2, s.pupils), (3, s.meals), (7, s.amount)):
        cell = ws.cell(row=row, column=col, value=value)
        cell.font = BOLD
    for col in range(1, 8):
        ws.cell(row=row, column=col).border = BOX
    row += 2
    ws.cell(row=row, column=1, value=_("Reconciliation with the scans")).font = BOLD
    row += 1
    _header_row(
        ws,
        row,
        [
            _("Meal"),
            _("Scans served"),
            _("Arrived after submission"),
            _("Added by amendments"),
            _("Removed by amendments"),
            _("Meals (табель)"),
            _("Difference"),
        ],
    )
    for m in s.per_meal:
        row += 1
        values = [m.label, m.scans, m.late, m.added, m.removed, m.meals, m.difference]
        for col, value in enumerate(values, start=1):
            ws.cell(row=row, column=col, value=value).border = BOX
    row += 2
    ws.cell(row=row, column=1, value=_excluded_line(s)).font = Font(italic=True, size=9)
    _signatures(ws, row + 2, [_("Principal"), _("Canteen operator")])
    ws.column_dimensions["A"].width = 24
    for letter in "BCDEFG":
        ws.column_dimensions[letter].width = 16
    _print_setup(ws, landscape=False)
    return _save(wb)


def _excluded_line(s: TabelSummary) -> str:
    return _(
        "Not paid: %(refused)s refused scans and %(conflict)s scans of a meal already "
        "served elsewhere. Amount = meals × state price."
    ) % {"refused": s.excluded.get("refused", 0), "conflict": s.excluded.get("conflict", 0)}


# --- PDF ----------------------------------------------------------------------------------


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    html = render_to_string(template, context)
    # WeasyPrint logs every layout step at INFO; a download is not the place for that.
    progress = logging.getLogger("weasyprint.progress")
    level = progress.level
    progress.setLevel(logging.WARNING)
    try:
        # Imported here: it takes half a second to import and most requests never render.
        from weasyprint import HTML

        return HTML(string=html).write_pdf()
    finally:
        progress.setLevel(level)


def tabel_pdf(tabel: Tabel) -> bytes:
    return render_pdf(
        "meals/reports/tabel_pdf.html",
        {
            "tabel": tabel,
            "s": tabel.summary,
            "month_label": month_label(tabel.summary.month),
            "submission_line": _submission_line(tabel.summary),
            "many_meals": len(tabel.meal_types) > 1,
        },
    )


def payment_pdf(s: TabelSummary) -> bytes:
    return render_pdf(
        "meals/reports/payment_pdf.html",
        {
            "s": s,
            "month_label": month_label(s.month),
            "submission_line": _submission_line(s),
            "excluded_line": _excluded_line(s),
        },
    )
