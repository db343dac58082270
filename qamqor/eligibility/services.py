"""Every write of the eligibility app: applications, evidence, decisions, board decisions.

Each function owns its transaction, checks the transition table of `CategoryAssignment`,
and records an audit event naming the fields it wrote (never their values). Access is the
caller's job: views and the API fetch the pupil or assignment through `accounts.access`
with `write=True` before calling here. A refusal is an `EligibilityError` with a stable code
and a message in the active language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import IO

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from qamqor.accounts.types import User, signed_in
from qamqor.audit.services import record, store_file
from qamqor.core import files, uploads
from qamqor.core.clock import now, today
from qamqor.core.errors import ServiceError
from qamqor.core.status import move, require
from qamqor.core.workdays import due_date
from qamqor.registry.models import Pupil, School

from .models import (
    BOARD_CATEGORIES,
    CONFIRMATION_WORKING_DAYS,
    BoardDecision,
    Category,
    CategoryAssignment,
    Evidence,
    EvidenceKind,
)
from .selectors import income_test

Status = CategoryAssignment.Status


class EligibilityError(ServiceError):
    conflicts = frozenset({"transition_not_allowed", "already_applied"})


def _locked(assignment: CategoryAssignment) -> CategoryAssignment:
    """The row again, locked: two pedagogues deciding at once must not both win."""
    fresh = CategoryAssignment.objects.select_for_update().get(pk=assignment.pk)
    for field in ("status", "board_decision_id", "valid_from", "valid_to", "granted_by"):
        setattr(assignment, field, getattr(fresh, field))
    return assignment


def _check_evidence(kind: str, f: IO[bytes]) -> str:
    if kind not in EvidenceKind.values:
        raise EligibilityError(
            "evidence_kind_invalid", _("Choose the type of the document."), "kind"
        )
    return files.check(f, EligibilityError)


@transaction.atomic
def apply_category(
    user: User | None,
    pupil: Pupil,
    category: str,
    received_at: dt.datetime | None = None,
    granted_by: str = "",
    *,
    evidence: Iterable[tuple[str, IO[bytes]]] = (),
    board_decision: BoardDecision | None = None,
) -> CategoryAssignment:
    """Register an application; its decision is due 15 working days after receipt."""
    if category not in Category.values:
        raise EligibilityError(
            "category_invalid", _("Choose one of the five categories."), "category"
        )
    if pupil.status != Pupil.Status.ACTIVE:
        raise EligibilityError("pupil_not_active", _("The pupil no longer studies at the school."))
    # Every file is checked before anything is stored: a rolled-back transaction takes the
    # rows back but not files already written to disk.
    evidence = list(evidence)
    checked = [_check_evidence(kind, f) for kind, f in evidence]
    received_at = received_at or now()
    if timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)
    if received_at > now():
        raise EligibilityError(
            "received_in_future",
            _("The application cannot be received in the future."),
            "received_at",
        )
    # Lock the pupil: two clerks registering the same application at once get one row.
    Pupil.objects.select_for_update().filter(pk=pupil.pk).first()
    if CategoryAssignment.objects.filter(
        pupil=pupil, category=category, status=Status.APPLIED
    ).exists():
        raise EligibilityError(
            "already_applied",
            _("An application for this category is already waiting for a decision."),
            "category",
        )
    if board_decision is not None:
        _check_board_decision(pupil.school_id, category, board_decision)
    # seed 001: reviewed within 15 working days, counted from the next working day when
    # received after hours, on a weekend or a holiday.
    counted_from, due = due_date(received_at, CONFIRMATION_WORKING_DAYS)
    assignment = CategoryAssignment.objects.create(
        school_id=pupil.school_id,
        pupil=pupil,
        category=category,
        status=Status.APPLIED,
        received_at=received_at,
        counted_from=counted_from,
        due_date=due,
        granted_by=(granted_by or "").strip()[:300],
        board_decision=board_decision,
        created_by=signed_in(user),
    )
    fields = ["category", "status", "received_at", "due_date"]
    fields += ["granted_by"] if assignment.granted_by else []
    fields += ["board_decision"] if board_decision else []
    record(user, "create", assignment, fields=fields)
    for (kind, f), content_type in zip(evidence, checked, strict=True):
        row = Evidence(assignment=assignment, kind=kind)
        store_file(user, row, f, content_type, assignment.school_id)
    return assignment


@transaction.atomic
def add_evidence(
    user: User, assignment: CategoryAssignment, kind: str, uploaded_file: IO[bytes]
) -> Evidence:
    _locked(assignment)
    if assignment.status != Status.APPLIED:
        raise EligibilityError(
            "transition_not_allowed",
            _("The application is decided; documents can no longer be added."),
        )
    content_type = _check_evidence(kind, uploaded_file)
    row = Evidence(assignment=assignment, kind=kind)
    return store_file(user, row, uploaded_file, content_type, assignment.school_id)


def _check_board_decision(school_id: int, category: str, decision: BoardDecision) -> None:
    if category not in BOARD_CATEGORIES:
        raise EligibilityError(
            "board_decision_not_applicable",
            _("Only the emergency and other categories are granted by the board of trustees."),
        )
    if decision.school_id != school_id:
        raise EligibilityError(
            "board_decision_other_school", _("The board decision belongs to another school.")
        )


def kinds_present(assignment: CategoryAssignment) -> set[str]:
    kinds = set(assignment.evidence.values_list("kind", flat=True))
    if assignment.board_decision and assignment.board_decision.scan:
        # The decision's own scan proves it; it need not be uploaded twice.
        kinds.add(EvidenceKind.BOARD_DECISION)
    return kinds


def _money(amount: int | None) -> str:
    return number_format(amount or 0, force_grouping=True)


def _check_income(assignment: CategoryAssignment, decided_on: dt.date) -> None:
    # Seed 000: category 2 is for families that do NOT receive АӘК (those are category 1).
    family = assignment.pupil.family
    has_asp = (family is not None and family.incomes.filter(source="asp").exists()) or any(
        a.is_valid_on(decided_on)
        for a in CategoryAssignment.objects.filter(
            pupil_id=assignment.pupil_id, category=Category.ASP, status="confirmed"
        )
    )
    if has_asp:
        raise EligibilityError(
            "receives_asp",
            _(
                "The family receives АӘК: the child belongs to the АӘК category, not to "
                "'income below the subsistence minimum'."
            ),
        )
    # Seed 000: per-capita income against the minimum of the year of the decision.
    test = income_test(family, decided_on.year)
    if test.members == 0:
        raise EligibilityError(
            "income_unknown",
            _(
                "The pupil's family and its members are not recorded, so the income test "
                "cannot be made."
            ),
        )
    if test.minimum is None:
        raise EligibilityError(
            "subsistence_minimum_missing",
            _("No subsistence minimum is entered for %(year)s; an administrator adds it first.")
            % {"year": test.year},
        )
    if not test.below:
        raise EligibilityError(
            "income_not_below_minimum",
            _(
                "The family's income per member, %(per_capita)s ₸, is not below the subsistence "
                "minimum of %(year)s, %(minimum)s ₸: the category cannot be confirmed."
            )
            % {
                "per_capita": _money(test.per_capita),
                "year": test.year,
                "minimum": _money(test.minimum),
            },
        )


@transaction.atomic
def confirm_category(
    user: User | None,
    assignment: CategoryAssignment,
    valid_from: dt.date | None,
    valid_to: dt.date | None,
    granted_by: str = "",
    board_decision: BoardDecision | None = None,
) -> CategoryAssignment:
    _locked(assignment)
    require(assignment, Status.CONFIRMED, EligibilityError)
    if valid_from is None or valid_to is None:
        raise EligibilityError("period_invalid", _("Enter both dates of the period."), "valid_from")
    if valid_to < valid_from:
        raise EligibilityError("period_invalid", _("The period ends before it begins."), "valid_to")
    if board_decision is not None:
        _check_board_decision(assignment.school_id, assignment.category, board_decision)
        assignment.board_decision = board_decision
    if assignment.needs_board_decision and assignment.board_decision_id is None:
        # Seed 001: categories 4 and 5 exist only by a decision of the board of trustees.
        raise EligibilityError(
            "board_decision_required",
            _(
                "This category is granted by a decision of the board of trustees: record the "
                "decision first."
            ),
        )
    missing = assignment.missing_evidence(kinds_present(assignment))
    if missing:
        raise EligibilityError(
            "evidence_missing",
            _("Documents missing: %(kinds)s.")
            % {"kinds": "; ".join(str(EvidenceKind(k).label) for k in missing)},
        )
    decided = now()
    if assignment.category == Category.BELOW_SUBSISTENCE:
        _check_income(assignment, timezone.localdate(decided))
    assignment.valid_from = valid_from
    assignment.valid_to = valid_to
    assignment.granted_by = (granted_by or assignment.granted_by or "").strip()[:300]
    assignment.decided_at = decided
    assignment.decided_by = signed_in(user)
    fields = ["valid_from", "valid_to", "granted_by", "board_decision", "decided_at", "decided_by"]
    move(assignment, Status.CONFIRMED, error=EligibilityError, fields=fields)
    record(user, "update", assignment, fields=["status", *fields])
    return assignment


@transaction.atomic
def refuse_category(
    user: User | None, assignment: CategoryAssignment, reason: str
) -> CategoryAssignment:
    _locked(assignment)
    require(assignment, Status.REFUSED, EligibilityError)
    reason = EligibilityError.required(
        reason,
        "reason_required",
        _("Write the reason for the refusal: the family is told it."),
        "reason",
    )
    assignment.refusal_reason = reason
    assignment.decided_at = now()
    assignment.decided_by = signed_in(user)
    fields = ["refusal_reason", "decided_at", "decided_by"]
    move(assignment, Status.REFUSED, error=EligibilityError, fields=fields)
    record(user, "update", assignment, fields=["status", *fields])
    return assignment


@transaction.atomic
def record_board_decision(
    user: User,
    school: School,
    number: str,
    date: dt.date | None,
    text: str,
    scan: IO[bytes] | None = None,
) -> BoardDecision:
    """Record a decision of the board of trustees, or find the one already recorded.

    One decision often names several families; entering it again for the next pupil
    (same number and date) reuses it, adding the scan if it had none.
    """
    text = (text or "").strip()
    number = EligibilityError.required(
        number, "board_number_required", _("Enter the decision's number."), "board_number"
    )
    if date is None:
        raise EligibilityError("board_date_required", _("Enter the decision's date."), "board_date")
    if date > today():
        raise EligibilityError(
            "board_date_future", _("The decision cannot be dated in the future."), "board_date"
        )
    content_type = None
    if scan is not None:
        content_type = files.check(scan, EligibilityError, field="board_scan")
    decision = (
        BoardDecision.objects.select_for_update()
        .filter(school=school, number=number[:40], date=date)
        .first()
    )
    creating = decision is None
    if decision is None:
        if not text:
            raise EligibilityError(
                "board_text_required", _("Enter what the board decided."), "board_text"
            )
        decision = BoardDecision(school=school, number=number[:40], date=date, text=text)
    changed = ["number", "date", "text"] if creating else []
    if content_type and not decision.scan:
        decision.scan.save(uploads.storage_name(content_type), File(scan), save=False)
        changed.append("scan")
    if creating:
        decision.save()
    elif changed:
        decision.save(update_fields=changed)
    if changed:
        record(user, "create" if creating else "update", decision, fields=changed)
    return decision


__all__ = [
    "EligibilityError",
    "add_evidence",
    "apply_category",
    "confirm_category",
    "kinds_present",
    "record_board_decision",
    "refuse_category",
]
