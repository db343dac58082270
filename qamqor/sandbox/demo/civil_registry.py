"""The civil registry (АХАЖ) the sandbox reads: one row per pupil of the demo, by IIN.

Pure Python, deterministic (from `generate(2026)`):
`python -m qamqor.sandbox.demo.civil_registry` writes `qamqor/sandbox/data/civil_registry.csv`,
which is committed and ships with the demo.

Columns: iin, birth_record (1/0), born_abroad (1/0), birth_country, marriage
(registered | missing | none). Most children were born in Kazakhstan and registered; so that
the demo shows seed 001's conditional documents, a few are not:
- five children whose birth the registry has no record of (registered before digitisation);
- four children born abroad (Uzbekistan, Kyrgyzstan, Russia): registered, but the family still
  brings the birth certificate;
- the parents of six families married abroad: the registry has no record of the marriage.
Families with one guardian have no marriage to prove ("none"). The demo personas' families
keep full records, so their checklists stay short.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from qamqor.sandbox.demo.csvfiles import csv_text, write_file
from qamqor.sandbox.demo.records import DemoData, Pupil

SEED = 2026
PATH = Path(__file__).resolve().parents[1] / "data" / "civil_registry.csv"
COLUMNS = ("iin", "birth_record", "born_abroad", "birth_country", "marriage")
NO_RECORD = 5
BORN_ABROAD = 4
MARRIED_ABROAD = 6
COUNTRIES = ("UZ", "KG", "RU")


def exceptions(data: DemoData) -> dict[str, set[str]]:
    """Pupil keys without a birth record, born abroad; family keys married abroad."""
    rng = random.Random(SEED)
    persona_guardians = {p.guardian_key for p in data.personas if p.guardian_key}
    persona_families = {g.family_key for g in data.guardians if g.key in persona_guardians}
    pupils = sorted(
        (p for p in data.pupils if p.family_key not in persona_families), key=lambda p: p.key
    )
    chosen = rng.sample(pupils, NO_RECORD + BORN_ABROAD)
    couples = sorted(
        {f for f, n in _guardians_per_family(data).items() if n >= 2} - persona_families
    )
    return {
        "no_record": {p.key for p in chosen[:NO_RECORD]},
        "born_abroad": {p.key for p in chosen[NO_RECORD:]},
        "married_abroad": set(rng.sample(couples, MARRIED_ABROAD)),
    }


def _guardians_per_family(data: DemoData) -> dict[str, int]:
    counts: dict[str, int] = {}
    for g in data.guardians:
        if g.relation in {"mother", "father"}:
            counts[g.family_key] = counts.get(g.family_key, 0) + 1
    return counts


def _row(p: Pupil, odd: dict[str, set[str]], couples: dict[str, int], n: int) -> dict[str, str]:
    abroad = p.key in odd["born_abroad"]
    if p.family_key in odd["married_abroad"]:
        marriage = "missing"
    elif couples.get(p.family_key, 0) >= 2:
        marriage = "registered"
    else:
        marriage = "none"
    return {
        "iin": p.iin,
        "birth_record": "0" if p.key in odd["no_record"] else "1",
        "born_abroad": "1" if abroad else "0",
        "birth_country": COUNTRIES[n % len(COUNTRIES)] if abroad else "KZ",
        "marriage": marriage,
    }


def rows(data: DemoData) -> list[dict[str, str]]:
    odd = exceptions(data)
    couples = _guardians_per_family(data)
    abroad_order = {k: i for i, k in enumerate(sorted(odd["born_abroad"]))}
    return [
        _row(p, odd, couples, abroad_order.get(p.key, 0))
        for p in sorted(data.pupils, key=lambda p: p.iin)
    ]


def render(data: DemoData) -> str:
    return csv_text(COLUMNS, rows(data))


if __name__ == "__main__":
    sys.stdout.write(f"{write_file(PATH, render, SEED)}\n")
