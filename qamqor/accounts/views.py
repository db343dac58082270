"""Sign-in and sign-out. The password pages are Django's own views with the project's
templates, configured in urls.py.

A new password (changed or reset) ends the user's API tokens (`User.save`) and, through
Django's session hash, their other sessions. The reset link goes by e-mail; the demo and
development print it to the console (EMAIL_BACKEND in settings).
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.utils.translation import gettext_lazy as _

from .forms import LoginForm


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    extra_context = {"heading": _("Sign in")}


class LogoutView(auth_views.LogoutView):
    pass
