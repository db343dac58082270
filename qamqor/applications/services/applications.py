"""Every write of an application: receipt, documents, review, decision, appeal.

Each function owns its transaction, locks the application row, checks the transition table
of `Application`, records the change as a `StatusChange` and in the audit trail (field names,
never values). Access is the caller's job: views and the API fetch the pupil or application
through `accounts.access` before calling here. A refusal is an `ApplicationError` with a
stable code and a message in the active language.

`transition_application` is the one door for a status change; the `aid` app drives the
cash-aid tail (paid → report_due → reported → accepted | overdue) through it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import IO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qamqor.accounts.types import User, signed_in
from qamqor.audit.services import record, store_file
from qamqor.core import files
from qamqor.core.clock import now, today
from qamqor.core.errors import ServiceError
from qamqor.core.status import move
from qamqor.core.workdays import add_working_days, due_date, get_calendar
from qamqor.eligibility.models import Category
from qamqor.registry.models import Guardian, Pupil

from ..civil import CivilRegistry, certificates_needed
from ..models import (
    APPEAL_WORKING_DAYS,
    DECISION_WORKING_DAYS,
    PAPER_CHANNELS,
    Application,
    ApplicationDocument,
    Channel,
    DocumentKind,
    Service,
    Signature,
    StatusChange,
)
from . import notify

Status = Application.Status


class ApplicationError(ServiceError):
    conflicts = frozenset(
        {"transition_not_allowed", "already_applied", "already_granted", "documents_closed"}
    )


def kind_labels(kinds: Iterable[str]) -> str:
    return "; ".join(str(DocumentKind(k).label) for k in kinds)


def kinds_present(application: Application) -> set[str]:
    return set(application.documents.values_list("kind", flat=True))


def _locked(application: Application) -> Application:
    """The row again, locked: two clerks acting at once must not both win."""
    fresh = Application.objects.select_for_update().get(pk=application.pk)
    for f in Application._meta.concrete_fields:
        setattr(application, f.attname, getattr(fresh, f.attname))
    return application


def _check_document(kind: str, f: IO[bytes] | None) -> str:
    if kind not in DocumentKind.values:
        raise ApplicationError(
            "document_kind_invalid", _("Choose the type of the document."), "kind"
        )
    return files.check(f, ApplicationError)


def transition_application(
    user: User | None,
    application: Application,
    status: str,
    *,
    comment: str = "",
    fields: Iterable[str] = (),
) -> Application:
    """Move the application to `status` if the table allows it; record who, when and why.

    `fields` names the other fields the caller set on `application` before calling (they are
    saved with the status). Call inside the caller's transaction, after `_locked` or
    `lock_application`.
    """
    fields = list(fields)
    move(
        application,
        status,
        error=ApplicationError,
        fields=[*fields, "updated_at"],
        by=user,
        comment=comment,
    )
    record(user, "update", application, fields=["status", *fields])
    return application


@transaction.atomic
def lock_application(application: Application) -> Application:
    """For other apps' services: the application re-read under a row lock."""
    return _locked(application)


def _received(received_at: dt.datetime | None) -> dt.datetime:
    received_at = received_at or now()
    if timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)
    if received_at > now():
        raise ApplicationError(
            "received_in_future",
            _("The application cannot be received in the future."),
            "received_at",
        )
    return received_at


def _check_request(
    pupil: Pupil, service: str, channel: str, signed_with: str, category: str
) -> None:
    if service not in Service.values:
        raise ApplicationError("service_invalid", _("Choose a service."), "service")
    if channel not in Channel.values:
        raise ApplicationError("channel_invalid", _("Choose how the application came."), "channel")
    if category and category not in Category.values:
        raise ApplicationError(
            "category_invalid", _("Choose one of the five categories."), "category"
        )
    if channel == Channel.PORTAL and signed_with not in {Signature.EDS, Signature.OTP}:
        # seed 001: an electronic application is signed with ЭЦҚ or a one-time password.
        raise ApplicationError(
            "signature_required",
            _("An application through the portal is signed with ЭЦҚ or a one-time password."),
            "signed_with",
        )
    if channel in PAPER_CHANNELS and signed_with:
        raise ApplicationError(
            "signature_not_applicable",
            _("A paper application is signed by hand: leave the electronic signature empty."),
            "signed_with",
        )
    if pupil.status != Pupil.Status.ACTIVE:
        raise ApplicationError("pupil_not_active", _("The pupil no longer studies at the school."))


def _check_duplicate(pupil: Pupil, service: str, received_at: dt.datetime) -> None:
    same = Application.objects.filter(pupil=pupil, service=service)
    if same.filter(status__in=Application.OPEN_STATUSES).exists():
        raise ApplicationError(
            "already_applied",
            _("An application for this service is already waiting for a decision."),
            "service",
        )
    if service == Service.FINANCIAL_AID:
        # Seed 000: the cash aid is an amount per child and year.
        year = timezone.localdate(received_at).year
        granted = same.exclude(status__in=[Status.REFUSED, *Application.OPEN_STATUSES]).filter(
            received_at__year=year
        )
        if granted.exists():
            raise ApplicationError(
                "already_granted",
                _("The child already receives this aid in %(year)s.") % {"year": year},
                "service",
            )


@transaction.atomic
def submit_application(
    user: User,
    pupil: Pupil,
    service: str,
    channel: str,
    *,
    received_at: dt.datetime | None = None,
    signed_with: str = "",
    category: str = "",
    applicant: Guardian | None = None,
    documents: Iterable[tuple[str, IO[bytes]]] = (),
    allow_incomplete: bool = False,
    notes: str = "",
    civil_registry: CivilRegistry | None = None,
) -> Application:
    """Register an application; the decision is due N working days after the receipt day.

    The checklist is fixed here from the civil registry's answer (seed 001: the birth and
    marriage certificates only when the registry has no record). Missing documents are named
    and the application refused unless `allow_incomplete` (the school will ask for them).
    """
    signed_with = signed_with or ""
    _check_request(pupil, service, channel, signed_with, category)
    if applicant is not None and applicant.family_id != pupil.family_id:
        raise ApplicationError(
            "applicant_not_guardian",
            _("The applicant is not a guardian of this child."),
            "applicant",
        )
    # Every file is checked before anything is stored: a rolled-back transaction takes the
    # rows back but not files already written to disk.
    documents = list(documents)
    checked = [_check_document(kind, f) for kind, f in documents]
    received_at = _received(received_at)
    # Lock the pupil: two clerks registering the same application at once get one row.
    Pupil.objects.select_for_update().filter(pk=pupil.pk).first()
    _check_duplicate(pupil, service, received_at)
    birth, marriage, _answered = certificates_needed(pupil.iin, civil_registry)
    application = Application(
        school_id=pupil.school_id,
        pupil=pupil,
        applicant=applicant,
        service=service,
        channel=channel,
        signed_with=signed_with,
        category=category,
        needs_birth_certificate=birth,
        needs_marriage_certificate=marriage,
        received_at=received_at,
        notes=(notes or "").strip(),
        created_by=signed_in(user),
    )
    missing = application.missing_documents({kind for kind, _f in documents})
    if missing and not allow_incomplete:
        raise ApplicationError(
            "documents_missing",
            _("Documents missing: %(kinds)s.") % {"kinds": kind_labels(missing)},
            "documents",
            missing=missing,
        )
    # seed 001: after hours, on a weekend or a holiday it counts from the next working day.
    application.counted_from, application.due_date = due_date(
        received_at, DECISION_WORKING_DAYS[Service(service)]
    )
    application.save()
    StatusChange.objects.create(
        application=application,
        from_status="",
        to_status=Status.SUBMITTED,
        by=signed_in(user),
        at=now(),
        comment=_("Documents missing: %(kinds)s.") % {"kinds": kind_labels(missing)}
        if missing
        else "",
    )
    record(
        user,
        "create",
        application,
        fields=["service", "channel", "status", "received_at", "due_date"]
        + (["category"] if category else []),
    )
    for (kind, f), content_type in zip(documents, checked, strict=True):
        row = ApplicationDocument(application=application, kind=kind)
        store_file(user, row, f, content_type, application.school_id)
    return application


@transaction.atomic
def add_document(
    user: User, application: Application, kind: str, uploaded_file: IO[bytes]
) -> ApplicationDocument:
    """Attach a document. When it completes what the school asked for, the review resumes."""
    _locked(application)
    if not application.parent_may_upload():
        raise ApplicationError(
            "documents_closed",
            _("The application is %(status)s; documents can no longer be added.")
            % {"status": application.get_status_display()},
        )
    content_type = _check_document(kind, uploaded_file)
    document = ApplicationDocument(application=application, kind=kind)
    store_file(user, document, uploaded_file, content_type, application.school_id)
    if application.status == Status.DOCUMENTS_REQUESTED and not application.missing_documents(
        kinds_present(application)
    ):
        transition_application(
            user, application, Status.UNDER_REVIEW, comment=_("The requested documents arrived.")
        )
    return document


@transaction.atomic
def start_review(user: User, application: Application) -> Application:
    """Take a new application (or one waiting for documents) into review."""
    _locked(application)
    if application.status == Status.APPEALED:
        # Back to review from an appeal only by deciding it (`decide_appeal`).
        raise ApplicationError(
            "transition_not_allowed", _("Decide the appeal first: it is the principal's.")
        )
    return transition_application(user, application, Status.UNDER_REVIEW)


@transaction.atomic
def request_documents(
    user: User, application: Application, kinds: Iterable[str], note: str = ""
) -> Application:
    """Ask the family for documents. The legal deadline keeps running (see docs)."""
    _locked(application)
    kinds = [k for k in dict.fromkeys(kinds) if k]
    note = (note or "").strip()
    if any(k not in DocumentKind.values for k in kinds):
        raise ApplicationError(
            "document_kind_invalid", _("Choose the type of the document."), "kinds"
        )
    if not kinds:
        raise ApplicationError(
            "documents_not_named", _("Name at least one document the family must bring."), "kinds"
        )
    application.requested_documents = kinds
    application.request_note = note
    transition_application(
        user,
        application,
        Status.DOCUMENTS_REQUESTED,
        comment=note or kind_labels(kinds),
        fields=["requested_documents", "request_note"],
    )
    notify.documents_requested(application)
    return application


@transaction.atomic
def approve_application(user: User, application: Application, comment: str = "") -> Application:
    _locked(application)
    if application.can_become(Status.APPROVED):
        missing = application.missing_documents(kinds_present(application))
        if missing:
            raise ApplicationError(
                "documents_missing",
                _("Documents missing: %(kinds)s.") % {"kinds": kind_labels(missing)},
                missing=missing,
            )
    return _decide(user, application, Status.APPROVED, comment, [])


@transaction.atomic
def refuse_application(user: User, application: Application, reason: str) -> Application:
    _locked(application)
    reason = (reason or "").strip()
    if application.can_become(Status.REFUSED) and not reason:
        raise ApplicationError(
            "reason_required",
            _("Write the reason for the refusal: the family is told it."),
            "reason",
        )
    application.refusal_reason = reason
    return _decide(user, application, Status.REFUSED, reason, ["refusal_reason"])


def _decide(
    user: User, application: Application, status: str, comment: str, fields: list[str]
) -> Application:
    application.decided_at = now()
    application.decided_by = signed_in(user)
    transition_application(
        user, application, status, comment=comment, fields=[*fields, "decided_at", "decided_by"]
    )
    notify.decided(application)
    return application


@transaction.atomic
def file_appeal(user: User, application: Application, text: str) -> Application:
    """A complaint against the refusal; the school decides it within 5 working days."""
    _locked(application)
    text = (text or "").strip()
    if application.can_become(Status.APPEALED) and not text:
        raise ApplicationError(
            "appeal_text_required", _("Write what you disagree with in the refusal."), "text"
        )
    moment = now()
    cal = get_calendar()
    application.appeal_text = text
    application.appealed_at = moment
    # Law «On public services», art. 25: the provider decides a complaint in 5 working days,
    # counted like an application (after hours → the next working day).
    application.appeal_due_date = cal.add_working_days(
        cal.counted_from(moment), APPEAL_WORKING_DAYS
    )
    application.appeal_decision = ""
    application.appeal_decided_at = None
    return transition_application(
        user,
        application,
        Status.APPEALED,
        comment=text,
        fields=[
            "appeal_text",
            "appealed_at",
            "appeal_due_date",
            "appeal_decision",
            "appeal_decided_at",
        ],
    )


@transaction.atomic
def decide_appeal(user: User, application: Application, upheld: bool, decision: str) -> Application:
    """Upheld: the review starts again with a new term; dismissed: the refusal stands."""
    _locked(application)
    if application.status != Status.APPEALED:
        raise ApplicationError(
            "transition_not_allowed",
            _("The application is %(status)s: there is no appeal to decide.")
            % {"status": application.get_status_display()},
        )
    target = Status.UNDER_REVIEW if upheld else Status.REFUSED
    decision = ApplicationError.required(
        decision, "appeal_decision_required", _("Write the decision on the appeal."), "decision"
    )
    application.appeal_decision = decision
    application.appeal_decided_at = now()
    fields = ["appeal_decision", "appeal_decided_at"]
    if upheld:
        # The refusal is withdrawn: a fresh term for the new review, from today.
        start = today()
        application.due_date = add_working_days(start, DECISION_WORKING_DAYS[application.service])
        application.refusal_reason = ""
        application.decided_at = None
        application.decided_by = None
        fields += ["due_date", "refusal_reason", "decided_at", "decided_by"]
    transition_application(user, application, target, comment=decision, fields=fields)
    if not upheld:
        notify.decided(application)
    return application


__all__ = [
    "ApplicationError",
    "add_document",
    "approve_application",
    "decide_appeal",
    "file_appeal",
    "kind_labels",
    "kinds_present",
    "lock_application",
    "refuse_application",
    "request_documents",
    "start_review",
    "submit_application",
    "transition_application",
]
