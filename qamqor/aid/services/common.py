"""What every aid service shares: the refusal, the aid amount, moving an application."""

from __future__ import annotations

from django.utils.translation import gettext as _

from qamqor.accounts.types import User
from qamqor.applications.models import Application
from qamqor.applications.services import ApplicationError, transition_application
from qamqor.core.errors import ServiceError

from ..models import AidAmount

AppStatus = Application.Status


class AidError(ServiceError):
    conflicts = frozenset(
        {
            "transition_not_allowed",
            "register_paid",
            "report_closed",
            "report_not_submitted",
            "application_not_approved",
            "export_stale",
            "file_kept",
        }
    )


def aid_amount(year: int) -> AidAmount:
    amount = AidAmount.objects.filter(year=year).first()
    if amount is None:
        raise AidError(
            "aid_amount_missing",
            _("No aid amount is entered for %(year)s; an administrator adds it first.")
            % {"year": year},
        )
    return amount


def carry_aid_amount(year: int, source: str) -> AidAmount:
    """The demo's stand-in for the administrator: a year with no amount entered gets the latest
    year's amount, its source saying so. Production enters each year's amount by law in the
    admin; an amount already entered wins."""
    latest = AidAmount.objects.filter(year__lt=year).order_by("-year").first()
    if latest is None:
        raise AidError("aid_amount_missing", _("No aid amount is entered for any year."))
    amount, _created = AidAmount.objects.get_or_create(
        year=year, defaults={"amount": latest.amount, "source": source % {"year": latest.year}}
    )
    return amount


def move_application(
    user: User | None, application: Application, status: str, comment: str = ""
) -> None:
    """Move a cash-aid application through the applications app's one door for a status
    change (its transition table, a `StatusChange`, the audit). The caller holds the lock."""
    try:
        transition_application(user, application, status, comment=comment)
    except ApplicationError as exc:
        raise AidError(exc.code, exc.message) from exc
