"""Core tables: the decree-moved days of the working-day calendar; signing keys."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _


class DayOverride(models.Model):
    """A day moved by government decree: a weekday made a day off, or a weekend made working."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Day off")
        WORKING_DAY = "working_day", _("Working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class SigningKey(models.Model):
    """An Ed25519 key of one school for one purpose (DESIGN rule 8); see core/signing.py.

    Only the public key is stored in clear: the private key is sealed with a key derived from
    SECRET_KEY. A key is active from `activated_at` until `retired_at`; after retirement it
    still verifies (and stays in the published JWKS) until `verify_until`, so tokens signed
    just before a rotation and scanned offline keep verifying. `school_id` is a plain integer:
    core imports no other app.
    """

    school_id = models.BigIntegerField(_("school"), db_index=True)
    purpose = models.CharField(_("purpose"), max_length=32)
    kid = models.CharField(_("key id"), max_length=32, unique=True)
    public_key = models.BinaryField(_("public key"), max_length=32)
    sealed_private_key = models.BinaryField(max_length=128, editable=False)
    created_at = models.DateTimeField(_("created at"))
    activated_at = models.DateTimeField(_("activated at"))
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    verify_until = models.DateTimeField(_("verifies until"), null=True, blank=True)

    class Meta:
        ordering = ["school_id", "purpose", "-activated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["school_id", "purpose"],
                condition=models.Q(retired_at__isnull=True),
                name="one_active_signing_key",
            )
        ]
        indexes = [models.Index(fields=["purpose", "verify_until"])]
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")

    def __str__(self) -> str:
        return f"{self.purpose} {self.school_id} {self.kid}"

    def verifies_at(self, now: dt.datetime) -> bool:
        """Whether a signature by this key is still accepted at `now`."""
        return self.verify_until is None or now < self.verify_until

    @property
    def active(self) -> bool:
        return self.retired_at is None
