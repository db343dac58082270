"""Camps, their sessions, and the allocation of vouchers to approved applicants.

The order (docs/applications.md): approved camp-voucher applications of the camp's school;
children with a support category confirmed in the registry on the session's first day come
first, then the others; within each group, by the time the application was received (then
its number). A child holds at most one voucher per summer (calendar year).

`allocate_camp_places` is idempotent: vouchers already issued are kept (a family told it has a
place keeps it, even if a child with a category applies later); free places go down the order;
everyone else is on the waiting list, numbered in that order. Run it twice and nothing changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from qamqor.accounts.types import User
from qamqor.audit.services import record, record_many
from qamqor.core.clock import now
from qamqor.eligibility.models import Category, CategoryAssignment
from qamqor.registry.models import School

from ..models import Application, Camp, CampPlace, CampSession, Service
from .applications import ApplicationError

Place = CampPlace.Status
CATEGORY_ORDER = {c.value: i for i, c in enumerate(Category)}


@transaction.atomic
def create_camp(user: User, school: School, name: str, kind: str, address: str = "") -> Camp:
    name = ApplicationError.required(
        name, "camp_name_required", _("Enter the camp's name."), "name"
    )
    if kind not in Camp.Kind.values:
        raise ApplicationError("camp_kind_invalid", _("Choose the kind of camp."), "kind")
    if Camp.objects.filter(school=school, name=name).exists():
        raise ApplicationError(
            "camp_exists", _("The school already has a camp of this name."), "name"
        )
    camp = Camp.objects.create(school=school, name=name[:300], kind=kind, address=address[:300])
    record(user, "create", camp, fields=["name", "kind", "address"])
    return camp


@transaction.atomic
def add_camp_session(
    user: User,
    camp: Camp,
    name: str,
    starts_on: dt.date | None,
    ends_on: dt.date | None,
    places: int,
) -> CampSession:
    name = ApplicationError.required(name, "session_name_required", _("Name the session."), "name")
    if starts_on is None or ends_on is None:
        raise ApplicationError("session_dates_required", _("Enter both dates."), "starts_on")
    if ends_on < starts_on:
        raise ApplicationError(
            "session_dates_invalid", _("The session ends before it begins."), "ends_on"
        )
    if places is None or places < 1:
        raise ApplicationError("session_places_invalid", _("Enter the number of places."), "places")
    session = CampSession.objects.create(
        camp=camp, name=name[:100], starts_on=starts_on, ends_on=ends_on, places=places
    )
    record(user, "create", session, fields=["name", "starts_on", "ends_on", "places"],
           school_id=camp.school_id)  # fmt: skip
    return session


@dataclass(frozen=True)
class Candidate:
    application: Application
    category: str  # confirmed on the session's first day, "" if none

    @property
    def priority(self) -> bool:
        return bool(self.category)

    def key(self) -> tuple:
        return (not self.priority, self.application.received_at, self.application.pk)


def confirmed_categories(pupil_ids: set[int], day: dt.date) -> dict[int, str]:
    """Pupil → the first of the five categories confirmed and valid on `day`."""
    found: dict[int, str] = {}
    rows = CategoryAssignment.objects.filter(
        pupil_id__in=pupil_ids, status=CategoryAssignment.Status.CONFIRMED
    )
    for a in rows:
        if a.is_valid_on(day):
            best = found.get(a.pupil_id)
            if best is None or CATEGORY_ORDER[a.category] < CATEGORY_ORDER[best]:
                found[a.pupil_id] = a.category
    return found


def candidates(session: CampSession) -> list[Candidate]:
    """Approved camp-voucher applicants of the school not placed in another session this year."""
    placed_elsewhere = CampPlace.objects.filter(
        status=Place.PLACED, session__starts_on__year=session.starts_on.year
    ).exclude(session=session)
    apps = list(
        Application.objects.filter(
            school_id=session.camp.school_id,
            service=Service.CAMP_VOUCHER,
            status=Application.Status.APPROVED,
        )
        .exclude(pk__in=placed_elsewhere.values("application_id"))
        .select_related("pupil")
    )
    categories = confirmed_categories({a.pupil_id for a in apps}, session.starts_on)
    return sorted((Candidate(a, categories.get(a.pupil_id, "")) for a in apps), key=Candidate.key)


@dataclass(frozen=True)
class AllocationResult:
    placed_now: int
    placed_total: int
    waiting: int
    free: int


@transaction.atomic
def allocate_camp_places(user: User, session: CampSession) -> AllocationResult:
    session = CampSession.objects.select_for_update().select_related("camp").get(pk=session.pk)
    existing = {p.application_id: p for p in session.allocations.all()}
    placed = [p for p in existing.values() if p.status == Place.PLACED]
    free = max(0, session.places - len(placed))
    order = [c for c in candidates(session) if c.application.pk not in
             {p.application_id for p in existing.values() if p.status != Place.WAITING}]  # fmt: skip
    moment = now()
    number = _next_voucher_number(session)
    new_placed = 0
    waiting_position = 0
    wanted: set[int] = set()
    for candidate in order:
        app_id = candidate.application.pk
        wanted.add(app_id)
        row = existing.get(app_id) or CampPlace(session=session, application=candidate.application)
        fields = {"priority": candidate.priority, "priority_category": candidate.category}
        if free > 0:
            free -= 1
            new_placed += 1
            fields |= {
                "status": Place.PLACED,
                "position": len(placed) + new_placed,
                "voucher_number": f"{session.pk}-{number:03d}",
                "placed_at": moment,
            }
            number += 1
        else:
            waiting_position += 1
            fields |= {"status": Place.WAITING, "position": waiting_position}
        if row.pk is None or any(getattr(row, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(row, k, v)
            row.save()
    # No longer a candidate (placed in another session, application withdrawn): off the list.
    stale = [
        p.pk
        for p in existing.values()
        if p.status == Place.WAITING and p.application_id not in wanted
    ]
    CampPlace.objects.filter(pk__in=stale).delete()
    if new_placed or stale or session.allocated_at is None:
        session.allocated_at = moment
        session.save(update_fields=["allocated_at"])
        record_many(user, "update", "applications.campplace", session.camp.school_id, new_placed,
                    label=str(session))  # fmt: skip
    return AllocationResult(
        placed_now=new_placed,
        placed_total=len(placed) + new_placed,
        waiting=waiting_position,
        free=free,
    )


def _next_voucher_number(session: CampSession) -> int:
    numbers = session.allocations.exclude(voucher_number="").values_list(
        "voucher_number", flat=True
    )
    used = [int(n.rsplit("-", 1)[1]) for n in numbers if n.rsplit("-", 1)[-1].isdigit()]
    return max(used, default=0) + 1


@transaction.atomic
def release_camp_place(user: User, place: CampPlace, reason: str) -> CampPlace:
    """The family gives the voucher up; the next allocation offers the place down the list."""
    place = CampPlace.objects.select_for_update().get(pk=place.pk)
    reason = (reason or "").strip()
    if place.status != Place.PLACED:
        raise ApplicationError("place_not_held", _("Only an issued voucher can be given up."))
    if not reason:
        raise ApplicationError("reason_required", _("Write why the place is given up."), "reason")
    place.status = Place.RELEASED
    place.released_reason = reason
    place.save(update_fields=["status", "released_reason"])
    record(user, "update", place, fields=["status", "released_reason"],
           school_id=place.session.camp.school_id)  # fmt: skip
    return place


__all__ = [
    "AllocationResult",
    "Candidate",
    "add_camp_session",
    "allocate_camp_places",
    "candidates",
    "confirmed_categories",
    "create_camp",
    "release_camp_place",
]
