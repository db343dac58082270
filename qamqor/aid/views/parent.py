"""The parent's pages: their children's cash aid, and the purchase report (phone first)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from qamqor.accounts.access import get_scope, visible
from qamqor.accounts.types import AuthedRequest
from qamqor.applications.models import Application, Service
from qamqor.audit.services import record, record_view

from .common import get_parent_report
from .purchase_reports import PARENT_PAGE


@login_required
@require_GET
def my_aid(request: AuthedRequest) -> HttpResponse:
    if not get_scope(request.user).child_ids:
        raise Http404
    applications = list(
        visible(request.user, Application, parent=True)
        .filter(service=Service.FINANCIAL_AID)
        .select_related("pupil", "pupil__school", "purchase_report", "payment_line")
        .order_by("-received_at", "-id")
    )
    for application in applications:
        record(request.user, "view", application)
    return render(request, "aid/my_aid.html", {"applications": applications})


my_report = PARENT_PAGE.page_view(record_view, fetch=get_parent_report)
