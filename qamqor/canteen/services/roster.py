"""The offline scanner's server side: the day's roster for a terminal, and terminal tokens.

Seed 004: "if the business wallet has no internet, the data are stored and sent later". The
scanner (static/canteen/scan/) decides offline from what it downloaded in the morning: the
school's public keys (meals' JWKS) and this roster. The roster says only what a canteen may
show or needs for the one-meal-a-day rule: voucher id, first name and surname initial, class,
meal type, and whether that meal was already served that day. Never an IIN, never a category
(the basis of a pupil's entitlement is not a canteen's business).

The scans themselves are `meals.Redemption` rows written by the redemption API.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from qamqor.accounts.models import TERMINAL_TOKEN_DAYS, Membership, Role, User
from qamqor.accounts.tokens import issue_token
from qamqor.audit.services import record
from qamqor.meals.models import MealDay, Programme, Redemption, Voucher, first_of_month

# A terminal may ask for the coming day's roster the evening before, and for the last week's
# (the redemption API accepts scans up to 7 days old).
ROSTER_PAST = dt.timedelta(days=7)
ROSTER_FUTURE = dt.timedelta(days=1)
TERMINAL_LABEL = "scanner: "  # ApiToken.label prefix: the operator's page lists them by it


@dataclass(frozen=True, slots=True)
class RosterEntry:
    voucher: int
    pupil: str  # first name and surname initial
    klass: str
    meal_type: str
    served: bool  # this meal already served on the roster's day (any terminal)


@dataclass(frozen=True, slots=True)
class Roster:
    school_id: int
    day: dt.date
    meal_day: bool
    # False when another operator runs the school's programme that month: the redemption
    # API would answer wrong_school to every scan of this terminal.
    operator_serves: bool
    entries: list[RosterEntry]


def roster_day_allowed(day: dt.date, today: dt.date) -> bool:
    return today - ROSTER_PAST <= day <= today + ROSTER_FUTURE


def canteen_bin(user: User, school_id: int) -> str | None:
    """The operator BIN of the user's canteen membership at the school, or None when the
    user is not a canteen operator there."""
    bins = list(
        Membership.objects.filter(user=user, school_id=school_id, role=Role.CANTEEN).values_list(
            "organisation_bin", flat=True
        )
    )
    return (bins[0] or "").strip() if bins else None


def build_roster(school_id: int, day: dt.date, operator_bin: str) -> Roster:
    """The vouchers that can be served at the school on `day`, with what the screen shows.
    Three queries whatever the school's size."""
    month = first_of_month(day)
    programme = (
        Programme.objects.filter(school_id=school_id, month=month)
        .select_related("operator")
        .first()
    )
    meal_day = (
        programme is not None and MealDay.objects.filter(programme=programme, date=day).exists()
    )
    # As the redemption service's _usable(): active, or expired after its month was served.
    usable = Q(status=Voucher.Status.ACTIVE) | Q(
        status=Voucher.Status.EXPIRED, activated_at__isnull=False
    )
    rows = (
        Voucher.objects.filter(usable, school_id=school_id, month=month)
        .order_by("pupil__school_class__grade", "pupil__school_class__letter", "pupil__name", "id")
        .values_list(
            "id",
            "meal_type",
            "pupil__name",
            "pupil__surname",
            "pupil__school_class__grade",
            "pupil__school_class__letter",
        )
    )
    served = set(
        Redemption.objects.filter(
            school_id=school_id, day=day, status=Redemption.Status.SERVED
        ).values_list("voucher_id", flat=True)
    )
    entries = [
        RosterEntry(
            voucher=vid,
            pupil=f"{name} {surname[:1]}." if surname else name,
            klass=f"{grade}{letter}" if grade is not None else "",
            meal_type=meal_type,
            served=vid in served,
        )
        for vid, meal_type, name, surname, grade, letter in rows
    ]
    return Roster(
        school_id=school_id,
        day=day,
        meal_day=meal_day,
        operator_serves=programme is not None and programme.operator.bin == operator_bin,
        entries=entries,
    )


def record_roster_download(user: User, roster: Roster) -> None:
    # Names and classes of a whole school leave the server: one audit row per download.
    record(
        user,
        "view",
        object_type="canteen.roster",
        object_id=roster.day.isoformat(),
        school_id=roster.school_id,
        label=f"{len(roster.entries)}",
        fields=["pupil.name", "pupil.surname_initial", "pupil.school_class", "voucher"],
    )


def operator_schools(user: User) -> list[int]:
    """The schools where the user is a canteen operator."""
    return sorted(
        Membership.objects.filter(
            user=user, role=Role.CANTEEN, school_id__isnull=False
        ).values_list("school_id", flat=True)
    )


@transaction.atomic
def issue_terminal_token(user: User, terminal: str) -> str:
    """A Bearer token for this device's scanner, bound (through the user's canteen
    memberships) to the operator and its schools. Shown once; the device keeps it."""
    name = " ".join(terminal.split())[:60]
    raw = issue_token(user, label=f"{TERMINAL_LABEL}{name}"[:100], days=TERMINAL_TOKEN_DAYS)
    record(user, "create", object_type="accounts.apitoken", label=f"{TERMINAL_LABEL}{name}")
    return raw
