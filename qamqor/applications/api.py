"""The JSON API of public-service applications; the same services as the pages (DESIGN rule 1).

Mount: `from qamqor.applications.api import router as applications_router` under /api/v1/.
Without access the answer is 404 `not_found`, as on the pages: existence never leaks. The
API registers applications for the school (paper or portal); a parent's own electronic
application needs the one-time password of the parent pages.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any, overload

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from qamqor.accounts.access import get_for_user, get_pupil_for_user, get_scope, visible
from qamqor.accounts.types import ApiRequest
from qamqor.audit.services import audit_read, record_view
from qamqor.core.api import ErrorOut, Moment, Paging, StoredFileOut, TextIn, stored_file_out
from qamqor.core.clock import today
from qamqor.core.errors import ServiceError
from qamqor.registry.models import Guardian

from . import services
from .catalogue import passports
from .models import Application, ApplicationDocument, Channel, Service
from .selectors import (
    acts_for_family,
    application_checklist,
    can_decide_appeal,
    can_write,
    checklist_for_pupil,
    due_of,
)

router = Router(tags=["applications"])
Status_ = Application.Status


class DocumentOut(StoredFileOut):
    pass


class ChecklistItemOut(Schema):
    kind: str
    label: str
    text: str
    condition: str | None
    present: bool


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    at: dt.datetime
    comment: str


class ApplicationOut(Schema):
    id: int
    school_id: int
    pupil_id: int
    applicant_id: int | None
    service: str
    service_label: str
    channel: str
    signed_with: str
    category: str
    status: str
    status_label: str
    allowed_transitions: list[str]
    received_at: dt.datetime
    counted_from: dt.date
    due_date: dt.date
    due_state: str
    due_working_days: int
    requested_documents: list[str]
    request_note: str
    refusal_reason: str
    decided_at: dt.datetime | None
    appeal_text: str
    appeal_due_date: dt.date | None
    appeal_decision: str
    checklist: list[ChecklistItemOut]
    missing_documents: list[str]
    documents: list[DocumentOut]
    history: list[StatusChangeOut]


class ApplicationIn(TextIn):
    MULTILINE = frozenset({"notes"})
    pupil_id: int
    service: str
    channel: str
    received_at: Moment | None = None
    signed_with: str = ""
    category: str = ""
    applicant_id: int | None = None
    allow_incomplete: bool = False
    notes: str = ""


class TransitionIn(TextIn):
    MULTILINE = frozenset({"comment", "reason"})
    to: str
    comment: str = ""
    reason: str = ""
    kinds: list[str] = []


class ApplicationFilters(Schema):
    school: int | None = None
    pupil: int | None = None
    service: str | None = None
    status: str | None = None


class ServiceOut(Schema):
    service: str
    label: str
    name: str
    working_days: int
    channels: dict[str, list[ChecklistItemOut]]


def _items(items: list) -> list[dict[str, Any]]:
    return [
        {
            "kind": i.kind,
            "label": i.label,
            "text": str(i.text),
            "condition": str(i.condition) if i.condition else None,
            "present": i.present,
        }
        for i in items
    ]


def _document_out(d: ApplicationDocument) -> dict[str, Any]:
    return stored_file_out(d, "applications:document")


def _out(a: Application) -> dict[str, Any]:
    """The application as answered; its documents and history come from a prefetch if any."""
    documents = sorted(a.documents.all(), key=lambda d: (d.uploaded_at, d.pk))
    present = {d.kind for d in documents}
    due = due_of(a, today())
    return {
        "id": a.pk,
        "school_id": a.school_id,
        "pupil_id": a.pupil_id,
        "applicant_id": a.applicant_id,
        "service": a.service,
        "service_label": str(a.get_service_display()),
        "channel": a.channel,
        "signed_with": a.signed_with,
        "category": a.category,
        "status": a.status,
        "status_label": str(a.get_status_display()),
        "allowed_transitions": sorted(a.allowed_transitions()),
        "received_at": a.received_at,
        "counted_from": a.counted_from,
        "due_date": a.due_date,
        "due_state": due.state,
        "due_working_days": due.days,
        "requested_documents": list(a.requested_documents or []),
        "request_note": a.request_note,
        "refusal_reason": a.refusal_reason,
        "decided_at": a.decided_at,
        "appeal_text": a.appeal_text,
        "appeal_due_date": a.appeal_due_date,
        "appeal_decision": a.appeal_decision,
        "checklist": _items(application_checklist(a, present)),
        "missing_documents": a.missing_documents(present),
        "documents": [_document_out(d) for d in documents],
        "history": [
            {
                "from_status": h.from_status,
                "to_status": h.to_status,
                "at": h.at,
                "comment": h.comment,
            }
            for h in sorted(a.history.all(), key=lambda h: (h.at, h.pk))
        ],
    }


def _application(request: ApiRequest, pk: int, write: bool = False) -> Application:
    return get_for_user(request.auth, Application, pk, write=write)


@router.get("/services", response=list[ServiceOut])
def list_services(request: HttpRequest):
    """The service catalogue: each service with its full document checklist per channel."""
    return [
        {
            "service": p.service,
            "label": p.label,
            "name": str(p.name),
            "working_days": p.working_days,
            "channels": {group.channel: _items(group.items) for group in p.documents},
        }
        for p in passports()
    ]


@router.get("/pupils/{pupil_id}/service-checklist", response=list[ChecklistItemOut])
@audit_read("registry.pupil", param="pupil_id")
def pupil_checklist(
    request: ApiRequest, pupil_id: int, service: str, channel: str, category: str = ""
):
    """The documents this child's family must give (the civil registry decides the certificates)."""
    pupil = get_pupil_for_user(request.auth, pupil_id)
    scope = get_scope(request.auth)
    if not (scope.can_write(pupil.school_id) or pupil.pk in scope.child_ids):
        raise Http404
    if service not in Service.values or channel not in Channel.values:
        raise ServiceError("invalid", _("Choose a service and a channel."))
    return _items(checklist_for_pupil(pupil, service, channel, category)[0])


@router.get("/applications", response=list[ApplicationOut])
@audit_read(Application)
@paginate(Paging)
def list_applications(request: ApiRequest, filters: Query[ApplicationFilters]):
    """Applications the caller may read (school staff: their schools; a parent: their children)."""
    qs = visible(request.auth, Application).order_by("-received_at", "-id")
    f = filters.dict(exclude_none=True)
    for key, field in (("school", "school_id"), ("pupil", "pupil_id"), ("service", "service")):
        if key in f:
            qs = qs.filter(**{field: f[key]})
    if "status" in f:
        qs = qs.filter(status__in=f["status"].split(","))
    return _Answered(qs.prefetch_related("documents", "history"))


class _Answered(Sequence[dict[str, Any]]):
    """The rows as `_out` answers them, made only for the slice the paging asks for (the count
    is the query's): serialising every readable application before paging cost three
    queries a row."""

    def __init__(self, qs: QuerySet[Application]) -> None:
        self.qs = qs

    def __len__(self) -> int:
        return self.qs.count()

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [_out(a) for a in self.qs[index]]
        return _out(self.qs[index])


@router.post("/applications", response={201: ApplicationOut, 404: ErrorOut, 409: ErrorOut})
def create_application(request: ApiRequest, payload: ApplicationIn):
    """Register an application received at the school, at ЦОН or through the portal."""
    pupil = get_pupil_for_user(request.auth, payload.pupil_id, write=True)
    applicant = None
    if payload.applicant_id is not None:
        applicant = Guardian.objects.filter(
            pk=payload.applicant_id, family_id=pupil.family_id
        ).first()
        if applicant is None:
            raise ServiceError(
                "applicant_not_guardian", _("The applicant is not a guardian of this child.")
            )
    application = services.submit_application(
        request.auth,
        pupil,
        payload.service,
        payload.channel,
        received_at=payload.received_at,
        signed_with=payload.signed_with,
        category=payload.category,
        applicant=applicant,
        allow_incomplete=payload.allow_incomplete,
        notes=payload.notes,
    )
    return Status(201, _out(application))


@router.get("/applications/{application_id}", response=ApplicationOut)
def get_application(request: ApiRequest, application_id: int):
    return _out(record_view(request.auth, _application(request, application_id)))


@router.post(
    "/applications/{application_id}/transitions",
    response={200: ApplicationOut, 409: ErrorOut},
)
def transition(request: ApiRequest, application_id: int, payload: TransitionIn):
    """Move the application: `to` one of under_review, documents_requested (`kinds`, `comment`),
    approved, refused (`reason`), appealed (`comment`: the parent's complaint). On an appealed
    application the principal sends it back to under_review (upheld) or refused (dismissed),
    with the reasons in `comment`. Payment and the purchase report belong to the aid API."""
    user = request.auth
    a = _application(request, application_id)
    writer = can_write(user, a)
    to = payload.to
    if a.status == Status_.APPEALED and to in {Status_.UNDER_REVIEW, Status_.REFUSED}:
        if not can_decide_appeal(user, a):
            raise Http404
        services.decide_appeal(user, a, to == Status_.UNDER_REVIEW, payload.comment)
    elif to == Status_.APPEALED:
        if not acts_for_family(user, a):
            raise Http404
        services.file_appeal(user, a, payload.comment)
    elif to in {Status_.UNDER_REVIEW, Status_.DOCUMENTS_REQUESTED, Status_.APPROVED,
                Status_.REFUSED}:  # fmt: skip
        if not writer:
            raise Http404
        if to == Status_.UNDER_REVIEW:
            services.start_review(user, a)
        elif to == Status_.DOCUMENTS_REQUESTED:
            services.request_documents(user, a, payload.kinds, payload.comment)
        elif to == Status_.APPROVED:
            services.approve_application(user, a, payload.comment)
        else:
            services.refuse_application(user, a, payload.reason)
    else:
        if not writer:
            raise Http404
        raise ServiceError(
            "transition_not_here",
            _("Payments and purchase reports are recorded through the aid pages and API."),
            status=409,
        )
    a.refresh_from_db()
    return _out(a)


@router.post("/applications/{application_id}/documents", response={201: DocumentOut, 409: ErrorOut})
def upload_document(
    request: ApiRequest, application_id: int, kind: Form[str], file: File[UploadedFile]
):
    """Add a document (multipart: `kind`, `file`); PDF, JPEG or PNG, checked by content."""
    a = _application(request, application_id)
    if not acts_for_family(request.auth, a):
        raise Http404
    document = services.add_document(request.auth, a, kind, file)
    return Status(201, _document_out(document))
