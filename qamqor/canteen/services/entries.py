"""Canteen entries: a face at the door terminal, a third-party terminal's event, or a mark
by hand. One entry per pupil and day counts.

Repeats are not stored (docs/canteen_entry.md): the terminal sees a child in several frames
while they pass, and a third-party terminal may resend; the unique (pupil, day) decides, the
first entry stays, and the answer says "already entered at 12:05". Nothing else is kept of
a repeat, nor anything at all of a face that matched nobody.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qamqor.accounts.types import User, signed_in
from qamqor.core.clock import now
from qamqor.core.errors import ServiceError
from qamqor.meals.models import PupilRef
from qamqor.registry.models import Pupil

from ..faceid import engine, gallery
from ..models import Entry

CLOCK_SKEW = dt.timedelta(minutes=2)
# As for meal scans (meals.services.redeem): an offline terminal's events up to a week old.
MAX_AGE = dt.timedelta(days=7)

MESSAGES = {
    "unknown_pupil": gettext_lazy("No pupil of this terminal's schools has this reference."),
    "at_future": gettext_lazy("The entry time is in the future: check the terminal's clock."),
    "at_too_old": gettext_lazy("The entry is more than 7 days old and can no longer be accepted."),
    "pupil_not_active": gettext_lazy("The pupil no longer studies at the school."),
}


class EntryError(ServiceError):
    messages = MESSAGES


@dataclass(slots=True)
class Outcome:
    """What a terminal shows for one pupil: entered now, or already earlier today."""

    entry: Entry
    created: bool
    pupil: Pupil

    def answer(self) -> dict[str, Any]:
        klass = self.pupil.school_class
        return {
            "status": "entered" if self.created else "already",
            # Name and surname initial: what a canteen screen may show (never a category).
            "pupil": self.pupil.short_name,
            "class": str(klass) if klass else "",
            "at": timezone.localtime(self.entry.at).isoformat(),
        }


def record_entry(
    pupil: Pupil,
    at: dt.datetime,
    *,
    source: str,
    terminal: str = "",
    user: User | None = None,
) -> Outcome:
    """The pupil's entry on the day of `at` (Asia/Almaty), or the one already recorded."""
    if pupil.status != Pupil.Status.ACTIVE:
        raise EntryError("pupil_not_active")
    day = timezone.localdate(at)
    existing = Entry.objects.filter(pupil=pupil, day=day).first()
    if existing is not None:
        return Outcome(existing, False, pupil)
    try:
        with transaction.atomic():
            entry = Entry.objects.create(
                school_id=pupil.school_id,
                pupil=pupil,
                school_class_id=pupil.school_class_id,
                day=day,
                at=at,
                terminal=terminal[:100],
                source=source,
                recorded_by=signed_in(user),
            )
    except IntegrityError:
        # The other terminal at the door recorded the same child a moment ago.
        return Outcome(Entry.objects.get(pupil=pupil, day=day), False, pupil)
    return Outcome(entry, True, pupil)


def check_time(at: dt.datetime) -> dt.datetime:
    if timezone.is_naive(at):
        at = timezone.make_aware(at)  # a time without an offset is Asia/Almaty's
    moment = now()
    if at > moment + CLOCK_SKEW:
        raise EntryError("at_future")
    if at < moment - MAX_AGE:
        raise EntryError("at_too_old")
    return at


def record_terminal_event(
    schools: set[int] | dict[int, str], pupil_ref: uuid.UUID, at: dt.datetime, terminal: str
) -> Outcome:
    """A third-party terminal's entry event (`POST /api/v1/canteen/entries`)."""
    at = check_time(at)
    pupil = (
        Pupil.objects.select_related("school_class")
        .filter(pk__in=PupilRef.objects.filter(ref=pupil_ref).values("pupil_id"))
        .first()
    )
    if pupil is None or pupil.school_id not in schools:
        # Another school's pupil and a made-up reference look the same: nothing leaks.
        raise EntryError("unknown_pupil")
    return record_entry(pupil, at, source=Entry.Source.API, terminal=terminal)


@dataclass(slots=True)
class FrameResult:
    status: str  # entered | already | unknown | ambiguous | no_face
    body: dict[str, Any]


FRAME_MESSAGES = {
    "no_face": gettext_lazy("Look at the camera."),
    "unknown": gettext_lazy("Not recognised: ask the class teacher to mark you."),
    "ambiguous": gettext_lazy("Not sure who this is: ask the class teacher to mark you."),
}


def recognise_frame(school_id: int, frame: bytes, terminal: str, user: User) -> list[FrameResult]:
    """Every face of a terminal's frame matched against the school's gallery; a match is an
    entry. An unknown face is answered and forgotten: no row, no log line, no image."""
    image = engine.decode(frame)
    faces = engine.find_faces(image, upsample=engine.FRAME_UPSAMPLE)
    if not faces:
        return [FrameResult("no_face", {"status": "no_face", "message": _("Look at the camera.")})]
    known = gallery.gallery_for(school_id)
    results = []
    at = now()
    for face in faces:
        found = gallery.match(known, face.encoding)
        pupil = None
        if found.pupil_id is not None:
            pupil = (
                Pupil.objects.select_related("school_class")
                .filter(pk=found.pupil_id, school_id=school_id, status=Pupil.Status.ACTIVE)
                .first()
            )
        if pupil is None:
            code = "ambiguous" if found.ambiguous else "unknown"
            results.append(
                FrameResult(code, {"status": code, "message": str(FRAME_MESSAGES[code])})
            )
            continue
        outcome = record_entry(pupil, at, source=Entry.Source.FACE, terminal=terminal, user=user)
        results.append(FrameResult(outcome.answer()["status"], outcome.answer()))
    return results
