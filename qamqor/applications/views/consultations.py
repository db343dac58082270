"""The consultation log: record, search, the monthly summary and its XLSX."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qamqor.accounts.access import get_for_user, get_scope, school_ids_or_404, visible
from qamqor.accounts.types import AuthedRequest
from qamqor.audit.services import record_many, record_read
from qamqor.core.clock import today
from qamqor.core.documents import XLSX_TYPE, attachment
from qamqor.core.views import act, attempt, paginate
from qamqor.registry.models import Family, School

from .. import services
from ..consultation_summary import month_bounds, search, summary, summary_xlsx
from ..forms import ConsultationFilterForm, ConsultationForm, month_start
from ..models import Consultation
from .common import filter_chosen


def _filtered(request: HttpRequest) -> tuple[Any, ConsultationFilterForm, Any]:
    form = ConsultationFilterForm(request.GET or None)
    qs = visible(request.user, Consultation).select_related("family", "by")
    month = month_start(request.GET.get("month"))
    if form.is_valid():
        d = form.cleaned_data
        qs = filter_chosen(search(qs, d["q"]), d, "topic", "service")
        if d["follow_up"]:
            qs = qs.filter(follow_up_on__lte=today(), follow_up_done=False)
    return qs, form, month


@login_required
@require_GET
def log(request: AuthedRequest) -> HttpResponse:
    school_ids_or_404(request.user, Consultation)
    qs, form, month = _filtered(request)
    if request.GET.get("month"):
        start, end = month_bounds(month)
        qs = qs.filter(held_at__gte=start, held_at__lt=end)
    page, query = paginate(request, qs.order_by("-held_at", "-id"))
    due = visible(request.user, Consultation).filter(
        follow_up_on__lte=today(), follow_up_done=False
    )
    record_read(request.user, Consultation, page, request=request)
    return render(
        request,
        "applications/consultations.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "month": month,
            "follow_ups_due": due.count(),
            "can_write": bool(get_scope(request.user).school_ids(write=True)),
            "today": today(),
        },
    )


def _family(request: HttpRequest, who: str) -> Family | None:
    who = (who or "").strip().lstrip("№#")
    if not who.isdigit():
        return None
    families = visible(request.user, Family, write=True)
    if len(who) == 12:
        return families.filter(Q(pupils__iin=who) | Q(guardians__iin=who)).distinct().first()
    return families.filter(pk=int(who)).first()


@login_required
@require_http_methods(["GET", "POST"])
def new(request: AuthedRequest) -> HttpResponse:
    if not get_scope(request.user).school_ids(write=True):
        raise Http404
    if request.method == "GET":
        form = ConsultationForm(initial={k: v for k, v in request.GET.items() if k in {"who"}})
        return render(request, "applications/consultation_form.html", {"form": form})

    def log(d: dict[str, Any]) -> None:
        family = _family(request, d["who"])
        if family is None:
            raise services.ApplicationError(
                "family_unknown", _("No family of your school has this IIN or number."), "who"
            )
        services.log_consultation(
            request.user,
            family,
            topic=d["topic"],
            outcome=d["outcome"],
            held_at=d["held_at"],
            service=d["service"],
            channel=d["channel"],
            notes=d["notes"],
            follow_up_on=d["follow_up_on"],
        )

    return act(
        request,
        ConsultationForm(request.POST),
        log,
        success=_("The consultation is recorded."),
        then="applications:consultations",
        again=lambda f: render(request, "applications/consultation_form.html", {"form": f}),
    )


@login_required
@require_POST
def follow_up_done(request: AuthedRequest, pk: int) -> HttpResponse:
    consultation = get_for_user(request.user, Consultation, pk, write=True)
    attempt(
        request,
        lambda: services.close_follow_up(request.user, consultation),
        _("The follow-up is done."),
    )
    return redirect("applications:consultations")


def _month_rows(request: HttpRequest) -> tuple[Any, Any]:
    month = month_start(request.GET.get("month"))
    start, end = month_bounds(month)
    qs = visible(request.user, Consultation).filter(held_at__gte=start, held_at__lt=end)
    school = request.GET.get("school")
    if school and str(school).isdigit():
        qs = qs.filter(school_id=int(school))
    return qs, month


@login_required
@require_GET
def monthly(request: AuthedRequest) -> HttpResponse:
    school_ids_or_404(request.user, Consultation)
    qs, month = _month_rows(request)
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return render(
        request,
        "applications/consultation_summary.html",
        {
            "month": month,
            "totals": summary(qs),
            "previous": previous,
            "following": following,
        },
    )


@login_required
@require_GET
def monthly_xlsx(request: AuthedRequest) -> HttpResponse:
    school_ids = school_ids_or_404(request.user, Consultation)
    qs, month = _month_rows(request)
    rows = list(qs.select_related("by").order_by("held_at", "id"))
    school_names = School.objects.filter(pk__in={c.school_id for c in rows} or school_ids)
    schools = ", ".join(sorted(str(s) for s in school_names))
    record_many(request.user, "export", "applications.consultation", None, len(rows))
    content = summary_xlsx(rows, summary(qs), month, schools)
    return attachment(content, XLSX_TYPE, f"consultations-{month:%Y-%m}.xlsx")
