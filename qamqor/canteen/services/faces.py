"""Face-ID consent and enrolment: every write, each in its own transaction.

- A parent gives or withdraws consent for their own child online; the pedagogue records a
  consent signed on paper (naming the guardian who signed) or its withdrawal.
- Enrolment needs a consent in force. The photo is decoded in memory, its one face encoded
  and the encoding sealed (`faceid.crypto`); the photo itself is never stored.
- Withdrawal deletes the template row in the same transaction.
- Both bump the school's gallery version, so every process re-reads the templates.

Access is the caller's: views fetch the pupil through `accounts.access` first.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from qamqor.accounts.types import User, signed_in
from qamqor.audit.services import record
from qamqor.core.clock import now, today
from qamqor.core.errors import ServiceError
from qamqor.registry.models import Guardian, Pupil

from ..faceid import crypto, engine, gallery
from ..models import Canteen, FaceConsent, FaceTemplate
from .canteen import canteen_of


class FaceIdError(ServiceError):
    pass


def live_consent(pupil: Pupil) -> FaceConsent | None:
    return (
        FaceConsent.objects.filter(pupil=pupil, withdrawn_at__isnull=True)
        .select_related("guardian")
        .first()
    )


def _locked_consent(pupil: Pupil) -> FaceConsent | None:
    return (
        FaceConsent.objects.select_for_update()
        .filter(pupil=pupil, withdrawn_at__isnull=True)
        .first()
    )


def _gallery_changed(school_id: int) -> None:
    canteen_of(school_id)
    Canteen.objects.filter(school_id=school_id).update(faces_version=F("faces_version") + 1)
    gallery.forget(school_id)
    transaction.on_commit(lambda: gallery.forget(school_id))


def _check_pupil(pupil: Pupil) -> None:
    if pupil.status != Pupil.Status.ACTIVE:
        raise FaceIdError("pupil_not_active", _("The pupil no longer studies at the school."))


def _guardian_of(pupil: Pupil, guardian: Guardian | None) -> Guardian:
    if guardian is None or pupil.family_id is None or guardian.family_id != pupil.family_id:
        raise FaceIdError(
            "guardian_invalid",
            _("Choose the parent or legal representative of this child who gave the consent."),
            "guardian",
        )
    return guardian


def _create_consent(
    user: User | None, pupil: Pupil, guardian: Guardian, source: str, given_at: dt.datetime
) -> FaceConsent:
    _check_pupil(pupil)
    try:
        with transaction.atomic():
            consent = FaceConsent.objects.create(
                school_id=pupil.school_id,
                pupil=pupil,
                guardian=guardian,
                source=source,
                given_at=given_at,
                recorded_by=signed_in(user),
            )
    except IntegrityError as exc:
        raise FaceIdError(
            "consent_exists", _("A consent for this child is already in force.")
        ) from exc
    record(user, "create", consent, fields=["guardian", "scope", "given_at", "source"])
    return consent


@transaction.atomic
def give_consent(user: User, pupil: Pupil) -> FaceConsent:
    """The signed-in parent consents for their own child (the view checked the child)."""
    guardian = Guardian.objects.filter(user=user, family_id=pupil.family_id).first()  # type: ignore[misc]  # no family: None
    if guardian is None:
        raise FaceIdError(
            "not_a_guardian", _("Only the child's parent or legal representative can consent.")
        )
    return _create_consent(user, pupil, guardian, FaceConsent.Source.ONLINE, now())


@transaction.atomic
def record_paper_consent(
    user: User, pupil: Pupil, guardian: Guardian | None, signed_on: dt.date
) -> FaceConsent:
    """The pedagogue records a consent the parent signed on paper on `signed_on`."""
    guardian = _guardian_of(pupil, guardian)
    if signed_on > today():
        raise FaceIdError(
            "signed_in_future", _("The date of signing cannot be in the future."), "signed_on"
        )
    moment = dt.datetime.combine(signed_on, dt.time(12, 0), tzinfo=now().tzinfo)
    given_at = min(now(), moment)
    return _create_consent(user, pupil, guardian, FaceConsent.Source.PAPER, given_at)


@transaction.atomic
def withdraw_consent(user: User | None, pupil: Pupil) -> FaceConsent:
    """End the consent in force and erase the child's face template with it."""
    consent = _locked_consent(pupil)
    if consent is None:
        raise FaceIdError("no_consent", _("There is no consent in force for this child."))
    consent.withdrawn_at = now()
    consent.withdrawn_by = signed_in(user)
    consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
    record(user, "update", consent, fields=["withdrawn_at"])
    erased, _counts = FaceTemplate.objects.filter(pupil=pupil).delete()
    if erased:
        record(
            user,
            "delete",
            object_type="canteen.facetemplate",
            object_id=pupil.pk,
            school_id=pupil.school_id,
            fields=["face_template"],
            label=pupil.short_name,
        )
    _gallery_changed(pupil.school_id)
    return consent


def enrol_face(user: User | None, pupil: Pupil, photo: bytes) -> FaceTemplate:
    """Encode the one face of `photo` and keep it sealed, replacing an earlier template.

    The slow part (detection and encoding, about half a second) runs before the
    transaction; the photo's bytes are the caller's and are not kept."""
    _check_pupil(pupil)
    if live_consent(pupil) is None:
        raise FaceIdError(
            "no_consent", _("Record the parent's consent before enrolling the child's face.")
        )
    try:
        encoding = engine.enrolment_encoding(photo)
    except engine.FaceError as exc:
        raise FaceIdError(exc.code, exc.message, "photo") from exc
    sealed = crypto.seal(encoding, pupil.school_id, pupil.pk)
    with transaction.atomic():
        # The consent may have been withdrawn while the photo was being processed.
        consent = _locked_consent(pupil)
        if consent is None:
            raise FaceIdError("no_consent", _("The consent was withdrawn meanwhile."))
        FaceTemplate.objects.filter(pupil=pupil).delete()
        template = FaceTemplate.objects.create(
            school_id=pupil.school_id,
            pupil=pupil,
            consent=consent,
            sealed=sealed,
            created_at=now(),
            created_by=signed_in(user),
        )
        record(user, "create", template, fields=["face_template"], label=pupil.short_name)
        _gallery_changed(pupil.school_id)
    return template
