"""API authentication: the browser session (with CSRF) or `Authorization: Bearer <token>`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from .tokens import user_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is None:
            return None
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """Django's session; unsafe methods must carry the CSRF token (ninja checks it)."""

    param_name = "sessionid"

    def _get_key(self, request: HttpRequest) -> str | None:
        # CSRF protects a signed-in session; a caller without one is answered 401 (sign in),
        # not a CSRF 403 that would send a client looking for a token it cannot use.
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


API_AUTH = [BearerToken(), SessionAuth()]
