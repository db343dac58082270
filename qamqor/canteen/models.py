"""The canteen: entry terminals (Face ID with parental consent), entries, sittings.

The offline scanner itself keeps no tables: its scans are meals.Redemption rows.

Seed 000: grades 1–4 enter the canteen through Face ID at two terminals at the door; a TV
beside it shows the class teacher each child entering and the number of children; the
canteen has 1,200 seats for 4,600 pupils. docs/canteen_entry.md tells the whole story.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.access import Policy
from qamqor.accounts.models import Role, actor

# Who may see what (docs/canteen_entry.md, "Who sees what").
# The door TV and the sittings plan: the school's staff and the canteen operator (a TV is a
# device signed in as the canteen operator). Not the board or the district: not staff.
TV_VIEWERS = {Role.PEDAGOGUE, Role.PRINCIPAL, Role.TEACHER, Role.CANTEEN, Role.ADMIN}
# The entry terminal records entries: the operator's device, or the school's pedagogue.
ENTRY_RECORDERS = {Role.CANTEEN, Role.PEDAGOGUE, Role.ADMIN}
# Consent on paper and enrolment of faces: the school's writers.
FACE_MANAGERS = {Role.PEDAGOGUE, Role.ADMIN}
# A class's entries by name: its class teacher (scope.class_ids) and these.
CLASS_READERS = {Role.PEDAGOGUE, Role.PRINCIPAL, Role.ADMIN}
# The cross-check names pupils served free meals (a category in grades 5–11): staff who may
# see categories and answer for the табель; the pedagogue (and administrator) re-run it.
CROSSCHECK_READERS = {Role.PEDAGOGUE, Role.PRINCIPAL, Role.ADMIN}
CROSSCHECK_WRITERS = {Role.PEDAGOGUE, Role.ADMIN}
# The canteen's seats and break times.
SETTINGS_WRITERS = {Role.PEDAGOGUE, Role.PRINCIPAL, Role.ADMIN}

DEFAULT_SEATS = 1200  # seed 000: the canteen seats 1,200
# An example timetable (45-minute lessons, 20-minute long breaks); each school edits its own.
DEFAULT_BREAKS = {
    "1": ["09:35-09:55", "10:45-11:05", "11:55-12:15"],
    "2": ["14:35-14:55", "15:45-16:05", "16:55-17:15"],
}
_BREAK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–—]\s*(\d{1,2}):(\d{2})\s*$")


def parse_break(text: str) -> tuple[dt.time, dt.time] | None:
    """ "09:35-09:55" → (09:35, 09:55); None when it is not a valid, positive interval."""
    m = _BREAK.match(text or "")
    if not m:
        return None
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        return None
    start, end = dt.time(h1, m1), dt.time(h2, m2)
    return (start, end) if start < end else None


class Canteen(models.Model):
    """One school's canteen: seats, break times per shift, and the Face-ID gallery version."""

    school = models.OneToOneField("registry.School", on_delete=models.CASCADE, related_name="+")
    seats = models.PositiveIntegerField(_("seats"), default=DEFAULT_SEATS)
    # {"1": ["09:35-09:55", ...], "2": [...]}: the long breaks of each shift; each is a sitting.
    breaks = models.JSONField(_("break times"), default=dict, blank=True)
    paying_percent = models.PositiveSmallIntegerField(
        _("paying pupils, %"),
        default=0,
        help_text=_(
            "Share of the pupils without a free-meal voucher who buy lunch, for the sittings plan."
        ),
    )
    # Bumped whenever a face template is added or erased: every process's decrypted gallery
    # of this school is stale once the number it holds differs.
    faces_version = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(paying_percent__lte=100), name="paying_0_100")
        ]
        verbose_name = _("canteen")
        verbose_name_plural = _("canteens")

    def __str__(self) -> str:
        return f"{self.school_id}: {self.seats}"

    def breaks_of(self, shift: int) -> list[tuple[dt.time, dt.time]]:
        """The shift's breaks in time order (invalid entries are skipped; the form refuses
        them, so only hand-edited rows can hold one)."""
        texts = (self.breaks or {}).get(str(shift))
        if texts is None and not self.breaks:
            texts = DEFAULT_BREAKS.get(str(shift), [])
        parsed = [p for p in (parse_break(t) for t in texts or []) if p]
        return sorted(parsed)


class FaceConsent(models.Model):
    """A parent's consent to Face-ID entry for one child: who gave it, when, for what.

    A face template is biometric personal data: it is taken only with the consent of the
    child's legal representative, only for the scope named, and withdrawing the consent
    erases it (issue 4)."""

    class Source(models.TextChoices):
        ONLINE = "online", _("given by the parent online")
        PAPER = "paper", _("signed on paper, recorded by the school")

    class Scope(models.TextChoices):
        # The only use so far; a consent never stretches to a use it does not name.
        CANTEEN_ENTRY = "canteen_entry", _("Face-ID entry to the canteen of this school")

    school = models.ForeignKey("registry.School", on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(
        "registry.Pupil", on_delete=models.CASCADE, related_name="face_consents"
    )
    guardian = models.ForeignKey(
        "registry.Guardian",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("given by"),
    )
    scope = models.CharField(
        _("scope"), max_length=20, choices=Scope.choices, default=Scope.CANTEEN_ENTRY
    )
    source = models.CharField(_("how"), max_length=8, choices=Source.choices)
    given_at = models.DateTimeField(_("given at"))
    recorded_by = actor()
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = actor()

    class Meta:
        ordering = ["-given_at", "-id"]
        constraints = [
            # At most one consent in force per child: a new one needs the old one withdrawn.
            models.UniqueConstraint(
                fields=["pupil"], condition=Q(withdrawn_at__isnull=True), name="one_live_consent"
            )
        ]
        verbose_name = _("Face-ID consent")
        verbose_name_plural = _("Face-ID consents")

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.given_at:%Y-%m-%d}"

    access = Policy(read=FACE_MANAGERS, write=FACE_MANAGERS, pupil="pupil")

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class FaceTemplate(models.Model):
    """A pupil's face template: the 128-number encoding, sealed (never the photo)."""

    school = models.ForeignKey("registry.School", on_delete=models.CASCADE, related_name="+")
    pupil = models.OneToOneField(
        "registry.Pupil", on_delete=models.CASCADE, related_name="face_template"
    )
    consent = models.ForeignKey(FaceConsent, on_delete=models.CASCADE, related_name="templates")
    sealed = models.BinaryField()
    created_at = models.DateTimeField()
    created_by = actor()

    class Meta:
        verbose_name = _("face template")
        verbose_name_plural = _("face templates")

    def __str__(self) -> str:
        return f"{self.pupil_id}"


class Entry(models.Model):
    """A pupil entering the canteen on a day: the first one counts; repeats are not stored."""

    class Source(models.TextChoices):
        FACE = "face", _("Face ID")
        API = "api", _("terminal API")
        MANUAL = "manual", _("marked by hand")

    school = models.ForeignKey("registry.School", on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey("registry.Pupil", on_delete=models.CASCADE, related_name="+")
    school_class = models.ForeignKey(
        "registry.SchoolClass", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    day = models.DateField()
    at = models.DateTimeField()
    terminal = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices)
    recorded_by = actor()

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["pupil", "day"], name="one_entry_a_day")]
        indexes = [models.Index(fields=["school", "day", "school_class"])]
        verbose_name = _("canteen entry")
        verbose_name_plural = _("canteen entries")

    def __str__(self) -> str:
        return f"{self.day} {self.pupil_id}"


class CrossCheck(models.Model):
    """One day's cross-check of entries against served meals at one school."""

    school = models.ForeignKey("registry.School", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    run_at = models.DateTimeField()
    run_by = actor()
    entered = models.PositiveIntegerField(default=0)
    served = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["school", "day"], name="crosscheck_day")]

    def __str__(self) -> str:
        return f"{self.school_id} {self.day}"


class Mismatch(models.Model):
    class Kind(models.TextChoices):
        NOT_SERVED = "not_served", _("entered, but no meal served")
        NOT_ENTERED = "not_entered", _("served, but no entry recorded")

    check_run = models.ForeignKey(CrossCheck, on_delete=models.CASCADE, related_name="mismatches")
    pupil = models.ForeignKey("registry.Pupil", on_delete=models.CASCADE, related_name="+")
    school_class = models.ForeignKey(
        "registry.SchoolClass", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["check_run", "pupil"], name="one_mismatch_per_pupil")
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.kind}"
