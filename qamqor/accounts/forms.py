from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong username or password."),
        "locked": _(
            "Too many failed attempts: the account is locked for a while. Try again later "
            "or ask the administrator."
        ),
    }

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if getattr(self.request, "qamqor_locked", False):
                raise forms.ValidationError(self.error_messages["locked"], code="locked") from None
            raise
