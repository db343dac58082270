"""The sandbox stand-in for the civil registry (АХАЖ): answers from `data/civil_registry.csv`.

The file is made by `demo/civil_registry.py` from the demo school (another file through
`settings.QAMQOR_SANDBOX_CIVIL_REGISTRY`). Columns: iin, birth_record (1/0), born_abroad (1/0),
birth_country, marriage (registered | missing | none). An IIN not in the file has no record,
as for a child the real registry does not know.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from qamqor.applications.civil import CivilRecord, CivilRegistryUnavailable, unknown

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "civil_registry.csv"


@lru_cache(maxsize=4)
def _load(path: str, stamp: tuple[int, int]) -> dict[str, CivilRecord]:
    """The file by IIN, read once per process and again when it changes (mtime, size)."""
    with open(path, encoding="utf-8", newline="") as fh:
        return {
            row["iin"]: CivilRecord(
                iin=row["iin"],
                birth_record=row["birth_record"] == "1",
                born_abroad=row["born_abroad"] == "1",
                marriage=row.get("marriage") or "registered",
            )
            for row in csv.DictReader(fh)
        }


class SandboxCivilRegistry:
    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(
            path or getattr(settings, "QAMQOR_SANDBOX_CIVIL_REGISTRY", None) or DEFAULT_PATH
        )

    def lookup(self, iin: str) -> CivilRecord:
        try:
            stat = self.path.stat()
        except OSError as exc:
            raise CivilRegistryUnavailable(str(self.path.name)) from exc
        records = _load(str(self.path), (stat.st_mtime_ns, stat.st_size))
        return records.get(iin) or unknown(iin)
