"""Back-office views of applications (read-only: every change goes through the services), camps."""

from __future__ import annotations

from django.contrib import admin

from qamqor.core.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import Application, ApplicationDocument, Camp, CampPlace, CampSession, StatusChange


class DocumentInline(ReadOnlyInline):
    model = ApplicationDocument
    # Files arrive through the service (type, size and decompression-bomb checks), not here.
    fields = ("kind", "original_name", "content_type", "size", "uploaded_at", "uploaded_by")
    readonly_fields = fields


class HistoryInline(ReadOnlyInline):
    model = StatusChange
    fields = ("from_status", "to_status", "by", "at", "comment")
    readonly_fields = fields


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    # Transitions are checked and recorded by the services; the admin only shows.
    list_display = (
        "id",
        "pupil",
        "service",
        "channel",
        "status",
        "received_at",
        "due_date",
        "school",
    )
    list_filter = ("status", "service", "channel", "school")
    search_fields = ("pupil__surname", "pupil__name", "pupil__iin")
    date_hierarchy = "received_at"
    inlines = [DocumentInline, HistoryInline]


class SessionInline(admin.TabularInline):
    model = CampSession
    extra = 0
    fields = ("name", "starts_on", "ends_on", "places", "allocated_at")
    readonly_fields = ("allocated_at",)


@admin.register(Camp)
class CampAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "school")
    list_filter = ("kind", "school")
    search_fields = ("name",)
    inlines = [SessionInline]


@admin.register(CampPlace)
class CampPlaceAdmin(admin.ModelAdmin):
    list_display = ("session", "status", "position", "voucher_number", "priority")
    list_filter = ("status", "session__camp")

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False
