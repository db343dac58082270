"""Password sign-in, throttled by address and by account (accounts.throttle).

Every attempt runs the password hasher once, against the user's hash or a dummy one, and
answers the same way whether the username is unknown, the password wrong or the attempt
throttled: neither the answer nor its time tells which usernames exist.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import check_password, make_password

from qamqor.core.clock import now

from . import throttle
from .models import User


@lru_cache(maxsize=4)
def _dummy_hash(hashers: tuple[str, ...]) -> str:
    # Made with the default hasher and its current cost, like a real user's hash.
    return make_password(secrets.token_urlsafe(24))


def dummy_hash() -> str:
    return _dummy_hash(tuple(settings.PASSWORD_HASHERS))


class ThrottledModelBackend(ModelBackend):
    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        attempt = throttle.Attempt(
            throttle.client_address(request), throttle.account_key(username), now()
        )
        try:
            user = User._default_manager.get_by_natural_key(username)
        except User.DoesNotExist:
            user = None
        allowed = throttle.allowed(attempt, user)
        encoded = user.password if user is not None and user.has_usable_password() else None
        rehash: list[str] = []
        correct = check_password(password, encoded or dummy_hash(), setter=rehash.append)
        if (
            correct
            and user is not None
            and encoded
            and allowed
            and self.user_can_authenticate(user)
        ):
            if rehash:  # a stronger hasher or cost than when the password was set
                user.set_password(password)
                user._password = None  # not a password change: the API tokens stay
                user.save(update_fields=["password"])
            throttle.succeeded(attempt, user)
            return user
        throttle.failed(attempt)
        return None
