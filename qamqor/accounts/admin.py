from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import ApiToken, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("school",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = ("username", "full_name", "is_active", "locked_until", "last_login")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Qamqor", {"fields": ("full_name", "failed_logins", "locked_until")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by `qamqor token`; here they can only be seen and revoked."""

    list_display = ("prefix", "user", "label", "created_at", "last_used_at", "revoked")
    list_filter = ("revoked",)
    readonly_fields = ("user", "key_hash", "prefix", "label", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False
