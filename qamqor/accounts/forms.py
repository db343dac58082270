from __future__ import annotations

from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    # One answer for an unknown username, a wrong password and a throttled attempt: it
    # must not tell which usernames exist (accounts.backends).
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Wrong username or password, or too many attempts: check them, wait a few "
            "minutes and try again."
        ),
    }
