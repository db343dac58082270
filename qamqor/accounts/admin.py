from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import services
from .models import ApiToken, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("school",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """A user who has acted on personal data is deactivated, never deleted: the audit trail
    must keep saying who."""

    inlines = [MembershipInline]
    list_display = ("username", "full_name", "is_active", "last_login")
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("Qamqor", {"fields": ("full_name",)}))
    actions = ["deactivate_users", "delete_users"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # replaced by delete_users, which checks history
        return actions

    @admin.action(description=gettext_lazy("Deactivate selected users"))
    def deactivate_users(self, request, queryset):
        for user in queryset:
            services.deactivate_user(user)
        self.message_user(
            request, _("%(n)d user(s) deactivated.") % {"n": len(queryset)}, messages.SUCCESS
        )

    @admin.action(
        description=gettext_lazy("Delete selected users (only those without audit history)"),
        permissions=["delete"],
    )
    def delete_users(self, request, queryset):
        kept = services.users_with_history(queryset)
        if kept:
            names = ", ".join(u.username for u in queryset if u.pk in kept)
            self.message_user(request, self.history_message(names), messages.ERROR)
            return None
        return delete_selected(self, request, queryset)

    @staticmethod
    def history_message(names: str) -> str:
        return _(
            "%(names)s acted on personal data and the audit trail must keep saying who: "
            "deactivate instead of deleting."
        ) % {"names": names}

    def delete_view(self, request, object_id, extra_context=None):
        user = self.get_object(request, object_id)
        if user is not None and services.has_audit_history(user):
            self.message_user(request, self.history_message(user.username), messages.ERROR)
            return HttpResponseRedirect(
                reverse(
                    "admin:accounts_user_change", args=[user.pk], current_app=self.admin_site.name
                )
            )
        return super().delete_view(request, object_id, extra_context)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by `qamqor token`; here they can only be seen and revoked."""

    list_display = ("prefix", "user", "label", "created_at", "last_used_at", "revoked")
    list_filter = ("revoked",)
    readonly_fields = ("user", "key_hash", "prefix", "label", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False
