"""Aid monitoring: the seed-000 table (families, children, АӘК, прож., иная, orphans, ЧС) for
the cash aid actually paid in a year, with the amounts per column, per school and district.

A payment counts under the category its application claimed; an application without one
counts under the child's confirmed category valid on the payment day (АӘК first, in the
order of seed 000/001), else under "no category". So each payment is in exactly one column
and the columns add up to the total.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from qamqor.core.tabular import (
    SUBTITLE,
    sheet_from_rows,
    style_bold,
    style_header,
    workbook,
    xlsx_bytes,
)
from qamqor.eligibility.models import Category, CategoryAssignment
from qamqor.registry.models import School
from qamqor.reports.monitoring import COLUMNS

from .models import PaymentLine, PaymentRegister, PurchaseReport, overdue_q

NONE = "none"
CATEGORY_ORDER = [c.value for c in Category]


@dataclass
class AidRow:
    label: str
    families: int = 0
    children: int = 0
    amount: int = 0
    per_category: dict[str, list[int]] = field(
        default_factory=lambda: {c: [0, 0] for c in [*COLUMNS, NONE]}
    )
    reports_accepted: int = 0
    reports_overdue: int = 0
    school: School | None = None
    cells_display: list = field(default_factory=list)

    def cells(self, with_none: bool) -> list[int]:
        keys = [*COLUMNS, NONE] if with_none else COLUMNS
        values = [self.families, self.children, self.amount]
        for key in keys:
            values += self.per_category[key]
        return [*values, self.reports_accepted, self.reports_overdue]

    def display(self, with_none: bool) -> list[tuple[int, bool, bool]]:
        """(value, is money, starts a column group) for each cell, as the page shows them."""
        cells = [(self.families, False, False), (self.children, False, False)]
        cells.append((self.amount, True, False))
        for key in [*COLUMNS, NONE] if with_none else COLUMNS:
            children, amount = self.per_category[key]
            cells += [(children, False, True), (amount, True, False)]
        cells += [(self.reports_accepted, False, True), (self.reports_overdue, False, False)]
        return cells

    def add(self, other: AidRow) -> None:
        self.families += other.families
        self.children += other.children
        self.amount += other.amount
        for key, (children, amount) in other.per_category.items():
            self.per_category[key][0] += children
            self.per_category[key][1] += amount
        self.reports_accepted += other.reports_accepted
        self.reports_overdue += other.reports_overdue


def category_labels() -> dict[str, str]:
    return {
        Category.ASP.value: _("АӘК"),
        Category.BELOW_SUBSISTENCE.value: _("Below subsistence"),
        Category.OTHER.value: _("Other"),
        Category.ORPHAN.value: _("Orphans"),
        Category.EMERGENCY.value: _("Emergency"),
        NONE: _("No category recorded"),
    }


def _confirmed_categories(lines: list[tuple]) -> dict[tuple[int, dt.date | None], str]:
    """(pupil, paid on) → the first confirmed category valid that day, for lines without one."""
    wanted = {
        (pupil_id, paid_on) for _s, pupil_id, _f, category, _a, paid_on in lines if not category
    }
    if not wanted:
        return {}
    found: dict[tuple[int, dt.date | None], str] = {}
    rows = CategoryAssignment.objects.filter(
        pupil_id__in={p for p, _d in wanted}, status=CategoryAssignment.Status.CONFIRMED
    ).values_list("pupil_id", "category", "valid_from", "valid_to")
    by_pupil: dict[int, list[tuple]] = defaultdict(list)
    for row in rows:
        by_pupil[row[0]].append(row[1:])
    for pupil_id, day in wanted:
        valid = [
            c
            for c, start, end in by_pupil.get(pupil_id, [])
            if (start is None or start <= day) and (end is None or day <= end)
        ]
        if valid:
            found[(pupil_id, day)] = min(valid, key=CATEGORY_ORDER.index)
    return found


def aid_monitoring(schools: list[School], year: int, day: dt.date) -> list[AidRow]:
    """One row per school (in the order given) for the aid of `year`, paid by `day`."""
    ids = [s.pk for s in schools]
    lines = list(
        PaymentLine.objects.filter(
            school_id__in=ids,
            register__status=PaymentRegister.Status.PAID,
            register__year=year,
            register__paid_on__lte=day,
        ).values_list(
            "school_id",
            "pupil_id",
            "pupil__family_id",
            "application__category",
            "amount",
            "register__paid_on",
        )
    )
    fallback = _confirmed_categories(lines)
    rows = {s.pk: AidRow(label=s.name, school=s) for s in schools}
    families: dict[int, set[int]] = defaultdict(set)
    children: dict[int, set[int]] = defaultdict(set)
    for school_id, pupil_id, family_id, category, amount, paid_on in lines:
        row = rows[school_id]
        key = category or fallback.get((pupil_id, paid_on), NONE)
        key = key if key in row.per_category else NONE
        # A child recorded without a family still stands for a family of their own.
        families[school_id].add(family_id if family_id is not None else -pupil_id)
        children[school_id].add(pupil_id)
        row.amount += amount
        row.per_category[key][0] += 1
        row.per_category[key][1] += amount
    reports = PurchaseReport.objects.filter(school_id__in=ids, line__register__year=year)
    accepted = reports.filter(application__status="accepted")
    overdue = reports.filter(overdue_q(day))
    for school_id in accepted.values_list("school_id", flat=True):
        rows[school_id].reports_accepted += 1
    for school_id in overdue.values_list("school_id", flat=True):
        rows[school_id].reports_overdue += 1
    for school_id, row in rows.items():
        row.families = len(families[school_id])
        row.children = len(children[school_id])
    return [rows[s.pk] for s in schools]


@dataclass
class DistrictBlock:
    label: str
    rows: list[AidRow]
    total: AidRow


def by_district(rows: list[AidRow]) -> list[DistrictBlock]:
    blocks: dict[int, DistrictBlock] = {}
    for row in rows:
        district = row.school.district  # type: ignore[union-attr]  # school rows, not the total
        block = blocks.get(district.pk)
        if block is None:
            block = blocks[district.pk] = DistrictBlock(
                label=district.name, rows=[], total=AidRow(label=district.name)
            )
        block.rows.append(row)
        block.total.add(row)
    return list(blocks.values())


def grand_total(rows: list[AidRow]) -> AidRow:
    total = AidRow(label=_("Total"))
    for row in rows:
        total.add(row)
    return total


def shows_none(rows: list[AidRow]) -> bool:
    return any(r.per_category[NONE][0] for r in rows)


def header_labels(with_none: bool) -> tuple[list[str], list[tuple[str, str]]]:
    """The leading columns, then (category label, key) for each category column pair."""
    labels = category_labels()
    keys = [*COLUMNS, NONE] if with_none else COLUMNS
    return (
        [_("Families"), _("Children"), _("Paid, ₸")],
        [(labels[k], k) for k in keys],
    )


def monitoring_xlsx(blocks: list[DistrictBlock], total: AidRow, year: int, day: dt.date) -> bytes:
    rows = [r for b in blocks for r in b.rows]
    with_none = shows_none(rows)
    lead, categories = header_labels(with_none)
    top: list[str | None] = [_("School"), *lead]
    sub: list[str | None] = [None] * len(top)
    for label, _key in categories:
        top += [label, None]
        sub += [_("children"), _("₸")]
    top += [_("Reports accepted"), _("Reports overdue")]
    sub += [None, None]
    wb = workbook()
    ws = wb.active
    ws.title = _("Aid monitoring")[:31]
    title = _("Universal education fund aid of %(year)s: monitoring on %(date)s") % {
        "year": year,
        "date": day.strftime("%d.%m.%Y"),
    }
    sheet_from_rows(ws, title=[title], header=top, widths=(44, *[11] * (len(top) - 1)))
    ws.append(sub)
    style_header(ws[4])
    first_category = len(lead) + 2
    for i in range(len(categories)):
        col = first_category + 2 * i
        ws.merge_cells(start_row=3, start_column=col, end_row=3, end_column=col + 1)
    for col in [*range(1, first_category), len(top) - 1, len(top)]:
        ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
    for block in blocks:
        if len(blocks) > 1:
            ws.append([block.label])
            ws.cell(ws.max_row, 1).font = SUBTITLE
        for row in block.rows:
            ws.append([row.label, *row.cells(with_none)])
        if len(blocks) > 1 and len(block.rows) > 1:
            label = _("Total: %(district)s") % {"district": block.label}
            ws.append([label, *block.total.cells(with_none)])
            style_bold(ws[ws.max_row])
    if len(rows) > 1:
        ws.append([_("Total"), *total.cells(with_none)])
        style_bold(ws[ws.max_row])
    return xlsx_bytes(wb)
