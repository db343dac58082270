"""Aid monitoring for principals and district officers: the seed-000 table with amounts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from qamqor.accounts import access
from qamqor.accounts.models import CATEGORY_READERS
from qamqor.accounts.types import AuthedRequest
from qamqor.audit.services import record
from qamqor.core.clock import today

from ..forms import YearForm
from ..models import AID_READERS, AidAmount
from ..payment_monitoring import (
    aid_monitoring,
    by_district,
    grand_total,
    header_labels,
    monitoring_xlsx,
    shows_none,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _table(request: HttpRequest):  # noqa: ANN202
    schools = access.readable_schools(request.user, roles=CATEGORY_READERS).select_related(
        "district"
    )
    wanted = request.GET.get("school")
    if wanted:
        schools = schools.filter(pk=wanted) if wanted.isdigit() else schools.none()
    listed = list(schools.order_by("district__name_kk", "name_kk"))
    if not listed:
        raise Http404
    day = today()
    form = YearForm(request.GET or None)
    year = day.year
    if form.is_bound and form.is_valid() and form.cleaned_data["year"]:
        year = form.cleaned_data["year"]
    rows = aid_monitoring(listed, year, day)
    return form, year, day, rows


@login_required
@require_GET
def monitoring_page(request: AuthedRequest) -> HttpResponse:
    form, year, day, rows = _table(request)
    with_none = shows_none(rows)
    lead, categories = header_labels(with_none)
    blocks = by_district(rows)
    total = grand_total(rows)
    for row in [*rows, *(b.total for b in blocks), total]:
        row.cells_display = row.display(with_none)
    return render(
        request,
        "aid/monitoring.html",
        {
            "form": form,
            "year": year,
            "day": day,
            "blocks": blocks,
            "total": total,
            "lead": lead,
            "categories": categories,
            "with_none": with_none,
            "many": len(rows) > 1,
            "many_districts": len(blocks) > 1,
            "school": request.GET.get("school", ""),
            "amount": AidAmount.objects.filter(year=year).first(),
            "years": list(AidAmount.objects.values_list("year", flat=True)),
            "aid_staff": bool(access.get_scope(request.user).school_ids(roles=AID_READERS)),
        },
    )


@login_required
@require_GET
def monitoring_export(request: AuthedRequest) -> HttpResponse:
    _form, year, day, rows = _table(request)
    for row in rows:
        record(
            request.user,
            "export",
            object_type="aid.monitoring",
            school_id=row.school.pk,
            label=_("Aid monitoring"),
        )
    body = monitoring_xlsx(by_district(rows), grand_total(rows), year, day)
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="aid-monitoring-{year}-{day:%Y-%m-%d}.xlsx"'
    )
    return response
