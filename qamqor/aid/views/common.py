"""Helpers the aid pages share: fetching protected rows (404 without access), streaming files."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest

from qamqor.accounts.access import get_for_user

from ..models import PaymentRegister, PurchaseReport
from ..services import AidError


def explain(form: Any, exc: AidError) -> None:
    """Put a service's refusal next to the field it concerns, or above the form."""
    field = exc.field if exc.field in getattr(form, "fields", {}) else None
    form.add_error(field, exc.message)


def get_register(request: HttpRequest, pk: int, write: bool = False) -> PaymentRegister:
    related = ["school", "created_by", "paid_by"]
    return get_for_user(request.user, PaymentRegister, pk, write, related=related)


REPORT_RELATED = ["application", "pupil", "pupil__school_class", "school", "line"]
REPORT_RELATED += ["line__guardian", "decided_by"]


def get_staff_report(request: HttpRequest, pk: int, write: bool = False) -> PurchaseReport:
    """A report of a school where the user reads (or decides on) purchase reports."""
    return get_for_user(request.user, PurchaseReport, pk, write, staff=True, related=REPORT_RELATED)


def get_parent_report(request: HttpRequest, pk: int) -> PurchaseReport:
    """A report about one of the user's own children."""
    return get_for_user(request.user, PurchaseReport, pk, parent=True, related=REPORT_RELATED)


def stream(stored: Any, filename: str, content_type: str, inline: bool = False) -> FileResponse:
    try:
        handle = stored.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=not inline, filename=filename, content_type=content_type
    )
    # The bytes were checked on upload, but a browser must still never run them as a page.
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
