from typing import Any

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views import View

from . import views

app_name = "accounts"


# Each page's card heading (accounts/card.html). Not `title`: Django's views set that to words
# of their own (a refused reset link becomes "Password reset unsuccessful").
HEADINGS = {
    "password_change": _("Change password"),
    "password_change_done": _("Password changed"),
    "password_reset": _("Forgot your password?"),
    "password_reset_done": _("Check your e-mail"),
    "password_reset_confirm": _("Set a new password"),
    "password_reset_complete": _("Password set"),
}


def _page(view: type[View[Any]], template: str, success: str | None = None, **kwargs: Any):  # noqa: ANN202
    """One of Django's password views with the project's template, its heading (and next page)."""
    kwargs["extra_context"] = {"heading": HEADINGS[template]}
    if success:
        kwargs["success_url"] = reverse_lazy(f"accounts:{success}")
    return view.as_view(template_name=f"accounts/{template}.html", **kwargs)


urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        _page(auth_views.PasswordChangeView, "password_change", "password_change_done"),
        name="password_change",
    ),
    path(
        "password/done/",
        _page(auth_views.PasswordChangeDoneView, "password_change_done"),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        _page(
            auth_views.PasswordResetView,
            "password_reset",
            "password_reset_done",
            email_template_name="accounts/password_reset_email.txt",
            subject_template_name="accounts/password_reset_subject.txt",
        ),
        name="password_reset",
    ),  # fmt: skip
    path(
        "password/reset/sent/",
        _page(auth_views.PasswordResetDoneView, "password_reset_done"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        _page(
            auth_views.PasswordResetConfirmView, "password_reset_confirm", "password_reset_complete"
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        _page(auth_views.PasswordResetCompleteView, "password_reset_complete"),
        name="password_reset_complete",
    ),
]
