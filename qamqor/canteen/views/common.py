"""Helpers shared by the canteen's entry, TV, sittings and cross-check pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.http import HttpRequest

from qamqor.accounts.access import schools_or_404
from qamqor.core.clock import today
from qamqor.registry.models import School


def schools_for(request: HttpRequest, roles: Iterable[str]) -> tuple[School, list[School]]:
    """The school chosen by `?school=` (or a form's `school`) among the user's schools where
    they hold one of `roles`, else the first; 404 when there is none."""
    schools = schools_or_404(request.user, roles)
    wanted = request.POST.get("school") or request.GET.get("school")
    chosen = next((s for s in schools if str(s.pk) == wanted), schools[0])
    return chosen, schools


def day_from(request: HttpRequest) -> dt.date:
    try:
        day = dt.date.fromisoformat(request.GET.get("day") or request.POST.get("day") or "")
    except ValueError:
        return today()
    return min(day, today())
