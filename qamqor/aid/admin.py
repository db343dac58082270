"""Back office: the aid amount per year (editable); registers, reports and reminders read-only
(every change to them goes through the services, which check the transition tables)."""

from __future__ import annotations

from django.contrib import admin

from qamqor.core.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import AidAmount, AidReminder, PaymentLine, PaymentRegister, PurchaseReport


@admin.register(AidAmount)
class AidAmountAdmin(admin.ModelAdmin):
    # seed 000: the aid equals the year's subsistence minimum; a new year is added here.
    list_display = ("year", "amount", "source")
    ordering = ("-year",)
    search_fields = ("source",)


class PaymentLineInline(ReadOnlyInline):
    model = PaymentLine
    fields = ("pupil", "recipient_name", "amount", "problem")
    readonly_fields = fields


@admin.register(PaymentRegister)
class PaymentRegisterAdmin(ReadOnlyAdmin):
    list_display = ("id", "school", "year", "status", "amount_per_child", "created_at", "paid_on")
    list_filter = ("status", "year")
    inlines = [PaymentLineInline]


@admin.register(PurchaseReport)
class PurchaseReportAdmin(ReadOnlyAdmin):
    list_display = ("id", "school", "paid_on", "due_date", "submitted_at", "times_returned")
    list_filter = ("school",)
    date_hierarchy = "due_date"
    exclude = ("note", "return_comment")


@admin.register(AidReminder)
class AidReminderAdmin(ReadOnlyAdmin):
    list_display = ("report", "sent_on", "stage", "outcome")
    list_filter = ("stage", "outcome")
    date_hierarchy = "sent_on"
