"""Who created, changed, deleted or viewed which personal data, when and from where."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from qamqor.accounts.access import Policy
from qamqor.accounts.models import AUDIT_READERS, actor


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")
        EXPORT = "export", _("exported")
        IMPORT = "import", _("imported")

    at = models.DateTimeField(_("when"), db_index=True)
    user = actor(verbose_name=_("who"))
    # The actor as text, written with the row: the trail still says who (and in what role)
    # after the account is gone; users with a history are deactivated, not deleted.
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    actor_role = models.CharField(_("role"), max_length=100, blank=True)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=50)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    object_label = models.CharField(_("object"), max_length=200, blank=True)
    school_id = models.BigIntegerField(null=True, db_index=True)
    # Field names only, never values: the trail must not become a second copy of the data.
    fields = models.JSONField(_("fields"), default=list, blank=True)
    ip = models.GenericIPAddressField(_("from"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=8, default="web")
    # A read of many records (a list, a search, an API page) is one row: how many, which
    # ids, and the query that chose them (free-text search masked: it may be an IIN).
    count = models.PositiveIntegerField(_("records"), null=True, blank=True)
    object_ids = models.JSONField(_("ids"), default=list, blank=True)
    query = models.JSONField(_("query"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        who = self.actor_username or self.user_id
        return f"{self.at:%Y-%m-%d %H:%M} {who} {self.action} {self.object_type}#{self.object_id}"

    access = Policy(school="school_id", read=AUDIT_READERS, write=AUDIT_READERS)
