"""Helpers the aid pages share: fetching protected rows (404 without access), streaming files."""

from __future__ import annotations

from django.http import HttpRequest

from qamqor.accounts.access import get_for_user

from ..models import PaymentRegister, PurchaseReport


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
