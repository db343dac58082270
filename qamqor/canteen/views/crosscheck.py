"""The daily cross-check of entries against meals served, per class, for the pedagogue."""

from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from qamqor.accounts.access import get_scope
from qamqor.accounts.types import AuthedRequest
from qamqor.audit.services import record

from ..models import CROSSCHECK_READERS, CROSSCHECK_WRITERS, CrossCheck
from ..services.crosscheck import run_crosscheck
from .common import day_from, schools_for


@login_required
@require_GET
def crosscheck(request: AuthedRequest) -> HttpResponse:
    school, schools = schools_for(request, CROSSCHECK_READERS)
    day = day_from(request)
    check = CrossCheck.objects.filter(school=school, day=day).first()
    groups = []
    if check is not None:
        rows = check.mismatches.select_related("pupil", "school_class").order_by(
            "school_class__grade", "school_class__letter", "kind", "pupil__surname", "pupil__name"
        )
        for klass, group in groupby(rows, key=lambda m: m.school_class):
            items = list(group)
            groups.append(
                {
                    "klass": klass,
                    "not_served": [m for m in items if m.kind == "not_served"],
                    "not_entered": [m for m in items if m.kind == "not_entered"],
                }
            )
        record(request.user, "view", check, fields=["mismatches"], label=f"{day}")
    return render(
        request,
        "canteen/sittings/crosscheck.html",
        {
            "school": school,
            "schools": schools,
            "day": day,
            "check": check,
            "groups": groups,
            "can_run": get_scope(request.user).has_role(school.pk, *CROSSCHECK_WRITERS),
        },
    )


@login_required
@require_POST
def crosscheck_run(request: AuthedRequest) -> HttpResponse:
    school, _schools = schools_for(request, CROSSCHECK_WRITERS)
    day = day_from(request)
    check = run_crosscheck(school.pk, day, user=request.user)
    messages.success(
        request,
        _("Checked: %(n)s differences.") % {"n": check.mismatches.count()},
    )
    return redirect(f"{reverse('canteen:crosscheck')}?school={school.pk}&day={day}")
