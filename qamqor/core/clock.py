"""The one clock seam: every rule asks here for "now", and tests move it with time-machine."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()


def today() -> dt.date:
    """Today's date in Asia/Almaty (the project's time zone)."""
    return timezone.localdate(now())
