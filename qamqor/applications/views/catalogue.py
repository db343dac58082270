"""The service catalogue: the passport of each service, for any signed-in user (consultations)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from qamqor.accounts.access import get_scope
from qamqor.accounts.types import AuthedRequest

from ..catalogue import HOURS, passport, passports
from ..models import Channel, Service


@login_required
@require_GET
def catalogue(request: AuthedRequest) -> HttpResponse:
    scope = get_scope(request.user)
    return render(
        request,
        "applications/catalogue.html",
        {"passports": passports(), "hours": HOURS, "is_parent": bool(scope.child_ids)},
    )


@login_required
@require_GET
def passport_page(request: AuthedRequest, service: str) -> HttpResponse:
    if service not in Service.values:
        raise Http404
    scope = get_scope(request.user)
    return render(
        request,
        "applications/passport.html",
        {
            "p": passport(service),
            "hours": HOURS,
            "places": [(c.value, c.label) for c in Channel],
            "is_parent": bool(scope.child_ids),
        },
    )
