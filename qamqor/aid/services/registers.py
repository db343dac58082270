"""The payment register: forming it, checking its lines, exporting it, marking it paid.

A school has at most one register in preparation. Forming it (or checking it again) brings in
every approved cash-aid application of the school not yet in a register, copies the guardian's
name, IIN and IBAN onto its line and says why a line cannot be paid (no IBAN, a wrong one...).
Only ready lines go to the bank; marking the register paid moves their applications to
paid → report_due and opens a purchase report each; blocked lines leave the register and wait
for the next one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from qamqor.accounts.types import User, signed_in
from qamqor.applications.models import Application, Service
from qamqor.audit.services import record
from qamqor.core import ids
from qamqor.core.clock import now, today
from qamqor.core.status import move
from qamqor.registry.models import School

from ..models import LineProblem, PaymentLine, PaymentRegister, PurchaseReport, report_due_date
from ..models import recipient_problem as _recipient_problem
from .common import AidError, AppStatus, aid_amount, move_application

RStatus = PaymentRegister.Status


def approved_applications(school_id: int) -> QuerySet[Application]:
    return _approved().filter(school_id=school_id)


def unregistered_counts(school_ids: Iterable[int]) -> dict[int, int]:
    """Per school (absent: none), the approved applications in no register yet; one query."""
    rows = _approved().filter(school_id__in=school_ids, payment_line__isnull=True)
    return dict(rows.values_list("school_id").annotate(n=Count("id")).order_by())


def _approved() -> QuerySet[Application]:
    return Application.objects.filter(service=Service.FINANCIAL_AID, status=AppStatus.APPROVED)


def _locked(register: PaymentRegister) -> PaymentRegister:
    fresh = PaymentRegister.objects.select_for_update().get(pk=register.pk)
    for field in ("status", "changed_at", "exported_at", "paid_on", "amount_per_child"):
        setattr(register, field, getattr(fresh, field))
    return register


def _require_draft(register: PaymentRegister) -> None:
    if not register.is_draft:
        raise AidError(
            "register_paid",
            _("The register is already paid; it can no longer be changed."),
        )


@transaction.atomic
def form_register(user: User, school: School) -> PaymentRegister:
    """The school's register in preparation (created if none), checked against the registry."""
    # The school's row lock serialises two pedagogues forming a register at the same time.
    School.objects.select_for_update().filter(pk=school.pk).first()
    register = PaymentRegister.objects.filter(school=school, status=RStatus.DRAFT).first()
    if register is None:
        year = today().year
        amount = aid_amount(year)
        moment = now()
        register = PaymentRegister.objects.create(
            school=school,
            year=year,
            amount_per_child=amount.amount,
            created_at=moment,
            created_by=signed_in(user),
            changed_at=moment,
        )
        record(user, "create", register, fields=["year", "amount_per_child"])
    check_register(user, register)
    return register


def _snapshot(line: PaymentLine, application: Application) -> None:
    guardian = application.applicant
    line.guardian = guardian
    line.recipient_name = guardian.full_name if guardian else ""
    line.recipient_iin = guardian.iin if guardian else ""
    line.iban = ids.normalize_iban(guardian.iban or "") if guardian else ""


_SNAPSHOT_FIELDS = ("guardian_id", "recipient_name", "recipient_iin", "iban", "amount", "problem")


def _state(line: PaymentLine) -> tuple:
    return tuple(getattr(line, f) for f in _SNAPSHOT_FIELDS)


@transaction.atomic
def check_register(user: User, register: PaymentRegister) -> PaymentRegister:
    """Bring the lines up to date: new approvals in, withdrawn ones out, names and IBANs again."""
    _locked(register)
    _require_draft(register)
    register.amount_per_child = aid_amount(register.year).amount
    approved = {
        a.pk: a
        for a in approved_applications(register.school_id)
        .select_related("pupil", "applicant")
        .order_by("received_at", "id")
    }
    lines = {ln.application_id: ln for ln in register.lines.select_related("guardian")}
    changed = False
    gone = [ln.pk for app_id, ln in lines.items() if app_id not in approved]
    if gone:
        PaymentLine.objects.filter(pk__in=gone).delete()
        changed = True
    # An application already in another register (a paid one) is not paid twice.
    elsewhere = set(
        PaymentLine.objects.filter(application_id__in=approved)
        .exclude(register=register)
        .values_list("application_id", flat=True)
    )
    paid_this_year = set(
        PaymentLine.objects.filter(
            register__status=RStatus.PAID,
            register__year=register.year,
            pupil_id__in={a.pupil_id for a in approved.values()},
        ).values_list("pupil_id", flat=True)
    )
    seen_pupils: set[int] = set()
    for app_id, application in approved.items():
        if app_id in elsewhere:
            continue
        line = lines.get(app_id)
        before = _state(line) if line else None
        if line is None:
            line = PaymentLine(
                register=register,
                application=application,
                school_id=register.school_id,
                pupil_id=application.pupil_id,
            )
        _snapshot(line, application)
        line.amount = register.amount_per_child
        problem = _recipient_problem(application.applicant, line.iban)
        if application.pupil_id in paid_this_year:
            problem = LineProblem.PAID_THIS_YEAR
        elif application.pupil_id in seen_pupils:
            problem = LineProblem.DUPLICATE
        line.problem = problem or ""
        if not line.problem:
            seen_pupils.add(application.pupil_id)
        if before is None:
            line.save()
            changed = True
        elif _state(line) != before:
            line.save(update_fields=[*(f.removesuffix("_id") for f in _SNAPSHOT_FIELDS)])
            changed = True
    fields = ["amount_per_child"]
    if changed:
        register.changed_at = now()
        fields.append("changed_at")
        record(user, "update", register, fields=["lines"])
    register.save(update_fields=fields)
    return register


@transaction.atomic
def record_export(user: User, register: PaymentRegister, kind: str) -> PaymentRegister:
    """Note that the register was exported (XLSX or the bank's CSV) and by whom."""
    _locked(register)
    if not register.lines.filter(problem="").exists():
        raise AidError(
            "register_empty", _("No line of the register is ready to be paid: nothing to export.")
        )
    if register.is_draft:
        register.exported_at = now()
        register.save(update_fields=["exported_at"])
    record(user, "export", register, fields=[kind])
    return register


@dataclass
class PaidResult:
    register: PaymentRegister
    paid: int
    released: int


@transaction.atomic
def mark_register_paid(
    user: User, register: PaymentRegister, paid_on: dt.date | None
) -> PaidResult:
    """The bank paid the register on `paid_on`: each application becomes paid, report due."""
    _locked(register)
    _require_draft(register)
    if paid_on is None:
        raise AidError("paid_on_required", _("Enter the date the bank paid."), "paid_on")
    if paid_on > today():
        raise AidError("paid_on_future", _("The payment date cannot be in the future."), "paid_on")
    formed = timezone.localdate(register.created_at)
    if paid_on < formed:
        raise AidError(
            "paid_on_before_register",
            _("The payment date is before the register was formed (%(date)s).")
            % {"date": date_format(formed, "SHORT_DATE_FORMAT")},
            "paid_on",
        )
    if not register.export_is_current():
        raise AidError(
            "export_stale",
            _(
                "The register changed after it was last exported, or was never exported. "
                "Export it again and send that file to the bank before marking it paid."
            ),
        )
    lines = list(register.lines.select_related("pupil"))
    ready = [ln for ln in lines if ln.is_ready]
    if not ready:
        raise AidError("register_empty", _("No line of the register is ready to be paid."))
    applications = {
        a.pk: a
        for a in Application.objects.select_for_update()
        .filter(pk__in=[ln.application_id for ln in ready])
        .order_by("pk")
    }
    stale = [a for a in applications.values() if a.status != AppStatus.APPROVED]
    if stale:
        raise AidError(
            "application_not_approved",
            _(
                "%(count)s application(s) of the register are no longer approved. "
                "Check the register again."
            )
            % {"count": len(stale)},
        )
    blocked = [ln.pk for ln in lines if not ln.is_ready]
    if blocked:
        # They wait for the next register, once the family's account is put right.
        PaymentLine.objects.filter(pk__in=blocked).delete()
    comment = _("Payment register № %(number)s, paid on %(date)s") % {
        "number": register.pk,
        "date": date_format(paid_on, "SHORT_DATE_FORMAT"),
    }
    due = report_due_date(paid_on)
    for line in ready:
        application = applications[line.application_id]
        move_application(user, application, AppStatus.PAID, comment)
        move_application(user, application, AppStatus.REPORT_DUE, comment)
        report = PurchaseReport.objects.create(
            application=application,
            line=line,
            school_id=register.school_id,
            pupil_id=line.pupil_id,
            aid_amount=line.amount,
            paid_on=paid_on,
            due_date=due,
        )
        record(user, "create", report, fields=["paid_on", "due_date", "aid_amount"])
    register.paid_on = paid_on
    register.paid_at = now()
    register.paid_by = signed_in(user)
    move(register, RStatus.PAID, error=AidError, fields=["paid_on", "paid_at", "paid_by"])
    record(user, "update", register, fields=["status", "paid_on"])
    return PaidResult(register=register, paid=len(ready), released=len(blocked))


@transaction.atomic
def delete_register(user: User, register: PaymentRegister) -> None:
    """Drop a register in preparation; its applications stay approved."""
    _locked(register)
    _require_draft(register)
    record(user, "delete", register)
    register.delete()


__all__ = [
    "PaidResult",
    "approved_applications",
    "check_register",
    "delete_register",
    "form_register",
    "mark_register_paid",
    "record_export",
    "unregistered_counts",
]
