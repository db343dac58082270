"""Helpers the aid pages share: fetching protected rows (404 without access), streaming files."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest

from qamqor.accounts.access import get_scope, visible
from qamqor.accounts.types import User

from ..models import AID_READERS, AID_WRITERS, PaymentRegister, PurchaseReport
from ..services import AidError


def explain(form: Any, exc: AidError) -> None:
    """Put a service's refusal next to the field it concerns, or above the form."""
    field = exc.field if exc.field in getattr(form, "fields", {}) else None
    form.add_error(field, exc.message)


def reader_school_ids(user: User) -> set[int]:
    return get_scope(user).school_ids(roles=AID_READERS)


def writer_school_ids(user: User) -> set[int]:
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
