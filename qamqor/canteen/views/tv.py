"""The door TV (seed 000: it shows the class teacher each child entering and the number of
children) and the class teacher's own view of the class.

The TV page is a full screen of large type, readable from 3 m; its board is a fragment that
htmx polls every 2 seconds (`hx-trigger="every 2s"`, no inline script). A TV is a device
signed in as the canteen operator. What it shows, and why no category can be read from it:
`services.board`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from qamqor.accounts.access import get_for_user, get_pupil_for_user, get_scope
from qamqor.accounts.types import AuthedRequest
from qamqor.audit.services import record
from qamqor.core.clock import now, today
from qamqor.registry.models import SchoolClass

from ..models import CLASS_READERS, ENTRY_RECORDERS, TV_VIEWERS, Entry
from ..services import board as boards
from ..services import entries
from ..services.canteen import canteen_of
from .common import day_from, schools_for

POLL_SECONDS = 2


@login_required
@require_GET
def tv(request: AuthedRequest) -> HttpResponse:
    school, schools = schools_for(request, TV_VIEWERS)
    canteen = canteen_of(school.pk)
    # Short names of children on a screen: recorded once per page load (not per poll).
    record(request.user, "view", object_type="canteen.tv", school_id=school.pk,
           label=str(school), fields=["entries"])  # fmt: skip
    return render(
        request,
        "canteen/tv/tv.html",
        {
            "school": school,
            "schools": schools,
            "board": boards.board(canteen, now()),
            "poll": POLL_SECONDS,
        },
    )


@never_cache
@login_required
@require_GET
def tv_board(request: AuthedRequest) -> HttpResponse:
    school, _schools = schools_for(request, TV_VIEWERS)
    board = boards.board(canteen_of(school.pk), now())
    return render(request, "canteen/tv/_board.html", {"school": school, "board": board})


def _class_for(request: HttpRequest, pk: int) -> SchoolClass:
    klass = get_for_user(request.user, SchoolClass, pk)
    scope = get_scope(request.user)
    if klass.pk not in scope.class_ids and not scope.has_role(klass.school_id, *CLASS_READERS):
        raise Http404
    return klass


@login_required
@require_GET
def class_view(request: AuthedRequest, pk: int) -> HttpResponse:
    """The class teacher's page: who entered today, who not yet (it refreshes itself)."""
    klass = _class_for(request, pk)
    day = day_from(request)
    data = boards.class_day(klass, day)
    record(request.user, "view", klass, fields=["entries"], label=str(klass))
    scope = get_scope(request.user)
    can_mark = day == today() and (
        klass.pk in scope.class_ids or scope.has_role(klass.school_id, *ENTRY_RECORDERS)
    )
    template = "canteen/tv/_class.html" if request.htmx else "canteen/tv/class.html"
    return render(
        request,
        template,
        {"data": data, "klass": klass, "can_mark": can_mark, "is_today": day == today()},
    )


@login_required
@require_POST
def class_mark(request: AuthedRequest, pk: int) -> HttpResponse:
    """Mark a pupil of the class as entered by hand (no Face ID, or not recognised)."""
    klass = _class_for(request, pk)
    scope = get_scope(request.user)
    if klass.pk not in scope.class_ids and not scope.has_role(klass.school_id, *ENTRY_RECORDERS):
        raise Http404
    if not (request.POST.get("pupil") or "").isdigit():
        messages.error(request, _("Choose a pupil."))
        return redirect("canteen:class_view", klass.pk)
    pupil = get_pupil_for_user(request.user, request.POST["pupil"])
    if pupil.school_class_id != klass.pk:
        raise Http404
    try:
        outcome = entries.record_entry(
            pupil, now(), source=Entry.Source.MANUAL, terminal="", user=request.user
        )
    except entries.EntryError as exc:
        messages.error(request, exc.message)
    else:
        if outcome.created:
            record(request.user, "create", outcome.entry, fields=["entry"], label=pupil.short_name)
            messages.success(
                request, _("%(name)s is marked as entered.") % {"name": pupil.short_name}
            )
        else:
            messages.info(request, _("%(name)s had already entered.") % {"name": pupil.short_name})
    return redirect("canteen:class_view", klass.pk)
