"""The registry files the sandbox reads (data/*.csv): made from the demo, committed, shipped."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from qamqor.sandbox.demo.generate import generate
from qamqor.sandbox.demo.records import DemoData


def csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def write_file(path: Path, render: Callable[[DemoData], str], seed: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(generate(seed)), encoding="utf-8")
    return path
