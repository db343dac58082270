"""Tables of the sandbox stand-ins: what they "sent" to the outside world, kept to be seen."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SandboxSms(models.Model):
    """The sandbox SMS gateway's outbox: every message it would have sent, with its text.

    Demo users and tests read it here; the console log names only the row id, never the
    phone number or the text (personal data stays out of logs).
    """

    phone = models.CharField(_("phone"), max_length=20)
    text = models.TextField(_("text"))
    purpose = models.CharField(_("purpose"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("queued at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("sandbox SMS")
        verbose_name_plural = _("sandbox SMS outbox")

    def __str__(self) -> str:
        return f"SMS #{self.pk} ({self.purpose or '-'})"
