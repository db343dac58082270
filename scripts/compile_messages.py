"""Compile every .po under qamqor/ to .mo with polib: no system gettext needed on a fresh machine."""

from __future__ import annotations

import sys
from pathlib import Path

import polib


def main() -> int:
    root = Path(__file__).resolve().parents[1] / "qamqor"
    count = 0
    for po_path in root.rglob("locale/*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        count += 1
    print(f"compiled {count} translation catalogue(s)")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
