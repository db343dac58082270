"""The SMS gateway: how any app texts a parent (a voucher ready, a reminder, a code).

`SmsGateway` is the interface of the SMS provider; `settings.QAMQOR_SMS_GATEWAY` picks the
implementation (the sandbox one keeps an outbox and is the default). Nothing here logs a
phone number, a name or a message text: they are personal data.
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings

from .adapters import adapter

DEFAULT_GATEWAY = "qamqor.sandbox.sms.SandboxSms"


class SmsGateway(Protocol):
    def send(self, phone: str, text: str, purpose: str = "") -> str:
        """Queue one message; returns the provider's message id. Raises on refusal."""
        ...


def get_gateway() -> SmsGateway:
    return adapter("QAMQOR_SMS_GATEWAY", DEFAULT_GATEWAY)


def public_url(path: str) -> str:
    """An absolute link for a message that leaves the site (an SMS has no page to be relative to)."""
    base = getattr(settings, "QAMQOR_PUBLIC_URL", "") or "http://127.0.0.1:8000"
    return base.rstrip("/") + path
