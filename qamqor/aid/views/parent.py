"""The parent's pages: their children's cash aid, and the purchase report (phone first)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from qamqor.accounts.access import get_scope, visible
from qamqor.accounts.types import AuthedRequest
from qamqor.applications.models import Application, Service
from qamqor.audit.services import record

from ..models import PurchaseReport
from .common import get_parent_report
from .purchase_reports import report_files_context


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


def parent_report_context(request: AuthedRequest, report: PurchaseReport, **forms: Any) -> dict:
    context = report_files_context(report, request.user, **forms)
    context["pupil"] = report.pupil
    return context


@login_required
@require_GET
def my_report(request: AuthedRequest, pk: int) -> HttpResponse:
    report = get_parent_report(request, pk)
    record(request.user, "view", report)
    return render(request, "aid/my_report.html", parent_report_context(request, report))
