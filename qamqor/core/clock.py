"""The one clock seam: every rule asks here for "now", and tests move it with time-machine."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()


def today() -> dt.date:
    """Today's date in Asia/Almaty (the project's time zone)."""
    return timezone.localdate(now())


# No place on Earth is more than 14 hours from UTC; PostgreSQL refuses offsets past ±15:59.
MAX_UTC_OFFSET = dt.timedelta(hours=14)


def storable(moment: dt.datetime) -> dt.datetime:
    """A time received from outside, as UTC when it has an offset (a naive one is left to be
    read as Asia/Almaty); ValueError for an offset no time zone has, or a time that cannot
    be told in UTC (year 1 with a positive offset)."""
    if moment.tzinfo is None:
        return moment
    offset = moment.utcoffset()
    if offset is None or abs(offset) > MAX_UTC_OFFSET:
        raise ValueError("the UTC offset must be within ±14:00")
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError as exc:
        raise ValueError("the time is out of range") from exc
