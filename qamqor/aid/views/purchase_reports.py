"""Purchase reports: the pedagogue's list and check (accept, ask again), the files, and the
uploads shared by the parent's page and the school's (a report brought on paper)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from qamqor.accounts import access
from qamqor.accounts.access import get_for_user, get_scope
from qamqor.accounts.types import AuthedRequest, User
from qamqor.audit.services import read_file, record_read, record_view
from qamqor.core import uploads
from qamqor.core.clock import today
from qamqor.core.views import RecordPage, paginate

from .. import services
from ..forms import AskAgainForm, ReportFileForm, SubmitForm
from ..models import AID_WRITERS, PurchaseReport, ReportFile, late_q, overdue_q, receipts_total
from .common import get_staff_report

LABELS = {
    "check": gettext_lazy("To check"),
    "awaited": gettext_lazy("Awaited"),
    "overdue": gettext_lazy("Overdue"),
    "accepted": gettext_lazy("Accepted"),
}


def state_q(state: str, day: dt.date) -> Q:
    """The reports of one tab. A report still due past its date is overdue at once, before
    the nightly command flags it."""
    return {
        "check": Q(application__status="reported"),
        "awaited": Q(application__status="report_due") & ~late_q(day),
        "overdue": overdue_q(day),
        "accepted": Q(application__status="accepted"),
    }[state]


def report_files_context(report: PurchaseReport, user: User, **forms: Any) -> dict[str, Any]:
    """The files, the receipts' total against the aid, and the upload forms if allowed."""
    files = list(report.files.order_by("kind", "uploaded_at", "id"))
    total = receipts_total(files)
    day = today()
    uploadable = report.open_for_upload and services.can_upload(user, report)
    context: dict[str, Any] = {
        "report": report,
        "files": [(f, uploadable and services.file_removable(f, report)) for f in files],
        "receipts": sum(1 for f in files if f.kind == ReportFile.Kind.RECEIPT),
        "photos": sum(1 for f in files if f.kind == ReportFile.Kind.PHOTO),
        "receipts_total": total,
        "uncovered": max(0, report.aid_amount - total),
        "over": max(0, total - report.aid_amount),
        "days_left": report.days_left(day),
        "late": report.is_late(day),
        "uploadable": uploadable,
        "max_upload": uploads.max_bytes(),
    }
    if uploadable:
        context["file_form"] = forms.get("file_form") or ReportFileForm(
            initial={"kind": ReportFile.Kind.RECEIPT}
        )
        context["submit_form"] = forms.get("submit_form") or SubmitForm()
    return context


def parent_report_context(request: AuthedRequest, report: PurchaseReport, **forms: Any) -> dict:
    context = report_files_context(report, request.user, **forms)
    context["pupil"] = report.pupil
    return context


@login_required
@require_GET
def reports(request: AuthedRequest) -> HttpResponse:
    school_ids = access.school_ids_or_404(request.user, PurchaseReport)
    day = today()
    qs = access.visible(request.user, PurchaseReport, staff=True).select_related(
        "application", "pupil", "pupil__school_class", "school"
    )
    counts = qs.aggregate(**{key: Count("id", filter=state_q(key, day)) for key in LABELS})
    state = request.GET.get("state") or "check"
    if state not in LABELS:
        state = "check"
    chosen = qs.filter(state_q(state, day))
    ordering = ("-decided_at", "-id") if state == "accepted" else ("due_date", "id")
    page, _query = paginate(request, chosen.order_by(*ordering))
    record_read(request.user, PurchaseReport, page, request=request)
    return render(
        request,
        "aid/reports.html",
        {
            "page": page,
            "state": state,
            "tabs": [(key, label, counts[key]) for key, label in LABELS.items()],
            "today": day,
            "many": len(school_ids) > 1,
        },
    )


def _report_context(request: AuthedRequest, report: PurchaseReport, **forms: Any) -> dict:
    can_decide = (
        get_scope(request.user).has_role(report.school_id, *AID_WRITERS)
        and report.application.status == "reported"
    )
    context = report_files_context(report, request.user, **forms)
    context.update(
        {
            "pupil": report.pupil,
            "history": list(report.application.history.select_related("by")),
            "can_decide": can_decide,
            "ask_form": forms.get("ask_form") or AskAgainForm(),
            "reminders": list(report.reminders.all()[:10]),
        }
    )
    return context


STAFF_PAGE = RecordPage("aid:report", "aid/report.html", _report_context, get_staff_report)
PARENT_PAGE = RecordPage("aid:my_report", "aid/my_report.html", parent_report_context)

report_page = STAFF_PAGE.page_view(record_view)


report_accept = STAFF_PAGE.button_view(
    services.accept_report, gettext_lazy("The purchase report is accepted.")
)
report_ask_again = STAFF_PAGE.form_view(
    "ask_form",
    AskAgainForm,
    lambda user, report, d: services.ask_again(user, report, d["comment"]),
    gettext_lazy("The report is sent back to the family with your comment."),
)


def _uploader_report(request: AuthedRequest, pk: int) -> PurchaseReport:
    report = get_for_user(
        request.user, PurchaseReport, pk, related=["application", "pupil", "line"]
    )
    if not services.can_upload(request.user, report):
        raise Http404
    return report


def _page(request: AuthedRequest, report: PurchaseReport) -> RecordPage:
    """The parent returns to their page; school staff to the school's."""
    return PARENT_PAGE if report.pupil_id in get_scope(request.user).child_ids else STAFF_PAGE


@login_required
@require_POST
def report_upload(request: AuthedRequest, pk: int) -> HttpResponse:
    report = _uploader_report(request, pk)
    return _page(request, report).act(
        request,
        report,
        "file_form",
        ReportFileForm(request.POST, request.FILES),
        lambda d: services.add_report_file(
            request.user, report, d["kind"], d["file"], d.get("amount")
        ),
        lambda item: _("Added: %(what)s.") % {"what": item.get_kind_display()},
    )


@login_required
@require_POST
def report_file_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    item = get_for_user(request.user, ReportFile, pk, related=["report"])
    report = _uploader_report(request, item.report_id)
    return _page(request, report).attempt(
        request,
        report,
        lambda: services.remove_report_file(request.user, item),
        _("The file is removed."),
    )


@login_required
@require_POST
def report_submit(request: AuthedRequest, pk: int) -> HttpResponse:
    report = _uploader_report(request, pk)
    return _page(request, report).act(
        request,
        report,
        "submit_form",
        SubmitForm(request.POST),
        lambda d: services.submit_report(request.user, report, d["note"]),
        _("The report is sent to the school."),
    )


@login_required
@require_GET
def report_file(request: AuthedRequest, pk: int) -> FileResponse:
    item = read_file(request.user, ReportFile, pk, "report")
    inline = request.GET.get("inline") == "1" and item.content_type != uploads.PDF
    return item.response(inline=inline)
