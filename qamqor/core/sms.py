"""The SMS gateway: how any app texts a parent (a voucher ready, a reminder, a code).

`SmsGateway` is the interface of the SMS provider; `settings.QAMQOR_SMS_GATEWAY` picks the
implementation (settings names the sandbox one, which keeps an outbox). Nothing here logs a
phone number, a name or a message text: they are personal data.
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings

from .adapters import adapter


class SmsGateway(Protocol):
    def send(self, phone: str, text: str, purpose: str = "") -> str:
        """Queue one message; returns the provider's message id. Raises on refusal."""
        ...


def get_gateway() -> SmsGateway:
    return adapter("QAMQOR_SMS_GATEWAY")


def public_url(path: str) -> str:
    """An absolute link for a message that leaves the site (an SMS has no page to be relative to)."""
    return settings.QAMQOR_PUBLIC_URL.rstrip("/") + path
