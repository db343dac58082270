"""The offline scanner's API: the day's roster, and a terminal token for this device.

Mounted under /api/v1/. The scanner page calls the roster with its terminal token (Bearer,
as the redemption API); a signed-in canteen operator's session works too. Issuing a
terminal token needs the session (and its CSRF header): a token cannot mint tokens.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from qamqor.accounts.api_auth import SessionAuth
from qamqor.accounts.models import User
from qamqor.core.api import ErrorOut, TextIn
from qamqor.core.clock import today
from qamqor.core.errors import ServiceError
from qamqor.meals.canteen_auth import CanteenBearer, Terminal, not_found
from qamqor.registry.models import School

from ..services.roster import (
    build_roster,
    canteen_bin,
    issue_terminal_token,
    operator_schools,
    record_roster_download,
    roster_day_allowed,
)

router = Router(tags=["canteen scanner"])


class RosterEntryOut(Schema):
    voucher: int
    pupil: str = Field(description="First name and surname initial.")
    class_: str = Field(alias="class")
    meal_type: str
    served: bool = Field(description="This meal was already served that day (any terminal).")


class RosterOut(Schema):
    school: int
    date: dt.date
    meal_day: bool = Field(description="Meals are served at the school on this date.")
    operator_serves: bool = Field(
        description="The terminal's operator runs the school's meal programme that month."
    )
    vouchers: list[RosterEntryOut]


class TerminalIn(TextIn):
    terminal: str = Field("", max_length=60, description="A name for this device.")


class TerminalSchoolOut(Schema):
    id: int
    name: str


class TerminalOut(Schema):
    token: str = Field(description="Send as `Authorization: Bearer <token>`; shown once.")
    terminal: str
    schools: list[TerminalSchoolOut]


@router.get(
    "/canteen/roster",
    response=RosterOut,
    auth=[CanteenBearer(), SessionAuth()],
    by_alias=True,
    summary="The day's roster for an offline scanner",
)
def canteen_roster(request: HttpRequest, response: HttpResponse, school: int, date: dt.date):
    """The vouchers that can be served at `school` on `date`: voucher id, first name and
    surname initial, class, meal type and whether it was already served that day; and
    whether `date` is a meal day. Only for a canteen operator of that school."""
    who = request.auth  # type: ignore[attr-defined]  # ninja sets it: a Terminal or a User
    operator_bin: str | None
    if isinstance(who, Terminal):
        if not who.serves(school):
            raise not_found()
        operator_bin, user = who.bin_for(school), User.objects.get(pk=who.user_id)
    else:
        operator_bin, user = canteen_bin(who, school), who
        if operator_bin is None:
            raise not_found()
    if not roster_day_allowed(date, today()):
        raise ServiceError("invalid_date", _("A roster is given for the last 7 days and tomorrow."))
    roster = build_roster(school, date, operator_bin)
    record_roster_download(user, roster)
    # Names of pupils: no shared cache may keep them.
    response["Cache-Control"] = "private, no-store"
    return {
        "school": roster.school_id,
        "date": roster.day,
        "meal_day": roster.meal_day,
        "operator_serves": roster.operator_serves,
        "vouchers": [
            {
                "voucher": e.voucher,
                "pupil": e.pupil,
                "class": e.klass,
                "meal_type": e.meal_type,
                "served": e.served,
            }
            for e in roster.entries
        ],
    }


@router.post(
    "/canteen/terminals",
    response={201: TerminalOut, 404: ErrorOut},
    auth=SessionAuth(),
    summary="A terminal token for this device's scanner",
)
def issue_terminal(request: HttpRequest, payload: TerminalIn):
    """For the signed-in canteen operator: a token the scanner keeps on the device, so that
    its queue can be sent after the session has ended (an offline day, a night)."""
    user = request.auth  # type: ignore[attr-defined]  # ninja sets it: the User
    school_ids = operator_schools(user)
    if not school_ids:
        raise not_found()
    name = " ".join(payload.terminal.split()) or _("Scanner")
    token = issue_terminal_token(user, name)
    schools = School.objects.filter(pk__in=school_ids).order_by("pk")
    return Status(
        201,
        {
            "token": token,
            "terminal": name,
            "schools": [{"id": s.pk, "name": s.name} for s in schools],
        },
    )
