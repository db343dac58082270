"""The JSON API of categories; the same services as the pages (DESIGN rule 1).

Mounted under /api/v1/ by qamqor/api.py. `request.auth` is the user (token or session).
Without access the answer is 404 `not_found`, as on the pages: existence never leaks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from qamqor.accounts.access import get_family_for_user, get_for_user, get_pupil_for_user, get_scope
from qamqor.accounts.types import ApiRequest
from qamqor.audit.services import audit_read, record_view
from qamqor.core.api import ErrorOut, Moment, StoredFileOut, TextIn, stored_file_out
from qamqor.core.clock import today
from qamqor.core.errors import ServiceError
from qamqor.core.workdays import get_calendar

from . import services
from .models import BoardDecision, CategoryAssignment, Evidence
from .selectors import can_see_pupil_categories, due_of, income_test

router = Router(tags=["eligibility"])


class EvidenceOut(StoredFileOut):
    pass


class BoardDecisionOut(Schema):
    id: int
    number: str
    date: dt.date
    text: str
    has_scan: bool


class AssignmentOut(Schema):
    id: int
    pupil_id: int
    school_id: int
    category: str
    category_label: str
    status: str
    status_label: str
    received_at: dt.datetime
    counted_from: dt.date
    due_date: dt.date
    due_state: str
    due_working_days: int
    valid_from: dt.date | None
    valid_to: dt.date | None
    granted_by: str
    board_decision: BoardDecisionOut | None
    refusal_reason: str
    decided_at: dt.datetime | None
    evidence: list[EvidenceOut]


class ApplyIn(TextIn):
    category: str
    received_at: Moment | None = None
    granted_by: str = ""
    board_decision_id: int | None = None


class ConfirmIn(TextIn):
    valid_from: dt.date
    valid_to: dt.date
    granted_by: str = ""
    board_decision_id: int | None = None


class RefuseIn(TextIn):
    MULTILINE = frozenset({"reason"})
    reason: str


class IncomeTestOut(Schema):
    family_id: int
    year: int
    income: int
    members: int
    per_capita: int
    subsistence_minimum: int | None
    regional: bool
    known: bool
    below: bool


def _evidence_out(e: Evidence) -> dict[str, Any]:
    return stored_file_out(e, "eligibility:evidence")


def _out(a: CategoryAssignment, day: dt.date | None = None, cal: Any = None) -> dict[str, Any]:
    due = due_of(a, day or today(), cal)
    decision = a.board_decision
    return {
        "id": a.pk,
        "pupil_id": a.pupil_id,
        "school_id": a.school_id,
        "category": a.category,
        "category_label": str(a.get_category_display()),
        "status": a.status,
        "status_label": str(a.get_status_display()),
        "received_at": a.received_at,
        "counted_from": a.counted_from,
        "due_date": a.due_date,
        "due_state": due.state,
        "due_working_days": due.days,
        "valid_from": a.valid_from,
        "valid_to": a.valid_to,
        "granted_by": a.granted_by,
        "board_decision": None
        if decision is None
        else {
            "id": decision.pk,
            "number": decision.number,
            "date": decision.date,
            "text": decision.text,
            "has_scan": bool(decision.scan),
        },
        "refusal_reason": a.refusal_reason,
        "decided_at": a.decided_at,
        # Sorted here, not by the query: a list of assignments prefetches their evidence.
        "evidence": [
            _evidence_out(e) for e in sorted(a.evidence.all(), key=lambda e: (e.uploaded_at, e.pk))
        ],
    }


def _pupil(request: ApiRequest, pupil_id: int, write: bool = False) -> Any:
    pupil = get_pupil_for_user(request.auth, pupil_id, write=write)
    if not can_see_pupil_categories(request.auth, pupil):
        raise Http404
    return pupil


def _assignment(request: ApiRequest, pk: int, write: bool = False) -> CategoryAssignment:
    return get_for_user(request.auth, CategoryAssignment, pk, write=write)


def _decision(school_id: int, pk: int | None) -> BoardDecision | None:
    if pk is None:
        return None
    decision = BoardDecision.objects.filter(pk=pk, school_id=school_id).first()
    if decision is None:
        raise ServiceError(
            "board_decision_not_found", _("No such board decision in the pupil's school.")
        )
    return decision


@router.get("/pupils/{pupil_id}/categories", response=list[AssignmentOut])
@audit_read(CategoryAssignment)
def list_pupil_categories(request: ApiRequest, pupil_id: int):
    """The pupil's category applications and decisions, newest first."""
    pupil = _pupil(request, pupil_id)
    day, cal = today(), get_calendar()
    qs = (
        pupil.categories.select_related("board_decision")
        .prefetch_related("evidence")
        .order_by("-received_at", "-id")
    )
    return [_out(a, day, cal) for a in qs]


@router.post("/pupils/{pupil_id}/categories", response={201: AssignmentOut, 409: ErrorOut})
def apply_pupil_category(request: ApiRequest, pupil_id: int, payload: ApplyIn):
    """Register an application for a category; the decision is due in 15 working days."""
    pupil = _pupil(request, pupil_id, write=True)
    assignment = services.apply_category(
        request.auth,
        pupil,
        payload.category,
        payload.received_at,
        payload.granted_by,
        board_decision=_decision(pupil.school_id, payload.board_decision_id),
    )
    return Status(201, _out(assignment))


@router.get("/category-assignments/{assignment_id}", response=AssignmentOut)
def get_assignment(request: ApiRequest, assignment_id: int):
    return _out(record_view(request.auth, _assignment(request, assignment_id)))


@router.post(
    "/category-assignments/{assignment_id}/confirm",
    response={200: AssignmentOut, 409: ErrorOut},
)
def confirm_assignment(request: ApiRequest, assignment_id: int, payload: ConfirmIn):
    """Confirm: evidence present, board decision for categories 4-5, income test for 2."""
    assignment = _assignment(request, assignment_id, write=True)
    services.confirm_category(
        request.auth,
        assignment,
        payload.valid_from,
        payload.valid_to,
        payload.granted_by,
        _decision(assignment.school_id, payload.board_decision_id),
    )
    return _out(assignment)


@router.post(
    "/category-assignments/{assignment_id}/refuse",
    response={200: AssignmentOut, 409: ErrorOut},
)
def refuse_assignment(request: ApiRequest, assignment_id: int, payload: RefuseIn):
    assignment = _assignment(request, assignment_id, write=True)
    services.refuse_category(request.auth, assignment, payload.reason)
    return _out(assignment)


@router.post(
    "/category-assignments/{assignment_id}/evidence",
    response={201: EvidenceOut, 409: ErrorOut},
)
def upload_evidence(
    request: ApiRequest, assignment_id: int, kind: Form[str], file: File[UploadedFile]
):
    """Add a document (multipart: `kind`, `file`); PDF, JPEG or PNG, checked by content."""
    assignment = _assignment(request, assignment_id, write=True)
    evidence = services.add_evidence(request.auth, assignment, kind, file)
    return Status(201, _evidence_out(evidence))


@router.get("/families/{family_id}/income-test", response=IncomeTestOut)
@audit_read("registry.family", key="family_id")
def family_income_test(request: ApiRequest, family_id: int, year: int | None = None):
    """Per-capita income against the subsistence minimum (the region's own value wins)."""
    family = get_family_for_user(request.auth, family_id)
    if not get_scope(request.auth).can_see_categories(family.school_id):
        raise Http404
    test = income_test(family, year or today().year)
    return {
        "family_id": family.pk,
        "year": test.year,
        "income": test.income,
        "members": test.members,
        "per_capita": test.per_capita,
        "subsistence_minimum": test.minimum,
        "regional": test.regional,
        "known": test.known,
        "below": test.below,
    }
