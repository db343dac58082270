"""Keeps the current request's client address where audit records can find it."""

from __future__ import annotations

import contextvars
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_ip", default=None)
current_channel: contextvars.ContextVar[str] = contextvars.ContextVar(
    "current_channel", default="cli"
)


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ip_token = current_ip.set(request.META.get("REMOTE_ADDR"))
        channel_token = current_channel.set("api" if request.path.startswith("/api/") else "web")
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(ip_token)
            current_channel.reset(channel_token)
