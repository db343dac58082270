"""The `--date YYYY-MM-DD` option of the periodic commands (cron runs them; a person reruns a
past day by naming it)."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from django.core.management.base import CommandError

from qamqor.core.clock import today


def add_date_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", help="the day (YYYY-MM-DD); default today")


def date_option(options: dict[str, Any]) -> dt.date:
    """The day named by --date, or today."""
    raw = options["date"]
    if not raw:
        return today()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise CommandError(f"not a date: {raw!r}") from exc
