"""The табель as a grid: pupils × meal days, per class and meal type, with the totals.

For the pages and the printouts of one school. The marks are the same as in
`tabel.tabel_summary` (served scans, cut off at the submission, then the amendments); the
rows are the month's list: every pupil whose voucher was usable, fed or not, so an absent
pupil shows a row of zeros rather than vanishing from an official document.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qamqor.registry.models import Pupil, School

from ..models import Voucher
from .tabel import (
    TabelSummary,
    amendment_rows,
    apply_amendments,
    meal_label,
    meal_order,
    programme_for,
    served_scans,
    submission_for,
    tabel_summary,
)


@dataclass
class TabelRow:
    pupil_id: int
    surname: str
    name: str
    marks: list[bool]
    amended: list[str]  # per day: "" | "add" | "remove" (net, against the scans)

    @property
    def display_name(self) -> str:
        # An official document for the payer: surname and name, never the category.
        return f"{self.surname} {self.name}"

    @property
    def total(self) -> int:
        return sum(self.marks)

    @property
    def cells(self) -> list[tuple[bool, str]]:
        return list(zip(self.marks, self.amended, strict=True))


@dataclass
class TabelSheet:
    grade: int
    class_label: str
    meal_type: str
    meal_label: str
    rows: list[TabelRow]
    day_totals: list[int]

    @property
    def key(self) -> str:
        return f"{self.class_label}:{self.meal_type}"

    @property
    def total(self) -> int:
        return sum(self.day_totals)


@dataclass
class Tabel:
    summary: TabelSummary
    days: list[dt.date]
    sheets: list[TabelSheet]

    @property
    def meal_types(self) -> list[str]:
        return sorted({s.meal_type for s in self.sheets}, key=meal_order)

    def sheet(self, key: str | None) -> TabelSheet | None:
        for s in self.sheets:
            if s.key == key:
                return s
        return None


def _class_of(
    pupils: Mapping[int, Mapping[str, Any]], snapshot: dict[int, tuple[int, str]], pid: int
) -> tuple[int, str]:
    """The class a pupil ate in: the month's list snapshot, else the pupil's class now."""
    if pid in snapshot:
        return snapshot[pid]
    info = pupils.get(pid) or {}
    grade = info.get("school_class__grade")
    if grade is None:
        return (99, "—")
    return (grade, f"{grade}{info.get('school_class__letter') or ''}")


def build_tabel(school: School, month: dt.date) -> Tabel:
    """The pupils × meal days grid per class and meal type, with the totals."""
    programme = programme_for(school, month)
    submission = submission_for(school, month)
    summary = tabel_summary(school, month, programme=programme, submission=submission)
    cutoff = submission.submitted_at if submission else None
    base = set(served_scans(school.pk, month, cutoff).values_list("pupil_id", "day", "meal_type"))
    marks, added, removed = apply_amendments(base, amendment_rows(submission))  # type: ignore[arg-type]  # served scans have a pupil and a day

    # The list of the month: every pupil whose voucher was ever usable, fed or not.
    roster: dict[str, set[int]] = defaultdict(set)
    snapshot: dict[int, tuple[int, str]] = {}
    vouchers = (
        Voucher.objects.filter(school=school, month=month)
        .exclude(status=Voucher.Status.FORMED)
        .values_list("pupil_id", "meal_type", "entry__grade", "entry__class_label")
    )
    for pid, meal_type, grade, label in vouchers:
        roster[meal_type].add(pid)
        if grade is not None and label:
            snapshot[pid] = (grade, label)
    for pid, _d, meal_type in marks | removed:
        roster[meal_type].add(pid)
    pupil_ids = set().union(*roster.values()) if roster else set()
    pupils = {
        p["id"]: p
        for p in Pupil.objects.filter(id__in=pupil_ids).values(
            "id", "surname", "name", "school_class__grade", "school_class__letter"
        )
    }
    days = [d for d, _n in summary.days]
    day_index = {d: i for i, d in enumerate(days)}

    sheets = []
    groups: dict[tuple[tuple[int, str], str], list[int]] = defaultdict(list)
    for meal_type, eaters in roster.items():
        for pid in eaters:
            if pid in pupils:
                groups[(_class_of(pupils, snapshot, pid), meal_type)].append(pid)
    for ((grade, label), meal_type), ids in sorted(
        groups.items(), key=lambda g: (g[0][0], meal_order(g[0][1]))
    ):
        rows = []
        for pid in sorted(ids, key=lambda i: (pupils[i]["surname"], pupils[i]["name"], i)):
            row_marks = [False] * len(days)
            amended = [""] * len(days)
            for d, i in day_index.items():
                key = (pid, d, meal_type)
                row_marks[i] = key in marks
                if key in added:
                    amended[i] = "add"
                elif key in removed:
                    amended[i] = "remove"
            rows.append(
                TabelRow(pid, pupils[pid]["surname"], pupils[pid]["name"], row_marks, amended)
            )
        day_totals = [sum(r.marks[i] for r in rows) for i in range(len(days))]
        sheets.append(TabelSheet(grade, label, meal_type, meal_label(meal_type), rows, day_totals))
    return Tabel(summary=summary, days=days, sheets=sheets)
