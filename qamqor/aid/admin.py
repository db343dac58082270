"""Back office: the aid amount per year (editable); registers, reports and reminders read-only
(every change to them goes through the services, which check the transition tables)."""

from __future__ import annotations

from django.contrib import admin

from .models import AidAmount, AidReminder, PaymentLine, PaymentRegister, PurchaseReport


@admin.register(AidAmount)
class AidAmountAdmin(admin.ModelAdmin):
    # seed 000: the aid equals the year's subsistence minimum; a new year is added here.
    list_display = ("year", "amount", "source")
    ordering = ("-year",)
    search_fields = ("source",)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


class PaymentLineInline(admin.TabularInline):
    model = PaymentLine
    extra = 0
    fields = ("pupil", "recipient_name", "amount", "problem")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(PaymentRegister)
class PaymentRegisterAdmin(ReadOnly):
    list_display = ("id", "school", "year", "status", "amount_per_child", "created_at", "paid_on")
    list_filter = ("status", "year")
    inlines = [PaymentLineInline]


@admin.register(PurchaseReport)
class PurchaseReportAdmin(ReadOnly):
    list_display = ("id", "school", "paid_on", "due_date", "submitted_at", "times_returned")
    list_filter = ("school",)
    date_hierarchy = "due_date"
    exclude = ("note", "return_comment")


@admin.register(AidReminder)
class AidReminderAdmin(ReadOnly):
    list_display = ("report", "sent_on", "stage", "outcome")
    list_filter = ("stage", "outcome")
    date_hierarchy = "sent_on"
