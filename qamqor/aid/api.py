"""The JSON API of the cash aid; the same services as the pages (DESIGN rule 1).

Router: `qamqor.aid.api.router`, mounted under /api/v1/. `request.auth` is the user (token or
session). Without access the answer is 404 `not_found`, as on the pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from qamqor.accounts.access import get_for_user, get_school_for_user
from qamqor.accounts.types import ApiRequest
from qamqor.audit.services import record_view
from qamqor.core.api import ErrorOut, TextIn, stored_file_out
from qamqor.core.clock import today

from . import services
from .models import (
    AID_WRITERS,
    PaymentLine,
    PaymentRegister,
    PurchaseReport,
    ReportFile,
    receipts_total,
)

router = Router(tags=["aid"])


class LineOut(Schema):
    id: int
    application_id: int
    pupil_id: int
    recipient_name: str
    recipient_iin: str
    iban: str
    amount: int
    ready: bool
    problem: str
    problem_message: str


class RegisterOut(Schema):
    id: int
    school_id: int
    year: int
    status: str
    amount_per_child: int
    total: int
    exported_at: dt.datetime | None
    paid_on: dt.date | None
    lines: list[LineOut]


class PaidIn(Schema):
    paid_on: dt.date


class PaidOut(RegisterOut):
    """The register after payment, with how many lines were paid and how many left out."""

    paid: int
    released: int


class FileOut(Schema):
    id: int
    kind: str
    amount: int | None
    original_name: str
    content_type: str
    size: int
    uploaded_at: dt.datetime
    download_url: str


class ReportOut(Schema):
    id: int
    application_id: int
    pupil_id: int
    school_id: int
    status: str
    status_label: str
    aid_amount: int
    paid_on: dt.date
    due_date: dt.date
    days_left: int
    late: bool
    receipts_total: int
    submitted_at: dt.datetime | None
    return_comment: str
    files: list[FileOut]


class SubmitIn(TextIn):
    MULTILINE = frozenset({"note"})
    note: str = ""


class AskAgainIn(TextIn):
    MULTILINE = frozenset({"comment"})
    comment: str


def _line_out(line: PaymentLine) -> dict[str, Any]:
    return {
        "id": line.pk,
        "application_id": line.application_id,
        "pupil_id": line.pupil_id,
        "recipient_name": line.recipient_name,
        "recipient_iin": line.recipient_iin,
        "iban": line.iban,
        "amount": line.amount,
        "ready": line.is_ready,
        "problem": line.problem,
        "problem_message": str(line.get_problem_display()) if line.problem else "",
    }


def _register_out(register: PaymentRegister) -> dict[str, Any]:
    lines = list(register.lines.order_by("problem", "recipient_name", "id"))
    return {
        "id": register.pk,
        "school_id": register.school_id,
        "year": register.year,
        "status": register.status,
        "amount_per_child": register.amount_per_child,
        "total": sum(ln.amount for ln in lines if ln.is_ready),
        "exported_at": register.exported_at,
        "paid_on": register.paid_on,
        "lines": [_line_out(ln) for ln in lines],
    }


def _report_out(report: PurchaseReport) -> dict[str, Any]:
    day = today()
    files = list(report.files.order_by("kind", "uploaded_at", "id"))
    return {
        "id": report.pk,
        "application_id": report.application_id,
        "pupil_id": report.pupil_id,
        "school_id": report.school_id,
        "status": report.application.status,
        "status_label": str(report.application.get_status_display()),
        "aid_amount": report.aid_amount,
        "paid_on": report.paid_on,
        "due_date": report.due_date,
        "days_left": report.days_left(day),
        "late": report.is_late(day),
        "receipts_total": receipts_total(files),
        "submitted_at": report.submitted_at,
        "return_comment": report.return_comment,
        "files": [_file_out(f) for f in files],
    }


def _file_out(item: ReportFile) -> dict[str, Any]:
    # FileOut keeps its fields (no kind_label): the schema drops what it does not declare.
    return {**stored_file_out(item, "aid:file"), "amount": item.amount}


def _register(request: ApiRequest, pk: int, write: bool = False) -> PaymentRegister:
    return get_for_user(request.auth, PaymentRegister, pk, write=write)


def _report(request: ApiRequest, pk: int, write: bool = False) -> PurchaseReport:
    """A report the user reads; with `write`, one they decide on as staff of its school."""
    return get_for_user(request.auth, PurchaseReport, pk, write, related=["application"])


def _uploader_report(request: ApiRequest, pk: int) -> PurchaseReport:
    report = _report(request, pk)
    if not services.can_upload(request.auth, report):
        raise Http404
    return report


@router.post("/aid/schools/{school_id}/register", response={200: RegisterOut, 409: ErrorOut})
def form_register(request: ApiRequest, school_id: int):
    """The school's register in preparation (formed if none), checked against the registry."""
    school = get_school_for_user(request.auth, school_id, roles=AID_WRITERS)
    register = services.form_register(request.auth, school)
    return _register_out(register)


@router.get("/aid/registers/{register_id}/lines", response=RegisterOut)
def register_lines(request: ApiRequest, register_id: int):
    """The register and its lines; a blocked line says why (`problem`, `problem_message`)."""
    return _register_out(record_view(request.auth, _register(request, register_id)))


@router.post("/aid/registers/{register_id}/paid", response={200: PaidOut, 409: ErrorOut})
def mark_paid(request: ApiRequest, register_id: int, payload: PaidIn):
    """The bank paid the exported register: applications paid, purchase reports due."""
    register = _register(request, register_id, write=True)
    result = services.mark_register_paid(request.auth, register, payload.paid_on)
    return {**_register_out(result.register), "paid": result.paid, "released": result.released}


@router.get("/aid/reports/{report_id}", response=ReportOut)
def get_report(request: ApiRequest, report_id: int):
    """The report, its deadline and files: the child's parents and the school's staff."""
    return _report_out(record_view(request.auth, _report(request, report_id)))


@router.post("/aid/reports/{report_id}/files", response={201: FileOut, 409: ErrorOut})
def upload_file(
    request: ApiRequest,
    report_id: int,
    kind: Form[str],
    file: File[UploadedFile],
    amount: Form[int | None] = None,
):
    """Add a receipt (`kind=receipt`, `amount` in whole tenge; PDF, JPEG or PNG) or a photo
    (`kind=photo`; JPEG or PNG), multipart. Checked by content, size and pixel count."""
    report = _uploader_report(request, report_id)
    item = services.add_report_file(request.auth, report, kind, file, amount)
    return Status(201, _file_out(item))


@router.post("/aid/reports/{report_id}/submit", response={200: ReportOut, 409: ErrorOut})
def submit(request: ApiRequest, report_id: int, payload: SubmitIn):
    """Send the report to the school (at least one receipt and one photo)."""
    report = _uploader_report(request, report_id)
    services.submit_report(request.auth, report, payload.note)
    return _report_out(report)


@router.post("/aid/reports/{report_id}/accept", response={200: ReportOut, 409: ErrorOut})
def accept(request: ApiRequest, report_id: int):
    report = _report(request, report_id, write=True)
    services.accept_report(request.auth, report)
    return _report_out(report)


@router.post("/aid/reports/{report_id}/ask-again", response={200: ReportOut, 409: ErrorOut})
def ask_again(request: ApiRequest, report_id: int, payload: AskAgainIn):
    """Send the report back with a comment; the family gets at least 5 more days."""
    report = _report(request, report_id, write=True)
    services.ask_again(request.auth, report, payload.comment)
    return _report_out(report)
