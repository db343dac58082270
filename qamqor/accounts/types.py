"""The user and request types that views, APIs and services are annotated with.

`request.user` is a `User` or, before sign-in, an `AnonymousUser`; django-stubs types it as
both. A view behind `login_required` takes an `AuthedRequest`, an API operation behind
`api_auth.API_AUTH` an `ApiRequest`, and a service that needs a signed-in user takes `User`.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from .models import User

# What request.user may be anywhere (access scopes and the audit trail accept both).
AnyUser = User | AnonymousUser


class HtmxRequest(HttpRequest):
    # HtmxMiddleware (settings.MIDDLEWARE) sets it on every request.
    htmx: HtmxDetails


class AuthedRequest(HtmxRequest):
    """A request past `login_required` (or a role check built on it)."""

    user: User


class ApiRequest(HtmxRequest):
    """A request past the API's authenticators: `request.auth` is what they returned."""

    auth: User
    user: User


def signed_in(user: AnyUser | None) -> User | None:
    """The user to record as the actor of a change, or None (a command, a task, a visitor)."""
    return user if isinstance(user, User) else None
