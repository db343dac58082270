"""The `--date YYYY-MM-DD` option of the periodic commands (cron runs them; a person reruns a
past day by naming it)."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from qamqor.core.clock import today


def iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date: {value!r} (YYYY-MM-DD)") from exc


def add_date_argument(
    parser: argparse.ArgumentParser, help: str = "the day (YYYY-MM-DD); default today"
) -> None:
    parser.add_argument("--date", type=iso_date, help=help)


def date_option(options: dict[str, Any], default: dt.date | None = None) -> dt.date:
    """The day named by --date, else `default`, else today."""
    return options["date"] or default or today()
