"""The canteen's settings row: seats, break times per shift, the paying share."""

from __future__ import annotations

from django.db import transaction

from qamqor.accounts.types import User
from qamqor.audit.services import record

from ..models import Canteen


def canteen_of(school_id: int) -> Canteen:
    """The school's canteen settings, made with the defaults (1,200 seats) on first use."""
    canteen, _created = Canteen.objects.get_or_create(school_id=school_id)
    return canteen


@transaction.atomic
def save_settings(
    user: User, school_id: int, *, seats: int, paying_percent: int, breaks: dict[str, list[str]]
) -> Canteen:
    canteen = Canteen.objects.select_for_update().get(pk=canteen_of(school_id).pk)
    canteen.seats = seats
    canteen.paying_percent = paying_percent
    canteen.breaks = {shift: list(times) for shift, times in breaks.items()}
    canteen.save(update_fields=["seats", "paying_percent", "breaks"])
    record(user, "update", canteen, fields=["seats", "paying_percent", "breaks"])
    from .board import forget

    transaction.on_commit(forget)  # the door TV's cached plan
    return canteen
