"""The state registry the sandbox SDU reads: one row per pupil of the demo, by IIN.

Pure Python, deterministic (from `generate(2026)`): `python -m qamqor.sandbox.demo.state_registry`
writes `qamqor/sandbox/data/state_registry.csv`, which is committed and ships with the demo.

Columns: iin, surname, birth_date, civil_status (alive | deceased | unknown), asp_from, asp_to
(the АӘК period, empty when none), guardianship_number, guardianship_from (the guardianship or
patronage decision, empty when none).

The registry agrees with the school except where the demo should show verification failures
coming back to the pedagogue (seed 004 step 2: "pupils who fail are returned to НОБД"):
- two АӘК pupils of grades 5–11 whose АӘК ended on the last day of the month before DEMO_TODAY's
  (the school still records the category as valid);
- one pupil of grades 1–4 whose IIN the registry does not know (a typo in НОБД, say);
- one orphan of grades 5–11 whose guardianship record is missing.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from qamqor.sandbox.demo.csvfiles import csv_text, write_file
from qamqor.sandbox.demo.generate import SCHOOL_YEAR
from qamqor.sandbox.demo.records import DemoData, Pupil

SEED = 2026
PATH = Path(__file__).resolve().parents[1] / "data" / "state_registry.csv"
COLUMNS = (
    "iin",
    "surname",
    "birth_date",
    "civil_status",
    "asp_from",
    "asp_to",
    "guardianship_number",
    "guardianship_from",
)


def _last_month_end(today: dt.date) -> dt.date:
    return today.replace(day=1) - dt.timedelta(days=1)


def failures(data: DemoData) -> dict[str, list[Pupil]]:
    """The pupils of the seed school whose state record disagrees, by kind (see the doc)."""
    confirmed = [c for c in data.categories if c.school_key == "s1" and c.status == "confirmed"]
    by_key = {p.key: p for p in data.pupils}
    senior = [by_key[c.pupil_key] for c in confirmed if by_key[c.pupil_key].grade >= 5]
    asp = sorted({p.key: p for p in senior if _has(data, p, "asp")}.values(), key=lambda p: p.key)
    orphans = sorted(
        {p.key: p for p in senior if _has(data, p, "orphan")}.values(), key=lambda p: p.key
    )
    category_families = {c.family_key for c in data.categories}
    persona_families = {g.family_key for g in data.guardians if _is_persona(data, g.key)}
    ordinary = [
        p
        for p in data.pupils
        if p.school_key == "s1"
        and 1 <= p.grade <= 4
        and p.family_key not in category_families | persona_families
    ]
    # Spread over the school rather than the first rows: the fifth of each kind.
    return {
        "asp_ended": asp[4:6],
        "iin_unknown": sorted(ordinary, key=lambda p: p.key)[4:5],
        "guardianship_missing": orphans[4:5],
    }


def _has(data: DemoData, pupil: Pupil, category: str) -> bool:
    return any(
        c.pupil_key == pupil.key and c.category == category and c.status == "confirmed"
        for c in data.categories
    )


def _is_persona(data: DemoData, guardian_key: str) -> bool:
    return any(p.guardian_key == guardian_key for p in data.personas)


def rows(data: DemoData) -> list[dict[str, str]]:
    odd = failures(data)
    asp_ended = {p.key for p in odd["asp_ended"]}
    unknown = {p.key for p in odd["iin_unknown"]}
    no_guardianship = {p.key for p in odd["guardianship_missing"]}
    ended_on = _last_month_end(data.today)
    categories: dict[str, list] = {}
    for c in data.categories:
        if c.status == "confirmed":
            categories.setdefault(c.pupil_key, []).append(c)
    out = []
    for p in sorted(data.pupils, key=lambda p: p.iin):
        if p.key in unknown:
            continue
        row = dict.fromkeys(COLUMNS, "")
        row |= {
            "iin": p.iin,
            "surname": p.surname,
            "birth_date": p.birth_date.isoformat(),
            "civil_status": "alive",
        }
        for c in categories.get(p.key, []):
            if c.category == "asp":
                # The certificate's date starts the АӘК; it runs to the end of the school year.
                start = c.evidence_date or c.valid_from or SCHOOL_YEAR[0]
                end = ended_on if p.key in asp_ended else SCHOOL_YEAR[1]
                row |= {"asp_from": start.isoformat(), "asp_to": end.isoformat()}
            elif c.category == "orphan" and p.key not in no_guardianship:
                start = c.evidence_date or c.valid_from or SCHOOL_YEAR[0]
                row |= {
                    "guardianship_number": c.evidence_number or "—",
                    "guardianship_from": start.isoformat(),
                }
        out.append(row)
    return out


def render(data: DemoData) -> str:
    return csv_text(COLUMNS, rows(data))


if __name__ == "__main__":
    sys.stdout.write(f"{write_file(PATH, render, SEED)}\n")
