"""The working-day calendar with the decree-moved days from the database.

`workcal.WorkCalendar` is the pure rule; this module feeds it the editable `DayOverride`
table and caches the result per process until an override changes.
"""

from __future__ import annotations

import datetime as dt

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import DayOverride
from .workcal import WorkCalendar

_cached: WorkCalendar | None = None


def get_calendar() -> WorkCalendar:
    global _cached
    if _cached is None:
        days_off: set[dt.date] = set()
        working: set[dt.date] = set()
        for day, kind in DayOverride.objects.values_list("date", "kind"):
            (days_off if kind == DayOverride.Kind.DAY_OFF else working).add(day)
        _cached = WorkCalendar(days_off=days_off, working_days=working)
    return _cached


def reset_calendar(**_kwargs: object) -> None:
    global _cached
    _cached = None


@receiver(post_save, sender=DayOverride)
@receiver(post_delete, sender=DayOverride)
def _override_changed(**kwargs: object) -> None:
    reset_calendar()


def add_working_days(start: dt.date, n: int) -> dt.date:
    return get_calendar().add_working_days(start, n)


def due_date(received: dt.datetime, working_days: int) -> tuple[dt.date, dt.date]:
    """(counted_from, due) for an application received at `received`."""
    return get_calendar().due_date(received, working_days)
