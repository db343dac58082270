"""The sittings plan (seed 000: 1,200 seats for 4,600 pupils): on screen, printable (a print
stylesheet) and as a PDF (WeasyPrint); and the canteen's settings that it is made from."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from qamqor.accounts.access import get_scope
from qamqor.accounts.types import AuthedRequest
from qamqor.core.clock import now, today
from qamqor.meals.exports import render_pdf

from ..forms import CanteenSettingsForm
from ..models import SETTINGS_WRITERS, TV_VIEWERS
from ..services.board import universal_grades
from ..services.canteen import canteen_of, save_settings
from ..services.sittings import plan_for
from .common import schools_for


def _context(request: HttpRequest) -> dict:
    school, schools = schools_for(request, TV_VIEWERS)
    canteen = canteen_of(school.pk)
    day = today()
    plan = plan_for(canteen, day)
    low, high = universal_grades(school.pk, day)
    current, is_now = plan.current(timezone.localtime(now()).time())
    shifts: dict[int, list] = {}
    for seating in plan.seatings:
        shifts.setdefault(seating.sitting.shift, []).append(seating)
    return {
        "school": school,
        "schools": schools,
        "canteen": canteen,
        "plan": plan,
        "shifts": sorted(shifts.items()),
        "current": current if is_now else None,
        "day": day,
        "month": date_format(day, "F Y"),
        "can_edit": get_scope(request.user).has_role(school.pk, *SETTINGS_WRITERS),
        # In grades 5–11 a class's free eaters are its pupils with a category: their number
        # per class is for those who may see categories; the others see the class only.
        "all_counts": get_scope(request.user).can_see_categories(school.pk),
        "low": low,
        "high": high,
    }


@login_required
@require_GET
def plan(request: AuthedRequest) -> HttpResponse:
    return render(request, "canteen/sittings/plan.html", _context(request))


@login_required
@require_GET
def plan_print(request: AuthedRequest) -> HttpResponse:
    return render(request, "canteen/sittings/print.html", _context(request))


@login_required
@require_GET
def plan_pdf(request: AuthedRequest) -> HttpResponse:
    context = _context(request)
    pdf = render_pdf("canteen/sittings/pdf.html", context)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"sittings-{context['school'].pk}-{context['day']:%Y-%m}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: AuthedRequest) -> HttpResponse:
    school, schools = schools_for(request, SETTINGS_WRITERS)
    canteen = canteen_of(school.pk)
    if request.method == "POST":
        form = CanteenSettingsForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            save_settings(
                request.user,
                school.pk,
                seats=data["seats"],
                paying_percent=data["paying_percent"],
                breaks={"1": data["shift1"], "2": data["shift2"]},
            )
            messages.success(request, _("The canteen's settings are saved."))
            return redirect(f"{request.path}?school={school.pk}")
        status = 422
    else:
        form = CanteenSettingsForm(
            initial={
                "seats": canteen.seats,
                "paying_percent": canteen.paying_percent,
                "shift1": "\n".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in canteen.breaks_of(1)),
                "shift2": "\n".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in canteen.breaks_of(2)),
            }
        )
        status = 200
    return render(
        request,
        "canteen/sittings/settings.html",
        {"school": school, "schools": schools, "form": form},
        status=status,
    )
