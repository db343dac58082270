from django.contrib import admin

from .models import DayOverride, SigningKey


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never edited here: the services (or a command) make every change."""

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


class ReadOnlyInline(admin.TabularInline):
    """The rows under a read-only record, shown as they are."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(DayOverride)
class DayOverrideAdmin(admin.ModelAdmin):
    """Days moved by government decree: the working-day calendar reads them."""

    list_display = ("date", "kind", "reason")
    list_filter = ("kind",)
    date_hierarchy = "date"


@admin.register(SigningKey)
class SigningKeyAdmin(ReadOnlyAdmin):
    """Signing keys, read only: they are made and retired by `qamqor rotate_keys`, and the
    sealed private key is never shown."""

    list_display = ("kid", "purpose", "school_id", "activated_at", "retired_at", "verify_until")
    list_filter = ("purpose",)
    search_fields = ("kid", "school_id")
    fields = (
        "kid",
        "purpose",
        "school_id",
        "created_at",
        "activated_at",
        "retired_at",
        "verify_until",
    )
    readonly_fields = fields
