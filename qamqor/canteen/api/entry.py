"""Entry events from third-party terminals: `POST /api/v1/canteen/entries`.

A school may have a Face-ID terminal of its own make; it posts the entry it recognised with
the pupil's opaque reference (`meals.PupilRef.ref`, the `sub` of the meal QR — never the
IIN). Terminals authenticate like the meal scanners: a canteen operator's Bearer token
(`meals.canteen_auth`), bound to the operator's schools.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from qamqor.core.api import Moment
from qamqor.meals.canteen_auth import CanteenBearer

from ..services import entries

router = Router(tags=["canteen"], auth=CanteenBearer())


class EntryIn(Schema):
    pupil_ref: uuid.UUID = Field(description="The pupil's opaque reference (not the IIN).")
    terminal: str = Field("", max_length=100, description="The terminal's name.")
    at: Moment = Field(description="When the pupil entered; without an offset, Almaty time.")


class EntryOut(Schema):
    status: str = Field(description="entered, or already (an earlier entry today counts)")
    pupil: str = Field(description="First name and surname initial.")
    class_: str = Field(alias="class")
    at: dt.datetime = Field(description="The entry that counts (the first of the day).")


class EntryErrorOut(Schema):
    code: str = Field(description=", ".join(entries.MESSAGES))
    message: str


@router.post(
    "/canteen/entries",
    response={201: EntryOut, 200: EntryOut, 422: EntryErrorOut},
    summary="Record a pupil entering the canteen",
    by_alias=True,
)
def post_entry(request: HttpRequest, payload: EntryIn):
    """One entry per pupil and day counts: a repeat answers 200 `already` with the first
    entry's time and stores nothing."""
    terminal = request.auth  # type: ignore[attr-defined]  # ninja sets it: the entry Terminal
    outcome = entries.record_terminal_event(
        terminal.schools, payload.pupil_ref, payload.at, payload.terminal
    )
    return Status(201 if outcome.created else 200, outcome.answer())
