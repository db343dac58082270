"""The purchase report (seed 000): receipts with amounts and photos, submitted within 15 days
of the payment; the school accepts it or asks again with a comment; late ones become overdue.

Files are checked (real type by their first bytes, size, Pillow's decompression-bomb guard)
before anything is stored. Who may upload is the caller's check (`can_upload`): the child's
own parent, or the school's pedagogue entering a report brought on paper.
"""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qamqor.accounts.access import get_scope
from qamqor.accounts.types import User, signed_in
from qamqor.applications.services import lock_application
from qamqor.audit.services import record, record_file, store_file
from qamqor.core import files, uploads
from qamqor.core.clock import now, today

from ..models import AID_WRITERS, ASK_AGAIN_DAYS, PurchaseReport, ReportFile, late_q
from .common import AidError, AppStatus, move_application

Kind = ReportFile.Kind
# What each kind of file may be: a receipt is often an e-receipt PDF; a photo is an image.
ALLOWED = {
    Kind.RECEIPT: uploads.DOCUMENT_TYPES,
    Kind.PHOTO: frozenset({uploads.JPEG, uploads.PNG}),
}
# A photo of another type is told what a photo must be.
PHOTO_MESSAGES = {
    "file_type_not_allowed": gettext_lazy(
        "A photo must be a JPEG or PNG image; this file is neither."
    )
}
MAX_FILES = 30
# A receipt above this is a typing slip, not a purchase of school supplies.
MAX_RECEIPT_AMOUNT = 10_000_000


def can_upload(user: User, report: PurchaseReport) -> bool:
    """The child's own parent, or a writer of the school (a report brought on paper)."""
    scope = get_scope(user)
    return report.pupil_id in scope.child_ids or scope.has_role(report.school_id, *AID_WRITERS)


def _locked(report: PurchaseReport) -> PurchaseReport:
    """The report and its application again, locked: two clicks must not both move it."""
    fresh = (
        PurchaseReport.objects.select_for_update().select_related("application").get(pk=report.pk)
    )
    report.application = lock_application(fresh.application)
    for field in ("due_date", "submitted_at", "return_comment", "times_returned"):
        setattr(report, field, getattr(fresh, field))
    return report


def _require_open(report: PurchaseReport) -> None:
    if not report.open_for_upload:
        status = report.application.status
        messages: dict[str, str] = {
            AppStatus.REPORTED: _("The report is submitted and waits for the school's answer."),
            AppStatus.ACCEPTED: _("The report is accepted; nothing more is needed."),
        }
        message = messages.get(status, _("The report cannot be changed now."))
        raise AidError("report_closed", message)


def _amount(kind: str, amount: Any) -> int | None:
    if kind == Kind.PHOTO:
        return None
    try:
        value = int(amount)
    except (TypeError, ValueError):
        value = 0
    if value <= 0:
        raise AidError(
            "amount_required", _("Enter the amount of the receipt, in whole tenge."), "amount"
        )
    if value > MAX_RECEIPT_AMOUNT:
        raise AidError("amount_too_large", _("The amount is too large for a receipt."), "amount")
    return value


@transaction.atomic
def add_report_file(
    user: User, report: PurchaseReport, kind: str, f: IO[bytes] | None, amount: Any = None
) -> ReportFile:
    if kind not in Kind.values:
        raise AidError("kind_invalid", _("Choose whether this is a receipt or a photo."), "kind")
    value = _amount(kind, amount)
    content_type = files.check(
        f,
        AidError,
        allowed=ALLOWED[Kind(kind)],
        messages=PHOTO_MESSAGES if kind == Kind.PHOTO else None,
    )
    _locked(report)
    _require_open(report)
    if report.files.count() >= MAX_FILES:
        raise AidError(
            "too_many_files",
            _("A report holds at most %(n)s files.") % {"n": MAX_FILES},
            "file",
        )
    item = ReportFile(report=report, kind=kind, amount=value, uploaded_at=now())
    fields = ["kind", "file", *(["amount"] if value else [])]
    return store_file(user, item, f, content_type, report.school_id, fields)  # type: ignore[arg-type]  # files.check refused None


def file_removable(item: ReportFile, report: PurchaseReport) -> bool:
    """Only what was added since the last submission: what the school saw stays on record."""
    return report.open_for_upload and (
        report.submitted_at is None or item.uploaded_at > report.submitted_at
    )


@transaction.atomic
def remove_report_file(user: User, item: ReportFile) -> None:
    report = _locked(item.report)
    _require_open(report)
    if not file_removable(item, report):
        raise AidError(
            "file_kept", _("The school has already seen this file; it stays with the report.")
        )
    record_file(user, "delete", item, report.school_id)
    stored = item.file
    item.delete()
    # The file goes only once the row is surely gone.
    transaction.on_commit(lambda: stored.delete(save=False))


@transaction.atomic
def submit_report(user: User, report: PurchaseReport, note: str = "") -> PurchaseReport:
    """seed 000: receipts and photos are both needed to check the spending."""
    _locked(report)
    _require_open(report)
    kinds = set(report.files.values_list("kind", flat=True))
    missing = [str(k.label) for k in (Kind.RECEIPT, Kind.PHOTO) if k not in kinds]
    if missing:
        raise AidError(
            "files_missing",
            _("Add at least one receipt and one photo of the purchases. Missing: %(what)s.")
            % {"what": ", ".join(missing)},
        )
    move_application(user, report.application, AppStatus.REPORTED)
    report.submitted_at = now()
    report.note = (note or "").strip()[:2000]
    report.save(update_fields=["submitted_at", "note"])
    record(user, "update", report, fields=["submitted_at", "note"])
    return report


def _require_reported(report: PurchaseReport) -> None:
    if report.application.status != AppStatus.REPORTED:
        raise AidError(
            "report_not_submitted",
            _("The report is not submitted yet: there is nothing to decide."),
        )


@transaction.atomic
def accept_report(user: User, report: PurchaseReport) -> PurchaseReport:
    _locked(report)
    _require_reported(report)
    move_application(user, report.application, AppStatus.ACCEPTED)
    report.decided_at = now()
    report.decided_by = signed_in(user)
    report.save(update_fields=["decided_at", "decided_by"])
    record(user, "update", report, fields=["decided_at", "decided_by"])
    return report


def ask_again_due(due_date: dt.date, day: dt.date) -> dt.date:
    """Our rule: the original deadline, but never less than ASK_AGAIN_DAYS from today."""
    return max(due_date, day + dt.timedelta(days=ASK_AGAIN_DAYS))


@transaction.atomic
def ask_again(user: User, report: PurchaseReport, comment: str) -> PurchaseReport:
    """Send the report back with what is missing; the family gets a deadline it can keep."""
    _locked(report)
    _require_reported(report)
    comment = AidError.required(
        comment,
        "comment_required",
        _("Write what is missing or wrong: the family reads it."),
        "comment",
    )
    move_application(user, report.application, AppStatus.REPORT_DUE, comment)
    report.due_date = ask_again_due(report.due_date, today())
    report.return_comment = comment[:2000]
    report.times_returned += 1
    report.decided_at = now()
    report.decided_by = signed_in(user)
    fields = ["due_date", "return_comment", "times_returned", "decided_at", "decided_by"]
    report.save(update_fields=fields)
    record(user, "update", report, fields=fields)
    return report


def mark_overdue(day: dt.date | None = None) -> int:
    """Every report still awaited after its deadline becomes overdue. Safe to repeat."""
    day = day or today()
    count = 0
    late = PurchaseReport.objects.filter(late_q(day)).values_list("pk", flat=True)
    for pk in late:
        with transaction.atomic():
            report = _locked(PurchaseReport.objects.get(pk=pk))
            if report.application.status != AppStatus.REPORT_DUE or report.due_date >= day:
                continue  # submitted or sent back meanwhile
            move_application(None, report.application, AppStatus.OVERDUE)
            count += 1
    return count


__all__ = [
    "ALLOWED",
    "MAX_FILES",
    "accept_report",
    "add_report_file",
    "ask_again",
    "ask_again_due",
    "can_upload",
    "file_removable",
    "mark_overdue",
    "remove_report_file",
    "submit_report",
]
