from django.contrib import admin

from qamqor.core.admin import ReadOnlyAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The trail is read-only, here as everywhere."""

    list_display = (
        "at",
        "actor_username",
        "actor_role",
        "action",
        "object_type",
        "object_id",
        "object_label",
        "count",
        "ip",
    )
    list_filter = ("action", "object_type", "channel")
    search_fields = ("object_label", "actor_username")
