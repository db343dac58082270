"""Helpers the aid pages share: fetching protected rows (404 without access), streaming files."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest

from qamqor.accounts.access import get_scope, visible

from ..models import AID_READERS, AID_WRITERS, PaymentRegister, PurchaseReport


def reader_school_ids(user: Any) -> set[int]:
    return get_scope(user).school_ids(roles=AID_READERS)


def writer_school_ids(user: Any) -> set[int]:
    return get_scope(user).school_ids(roles=AID_WRITERS)


def get_register(request: HttpRequest, pk: int, write: bool = False) -> PaymentRegister:
    try:
        return (
            visible(request.user, PaymentRegister, write=write)
            .select_related("school", "created_by", "paid_by")
            .get(pk=pk)
        )
    except (PaymentRegister.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def _reports(request: HttpRequest, write: bool = False):  # noqa: ANN202
    return visible(request.user, PurchaseReport, write=write).select_related(
        "application",
        "pupil",
        "pupil__school_class",
        "school",
        "line",
        "line__guardian",
        "decided_by",
    )


def get_staff_report(request: HttpRequest, pk: int, write: bool = False) -> PurchaseReport:
    """A report of a school where the user reads (or decides on) purchase reports."""
    roles = AID_WRITERS if write else AID_READERS
    schools = get_scope(request.user).school_ids(roles=roles)
    try:
        return _reports(request, write).filter(school_id__in=schools).get(pk=pk)
    except (PurchaseReport.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def get_parent_report(request: HttpRequest, pk: int) -> PurchaseReport:
    """A report about one of the user's own children."""
    children = get_scope(request.user).child_ids
    try:
        return _reports(request).filter(pupil_id__in=children).get(pk=pk)
    except (PurchaseReport.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


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
