"""Password login with lockout after repeated failures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db.models import F

from qamqor.core.clock import now

from .models import User


class LockoutModelBackend(ModelBackend):
    """ModelBackend that refuses a locked account and locks one after N failures in a row."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        try:
            user = User._default_manager.get_by_natural_key(username)
        except User.DoesNotExist:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        moment = now()
        if user.is_locked(moment):
            if request is not None:
                request.qamqor_locked = True
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            if user.failed_logins or user.locked_until:
                User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
            return user
        failures = user.failed_logins + 1
        locked_until = None
        if failures >= settings.LOGIN_MAX_FAILURES:
            locked_until = moment + dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
            failures = 0
            if request is not None:
                request.qamqor_locked = True
        User.objects.filter(pk=user.pk).update(
            failed_logins=F("failed_logins") + 1 if locked_until is None else 0,
            locked_until=locked_until,
        )
        return None
