from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from qamqor.accounts import access
from qamqor.accounts.models import CATEGORY_READERS, SCHOOL_READERS
from qamqor.accounts.types import AuthedRequest
from qamqor.audit.services import record
from qamqor.core.clock import today
from qamqor.core.documents import XLSX_TYPE, attachment

from .monitoring import column_labels, monitoring_by_school, monitoring_xlsx


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """Send each role to where its work is."""
    scope = access.get_scope(request.user)
    if scope.school_ids(write=True):
        return redirect("eligibility:dashboard")
    if scope.school_ids(roles=SCHOOL_READERS) or scope.class_ids:
        return redirect("registry:pupils")
    if scope.child_ids:
        return redirect("registry:my_children")
    return render(request, "reports/home.html", {"schools": access.readable_schools(request.user)})


def _rows(request: HttpRequest):
    schools = access.readable_schools(request.user, roles=CATEGORY_READERS).order_by("name_kk")
    wanted = request.GET.get("school")
    if wanted:
        schools = schools.filter(pk=wanted)
    if not schools.exists():
        raise Http404
    day = today()
    counts = monitoring_by_school([s.pk for s in schools], day)
    return [(s, counts[s.pk]) for s in schools], day


@login_required
def monitoring_page(request: AuthedRequest) -> HttpResponse:
    rows, day = _rows(request)
    labels = column_labels()
    table = [(school, [counts[key] for key, _l in labels]) for school, counts in rows]
    totals = [sum(values[i] for _s, values in table) for i in range(len(labels))]
    return render(
        request,
        "reports/monitoring.html",
        {
            "table": table,
            "labels": labels,
            "totals": totals,
            "day": day,
            "school": request.GET.get("school", ""),
        },
    )


@login_required
def monitoring_export(request: AuthedRequest) -> HttpResponse:
    rows, day = _rows(request)
    for school, _counts in rows:
        record(
            request.user,
            "export",
            object_type="reports.monitoring",
            school_id=school.pk,
            label=_("Monitoring table"),
        )
    return attachment(monitoring_xlsx(rows, day), XLSX_TYPE, f"monitoring-{day:%Y-%m-%d}.xlsx")
