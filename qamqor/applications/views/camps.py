"""Camps, their sessions, and the page that explains who got a voucher and why."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from qamqor.accounts.access import (
    get_for_user,
    get_scope,
    readable_schools,
    school_ids_or_404,
    visible,
)
from qamqor.accounts.models import SCHOOL_WRITERS
from qamqor.accounts.types import AuthedRequest
from qamqor.audit.services import record_many
from qamqor.core.views import act

from .. import services
from ..forms import CampForm, ReleaseForm, SessionForm
from ..models import Application, Camp, CampPlace, CampSession, Service
from ..services.camps import candidates

Place = CampPlace.Status


def _camps_context(request: HttpRequest, **forms: Any) -> dict[str, Any]:
    camps = (
        visible(request.user, Camp)
        .select_related("school")
        .prefetch_related("sessions")
        .order_by("school", "name")
    )
    write_schools = readable_schools(request.user, roles=SCHOOL_WRITERS)
    approved = (
        visible(request.user, Application, staff=True)
        .filter(service=Service.CAMP_VOUCHER, status=Application.Status.APPROVED)
        .count()
    )
    return {
        "camps": camps,
        "can_write": write_schools.exists(),
        "write_schools": write_schools,
        "camp_form": forms.get("camp_form") or CampForm(),
        "session_form": forms.get("session_form") or SessionForm(),
        "session_camp": forms.get("session_camp"),
        "approved": approved,
    }


@login_required
@require_GET
def camps(request: AuthedRequest) -> HttpResponse:
    school_ids_or_404(request.user, Camp)
    return render(request, "applications/camps.html", _camps_context(request))


@login_required
@require_POST
def camp_new(request: AuthedRequest) -> HttpResponse:
    write_schools = readable_schools(request.user, roles=SCHOOL_WRITERS)
    if not write_schools.exists():
        raise Http404
    school = write_schools.filter(pk=request.POST.get("school") or 0).first()
    school = school or write_schools.order_by("pk").first()
    return act(
        request,
        CampForm(request.POST),
        # write_schools exists, so a school is found
        lambda d: services.create_camp(request.user, school, d["name"], d["kind"], d["address"]),  # type: ignore[arg-type]
        success=_("The camp is added."),
        then="applications:camps",
        again=lambda f: render(
            request, "applications/camps.html", _camps_context(request, camp_form=f)
        ),
    )


@login_required
@require_POST
def session_new(request: AuthedRequest, pk: int) -> HttpResponse:
    camp = get_for_user(request.user, Camp, pk, write=True)
    return act(
        request,
        SessionForm(request.POST),
        lambda d: services.add_camp_session(
            request.user, camp, d["name"], d["starts_on"], d["ends_on"], d["places"]
        ),
        success=_("The session is added."),
        then="applications:camps",
        again=lambda f: render(
            request,
            "applications/camps.html",
            _camps_context(request, session_form=f, session_camp=camp),
        ),
    )


def _session(request: HttpRequest, pk: int, write: bool = False) -> CampSession:
    return get_for_user(request.user, CampSession, pk, write, related=["camp", "camp__school"])


def _session_context(request: HttpRequest, session: CampSession, **forms: Any) -> dict[str, Any]:
    rows = list(
        session.allocations.select_related(
            "application", "application__pupil", "application__pupil__school_class"
        ).order_by("status", "position")
    )
    placed = [r for r in rows if r.status == Place.PLACED]
    held = {r.application_id for r in rows}
    # Approved applicants the next allocation would consider but who have no row yet.
    pending = [c for c in candidates(session) if c.application.pk not in held]
    return {
        "session": session,
        "placed": placed,
        "waiting": [r for r in rows if r.status == Place.WAITING],
        "released": [r for r in rows if r.status == Place.RELEASED],
        "pending": pending,
        "free": max(0, session.places - len(placed)),
        "can_write": get_scope(request.user).can_write(session.camp.school_id),
        "release_form": forms.get("release_form") or ReleaseForm(),
        "release_place": forms.get("release_place"),
    }


@login_required
@require_GET
def session_page(request: AuthedRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    context = _session_context(request, session)
    # The page names children and their categories: one audit row for the list.
    record_many(
        request.user,
        "view",
        "applications.campplace",
        session.camp.school_id,
        len(context["placed"]) + len(context["waiting"]),
        label=str(session),
    )
    return render(request, "applications/session.html", context)


@login_required
@require_POST
def allocate(request: AuthedRequest, pk: int) -> HttpResponse:
    session = _session(request, pk, write=True)
    result = services.allocate_camp_places(request.user, session)
    if result.placed_now:
        messages.success(
            request,
            _("%(n)s vouchers issued; %(waiting)s on the waiting list.")
            % {"n": result.placed_now, "waiting": result.waiting},
        )
    else:
        messages.info(
            request,
            _("Nothing changed: no free place or no new applicant (%(waiting)s waiting).")
            % {"waiting": result.waiting},
        )
    return redirect("applications:session", session.pk)


@login_required
@require_POST
def release(request: AuthedRequest, pk: int) -> HttpResponse:
    place = get_for_user(request.user, CampPlace, pk, write=True)
    return act(
        request,
        ReleaseForm(request.POST),
        lambda d: services.release_camp_place(request.user, place, d["reason"]),
        success=_("The place is free; allocate again to offer it."),
        then=reverse("applications:session", args=[place.session_id]),
        again=lambda f: render(
            request,
            "applications/session.html",
            _session_context(
                request, _session(request, place.session_id), release_form=f, release_place=place
            ),
        ),
    )
