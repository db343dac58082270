"""The JSON API of the month's meal list; the same services as the pages (DESIGN rule 1).

Mounted under /api/v1/ by qamqor/api.py. `request.auth` is the user (token or session).
Without access the answer is 404 `not_found`, as on the pages: existence never leaks.
Months are written `YYYY-MM`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Router, Schema

from qamqor.accounts.access import get_school_for_user, get_scope
from qamqor.accounts.types import ApiRequest
from qamqor.audit.services import audit_read
from qamqor.core.api import ErrorOut, TextIn
from qamqor.core.errors import ServiceError
from qamqor.registry.models import School

from ..models import Basis, MonthlyList
from ..services import lists as services
from ..services import vouchers as voucher_services
from ..services.programme import month_key, parse_month, programme_for
from ..services.verification import POLL_BUDGET, advance_verification, failure_message

router = Router(tags=["meals"])


class TransitionOut(Schema):
    from_status: str
    to_status: str
    by: str | None
    at: dt.datetime
    comment: str


class FailureOut(Schema):
    pupil_id: int
    name: str
    class_label: str
    basis: str | None
    code: str
    message: str
    reason: str


class DepartureOut(Schema):
    pupil_id: int
    name: str
    class_label: str
    basis: str | None
    reason: str
    reason_label: str
    detail: str


class ProgressOut(Schema):
    status: str
    status_label: str
    done: int
    total: int
    percent: int
    verified: int
    failed: int
    failures: list[FailureOut]


class ListOut(Schema):
    school_id: int
    month: str
    status: str
    status_label: str
    comment: str
    formed_at: dt.datetime | None
    verified_at: dt.datetime | None
    programme_id: int | None
    total: int
    by_basis: dict[str, int] | None
    by_category_total: int
    by_grade: dict[str, int]
    verification: ProgressOut
    previous_month: str | None
    joined: int
    left: list[DepartureOut]
    transitions: list[TransitionOut]
    vouchers: dict[str, int] | None


class CommentIn(TextIn):
    MULTILINE = frozenset({"comment"})
    comment: str = ""


def _month(value: str) -> dt.date:
    try:
        return parse_month(value)
    except ValueError as exc:
        raise ServiceError("month_invalid", _("Write the month as YYYY-MM.")) from exc


NOT_FORMED = "not_formed"


def _not_formed() -> ServiceError:
    return ServiceError("list_not_formed", _("The month's list is not formed yet."), status=409)


def _list(school: School, month: dt.date) -> MonthlyList:
    lst = services.get_list(school.pk, month)
    if lst is None:
        raise _not_formed()
    return lst


def _empty_progress() -> dict[str, Any]:
    return {
        "status": NOT_FORMED,
        "status_label": _("not formed yet"),
        "done": 0,
        "total": 0,
        "percent": 0,
        "verified": 0,
        "failed": 0,
        "failures": [],
    }


def _empty_out(school: School, month: dt.date) -> dict[str, Any]:
    """A month whose list is not formed yet: a month always exists, its list may not."""
    programme = programme_for(school.pk, month)
    return {
        "school_id": school.pk,
        "month": month_key(month),
        "status": NOT_FORMED,
        "status_label": _("not formed yet"),
        "comment": "",
        "formed_at": None,
        "verified_at": None,
        "programme_id": programme.pk if programme else None,
        "total": 0,
        "by_basis": None,
        "by_category_total": 0,
        "by_grade": {},
        "verification": _empty_progress(),
        "previous_month": None,
        "joined": 0,
        "left": [],
        "transitions": [],
        "vouchers": None,
    }


def _progress(lst: MonthlyList, show_basis: bool) -> dict[str, Any]:
    counts = services.counts(lst)
    return {
        "status": lst.status,
        "status_label": str(lst.get_status_display()),
        "done": lst.verification_done,
        "total": lst.verification_total,
        "percent": lst.progress_percent,
        "verified": counts.verified,
        "failed": counts.failed,
        "failures": [
            {
                "pupil_id": e.pupil_id,
                "name": e.pupil.full_name,
                "class_label": e.class_label,
                "basis": e.basis if show_basis else None,
                "code": e.failure_code,
                "message": failure_message(e.failure_code),
                "reason": e.failure_reason,
            }
            for e in services.failures(lst)
        ],
    }


def _out(request: ApiRequest, lst: MonthlyList) -> dict[str, Any]:
    show_basis = get_scope(request.auth).can_see_categories(lst.school_id)
    counts = services.counts(lst)
    diff = services.diff_with_previous(lst)
    vouchers = None
    if lst.status == MonthlyList.Status.VERIFIED:
        vouchers = voucher_services.voucher_counts(lst.school_id, lst.month).by_status
    return {
        "school_id": lst.school_id,
        "month": month_key(lst.month),
        "status": lst.status,
        "status_label": str(lst.get_status_display()),
        "comment": lst.comment,
        "formed_at": lst.formed_at,
        "verified_at": lst.verified_at,
        "programme_id": lst.programme_id,
        "total": counts.total,
        "by_basis": counts.by_basis if show_basis else None,
        "by_category_total": sum(n for b, n in counts.by_basis.items() if b != Basis.UNIVERSAL),
        "by_grade": {str(g): n for g, n in counts.by_grade.items()},
        "verification": _progress(lst, show_basis),
        "previous_month": month_key(diff.previous.month) if diff.previous else None,
        "joined": diff.joined,
        "left": [
            {
                "pupil_id": d.pupil.pk,
                "name": d.pupil.full_name,
                "class_label": d.class_label,
                "basis": d.basis if show_basis else None,
                "reason": d.reason.code if show_basis or not d.reveals_category else "hidden",
                "reason_label": d.label
                if show_basis or not d.reveals_category
                else _("not entitled this month"),
                "detail": d.reason.detail if show_basis or not d.reveals_category else "",
            }
            for d in diff.left
        ],
        "transitions": [
            {
                "from_status": t.from_status,
                "to_status": t.to_status,
                "by": t.by.display_name() if t.by else None,
                "at": t.at,
                "comment": t.comment,
            }
            for t in lst.transitions.select_related("by")
        ],
        "vouchers": vouchers,
    }


@router.get("/meals/lists/{school_id}/{month}", response=ListOut)
@audit_read(MonthlyList)
def get_month_list(request: ApiRequest, school_id: int, month: str):
    """The month's list: status, counts per basis and grade, who left and why, history.

    A month whose list is not formed yet answers with status `not_formed` and no pupils.
    """
    school = get_school_for_user(request.auth, school_id)
    month_ = _month(month)
    lst = services.get_list(school.pk, month_)
    return _out(request, lst) if lst else _empty_out(school, month_)


@router.post("/meals/lists/{school_id}/{month}/form", response={200: ListOut, 409: ErrorOut})
def form_month_list(request: ApiRequest, school_id: int, month: str):
    """Form (or form again) the month's list from the registry."""
    school = get_school_for_user(request.auth, school_id, write=True)
    lst = services.form_list(request.auth, school, _month(month))
    return _out(request, lst)


@router.post("/meals/lists/{school_id}/{month}/submit", response={200: ListOut, 409: ErrorOut})
def submit_month_list(request: ApiRequest, school_id: int, month: str, payload: CommentIn):
    """The pedagogue sends the list to the principal."""
    school = get_school_for_user(request.auth, school_id, write=True)
    lst = services.submit_list(request.auth, _list(school, _month(month)), payload.comment)
    return _out(request, lst)


@router.post("/meals/lists/{school_id}/{month}/approve", response={200: ListOut, 409: ErrorOut})
def approve_month_list(request: ApiRequest, school_id: int, month: str, payload: CommentIn):
    """The principal approves; state verification starts at once (poll `verification`)."""
    school = get_school_for_user(request.auth, school_id, roles=services.APPROVERS)
    lst = services.approve_list(request.auth, _list(school, _month(month)), payload.comment)
    return _out(request, lst)


@router.post("/meals/lists/{school_id}/{month}/return", response={200: ListOut, 409: ErrorOut})
def return_month_list(request: ApiRequest, school_id: int, month: str, payload: CommentIn):
    """The principal returns the list to the pedagogue; the comment is required."""
    school = get_school_for_user(request.auth, school_id, roles=services.APPROVERS)
    lst = services.return_list(request.auth, _list(school, _month(month)), payload.comment)
    return _out(request, lst)


@router.get("/meals/lists/{school_id}/{month}/verification", response=ProgressOut)
@audit_read(MonthlyList)
def month_list_verification(request: ApiRequest, school_id: int, month: str):
    """Verification progress and the pupils who failed, with the reason.

    Polling moves a verifying list on by up to a second of work, as the page does, so a
    client sees it finish even where no worker runs.
    """
    school = get_school_for_user(request.auth, school_id)
    lst = services.get_list(school.pk, _month(month))
    if lst is None:
        return _empty_progress()
    if lst.status == MonthlyList.Status.VERIFYING:
        lst = advance_verification(lst.pk, budget=POLL_BUDGET)
    return _progress(lst, get_scope(request.auth).can_see_categories(school.pk))
