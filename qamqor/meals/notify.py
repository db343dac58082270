"""Telling a parent that a child's meal voucher is ready (seed 004 step 3: "others get an SMS").

`SmsGateway` is the interface of the SMS provider; `settings.QAMQOR_SMS_GATEWAY` picks the
implementation (the sandbox one keeps an outbox and is the default). Nothing here logs a
phone number, a name or a message text: they are personal data.
"""

from __future__ import annotations

from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_GATEWAY = "qamqor.sandbox.sms.SandboxSms"


class SmsGateway(Protocol):
    def send(self, phone: str, text: str, purpose: str = "") -> str:
        """Queue one message; returns the provider's message id. Raises on refusal."""
        ...


@cache
def _gateway_class(path: str) -> type:
    return import_string(path)


def get_gateway() -> SmsGateway:
    return _gateway_class(getattr(settings, "QAMQOR_SMS_GATEWAY", DEFAULT_GATEWAY))()


def public_url(path: str) -> str:
    """An absolute link for a message that leaves the site (an SMS has no page to be relative to)."""
    base = getattr(settings, "QAMQOR_PUBLIC_URL", "") or "http://127.0.0.1:8000"
    return base.rstrip("/") + path
