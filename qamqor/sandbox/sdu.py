"""The sandbox stand-in for SDU, the state's matching and verification service.

It answers from a state-registry file (`data/state_registry.csv`, made by
`demo/state_registry.py`; another file through `settings.QAMQOR_SANDBOX_STATE_REGISTRY`) with
the rules a real SDU applies to the free-meal list (seed 004 step 2):
- every pupil is matched: the IIN is known, the person alive, the birth date and surname agree;
- a pupil fed as АӘК needs an АӘК period that overlaps the month;
- an orphan needs a guardianship or patronage record.
The other categories (below the subsistence minimum, emergency, other) are decided by the
school and its board of trustees: the state has nothing more to check than the match.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from qamqor.meals.services.verification import Result, Subject

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "state_registry.csv"


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@lru_cache(maxsize=4)
def _load(path: str, stamp: tuple[int, int]) -> dict[str, dict[str, str]]:
    """The file by IIN, read once per process and again when it changes (mtime, size)."""
    with open(path, encoding="utf-8", newline="") as fh:
        return {row["iin"]: row for row in csv.DictReader(fh)}


def forget_registry() -> None:
    _load.cache_clear()


class SandboxSdu:
    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(
            path or getattr(settings, "QAMQOR_SANDBOX_STATE_REGISTRY", None) or DEFAULT_PATH
        )

    def _registry(self) -> dict[str, dict[str, str]]:
        stat = self.path.stat()
        return _load(str(self.path), (stat.st_mtime_ns, stat.st_size))

    def verify(self, subjects: Sequence[Subject]) -> list[Result]:
        registry = self._registry()
        return [self.check(s, registry.get(s.iin)) for s in subjects]

    @staticmethod
    def check(s: Subject, row: dict[str, str] | None) -> Result:
        if row is None:
            return Result(s.iin, False, "iin_unknown")
        status = row.get("civil_status") or "unknown"
        if status == "deceased":
            return Result(s.iin, False, "deceased")
        if status != "alive":
            return Result(s.iin, False, "civil_status_unknown", status)
        born = _date(row.get("birth_date", ""))
        same_name = (row.get("surname") or "").casefold() == s.surname.strip().casefold()
        if born != s.birth_date or not same_name:
            return Result(s.iin, False, "data_mismatch", f"{row.get('birth_date')}")
        if s.basis == "asp":
            start, end = _date(row.get("asp_from", "")), _date(row.get("asp_to", ""))
            overlaps = start is not None and start <= s.month_last
            overlaps = overlaps and (end is None or end >= s.month_first)
            if not overlaps:
                period = f"АӘК {start or '—'} – {end or '—'}" if start else "АӘК —"
                return Result(s.iin, False, "asp_not_valid", period)
        if s.basis == "orphans" and not row.get("guardianship_number"):
            return Result(s.iin, False, "guardianship_missing")
        return Result(s.iin, True)
