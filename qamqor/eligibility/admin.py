"""Back-office tables: the subsistence minimum (editable per year and region), decisions."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from qamqor.core.admin import ReadOnlyInline

from .models import BoardDecision, CategoryAssignment, Evidence, SubsistenceMinimum


@admin.register(SubsistenceMinimum)
class SubsistenceMinimumAdmin(admin.ModelAdmin):
    # A row with a region overrides the national row of the same year (the income test).
    list_display = ("year", "region_label", "amount", "source")
    list_filter = ("year", "region")
    ordering = ("-year", "region")
    search_fields = ("source",)

    @admin.display(description=_("region"), ordering="region")
    def region_label(self, obj: SubsistenceMinimum) -> str:
        return str(obj.region) if obj.region_id else str(_("the whole republic"))


@admin.register(BoardDecision)
class BoardDecisionAdmin(admin.ModelAdmin):
    list_display = ("number", "date", "school", "created_at")
    list_filter = ("school",)
    search_fields = ("number", "text")
    date_hierarchy = "date"
    readonly_fields = ("created_at",)


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    # Files are added through the service (type and size checks), not here.
    fields = ("kind", "original_name", "content_type", "size", "uploaded_at", "uploaded_by")
    readonly_fields = fields


@admin.register(CategoryAssignment)
class CategoryAssignmentAdmin(admin.ModelAdmin):
    list_display = (
        "pupil",
        "category",
        "status",
        "received_at",
        "due_date",
        "valid_from",
        "valid_to",
        "school",
    )
    list_filter = ("status", "category", "school")
    search_fields = ("pupil__surname", "pupil__name", "pupil__iin")
    date_hierarchy = "received_at"
    raw_id_fields = ("pupil", "board_decision", "created_by")
    # Decisions go through the service (transition table, income test), not this form.
    readonly_fields = (
        "status",
        "counted_from",
        "due_date",
        "created_at",
        "decided_at",
        "decided_by",
        "refusal_reason",
    )
    inlines = [EvidenceInline]
