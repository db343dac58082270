"""Users, their roles in schools and districts, and personal API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qamqor.core.clock import now


class Role(models.TextChoices):
    PEDAGOGUE = "pedagogue", _("social pedagogue")
    PRINCIPAL = "principal", _("principal")
    BOARD = "board", _("board of trustees member")
    TEACHER = "teacher", _("class teacher")
    CANTEEN = "canteen", _("canteen operator")
    PARENT = "parent", _("parent")
    DISTRICT = "district", _("district officer")
    ADMIN = "admin", _("administrator")


# Roles that read every pupil of their schools; the others see only what they are bound to.
SCHOOL_READERS = {Role.PEDAGOGUE, Role.PRINCIPAL, Role.BOARD, Role.DISTRICT, Role.ADMIN}
# Roles that write the registry and categories of their schools.
SCHOOL_WRITERS = {Role.PEDAGOGUE, Role.ADMIN}
# Roles that may see a child's support category (never the canteen or a TV screen).
CATEGORY_READERS = {Role.PEDAGOGUE, Role.PRINCIPAL, Role.BOARD, Role.DISTRICT, Role.ADMIN}
# Roles that read the audit trail.
AUDIT_READERS = {Role.PRINCIPAL, Role.ADMIN}


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    # Set by AbstractBaseUser.set_password (not in django-stubs): read by save() below.
    _password: str | None

    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Every way Django sets a password (the change and reset pages, the admin,
        # `changepassword`) ends here with `_password` set: a new password ends the user's
        # API tokens too, as it ends their other sessions.
        password_changed = self._password is not None and not self._state.adding
        super().save(*args, **kwargs)
        if password_changed:
            ApiToken.objects.filter(user=self, revoked=False).update(revoked=True)


def actor(*, blank: bool = False, **options: Any) -> models.ForeignKey[User | None, User | None]:
    """The user who did something to a record (`by`, `recorded_by`, `paid_by`, …).

    The record outlives the account (SET_NULL), and a user gets no reverse accessor to every
    record they touched (`related_name="+"`)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=blank,
        related_name="+",
        **options,
    )


class Membership(models.Model):
    """A role of a user in one school, or (for district officers) in one district."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    school = models.ForeignKey(
        "registry.School",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
    )
    district = models.ForeignKey(
        "registry.District",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
    )
    organisation = models.CharField(
        _("organisation"), max_length=300, blank=True, help_text=_("e.g. the canteen operator")
    )
    # A canteen operator's staff act for one organisation: scans are accepted only where
    # that organisation runs the school's meal programme.
    organisation_bin = models.CharField(_("organisation BIN"), max_length=12, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(school__isnull=False) | Q(district__isnull=False),
                name="membership_has_scope",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "school", "district"], name="membership_unique"
            ),
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.school or self.district}"


# Personal tokens live 90 days, a canteen scanner's terminal token a year (issued for it).
PERSONAL_TOKEN_DAYS = 90
TERMINAL_TOKEN_DAYS = 365


def default_token_expiry() -> dt.datetime:
    return now() + dt.timedelta(days=PERSONAL_TOKEN_DAYS)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 is stored, the raw value is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)
    # Checked on every use; a scanner's terminal token is issued for longer (accounts.tokens).
    expires_at = models.DateTimeField(_("expires"), default=default_token_expiry)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class LoginFailure(models.Model):
    """A failed or refused sign-in, kept for the throttle's window (accounts.throttle).

    `address` is the client's IPv4 address or IPv6 /64; `account` a keyed hash of the
    typed username (lower case), so that a password typed into the username field is not
    stored, and unknown usernames are throttled exactly like real ones."""

    at = models.DateTimeField(db_index=True)
    address = models.CharField(max_length=43, blank=True)
    account = models.CharField(max_length=64)

    class Meta:
        indexes = [
            models.Index(fields=["account", "at"], name="loginfailure_account_at"),
            models.Index(fields=["address", "at"], name="loginfailure_address_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.address}"


class KnownAddress(models.Model):
    """An address the user signed in from: exempt from the per-account backoff, so that a
    flood of guesses from elsewhere does not keep them out."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    address = models.CharField(max_length=43)
    last_success = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "address"], name="knownaddress_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.address}"
