"""Sign-in throttling by client address and by account (docs/decisions.md, "Login throttling").

Three counts over the last `LOGIN_THROTTLE_WINDOW_MINUTES`, read in one query:
- failures from this address for this account: strict, `LOGIN_LIMIT_PER_ADDRESS_ACCOUNT`;
- failures from this address for any account: strict, `LOGIN_LIMIT_PER_ADDRESS`;
- failures for this account from anywhere: soft. Past `LOGIN_LIMIT_PER_ACCOUNT`, an address
  that never signed in to the account waits `LOGIN_ACCOUNT_BACKOFF_SECONDS` after the
  account's latest failure; an address it signed in from before is not held back.
Nothing is stored on the user: unknown usernames are counted exactly as real ones.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils.crypto import salted_hmac

from .models import KnownAddress, LoginFailure, User

KNOWN_ADDRESS_DAYS = 90


def client_address(request: Any) -> str:
    """The client's IPv4 address, or its IPv6 /64 (one subscriber holds a whole /64)."""
    raw = (getattr(request, "META", None) or {}).get("REMOTE_ADDR") or ""
    try:
        ip = ipaddress.ip_address(raw)
    except ValueError:
        return ""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def account_key(username: str) -> str:
    return salted_hmac(
        "qamqor.accounts.throttle", username.strip().lower(), algorithm="sha256"
    ).hexdigest()


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.LOGIN_THROTTLE_WINDOW_MINUTES)


@dataclass(frozen=True)
class Attempt:
    address: str
    account: str
    moment: dt.datetime


def allowed(attempt: Attempt, user: User | None) -> bool:
    """May this attempt be decided by the password? Same queries whether or not the
    account exists."""
    since = attempt.moment - _window()
    here = Q(address=attempt.address) if attempt.address else Q(pk__in=[])
    mine = Q(account=attempt.account)
    counts = (
        LoginFailure.objects.filter(at__gte=since)
        .filter(here | mine)
        .aggregate(
            n_pair=Count("pk", filter=here & mine),
            n_address=Count("pk", filter=here),
            n_account=Count("pk", filter=mine),
            latest=Max("at", filter=mine),
        )
    )
    refused = counts["n_pair"] >= settings.LOGIN_LIMIT_PER_ADDRESS_ACCOUNT or (
        counts["n_address"] >= settings.LOGIN_LIMIT_PER_ADDRESS
    )
    if counts["n_account"] >= settings.LOGIN_LIMIT_PER_ACCOUNT:
        backoff = dt.timedelta(seconds=settings.LOGIN_ACCOUNT_BACKOFF_SECONDS)
        known = KnownAddress.objects.filter(
            user_id=user.pk if user is not None else None,  # type: ignore[misc]  # None: IS NULL
            address=attempt.address,
            last_success__gte=attempt.moment - dt.timedelta(days=KNOWN_ADDRESS_DAYS),
        ).exists()
        if (
            not known
            and counts["latest"] is not None
            and attempt.moment - counts["latest"] < backoff
        ):
            refused = True
    return not refused


def failed(attempt: Attempt) -> None:
    """Count a failure (a wrong password, an unknown user, or an attempt refused unchecked)."""
    LoginFailure.objects.filter(at__lt=attempt.moment - _window()).delete()
    LoginFailure.objects.create(at=attempt.moment, address=attempt.address, account=attempt.account)


def succeeded(attempt: Attempt, user: User) -> None:
    """The address's failures for this account are forgiven; the address becomes known."""
    LoginFailure.objects.filter(at__lt=attempt.moment - _window()).delete()
    LoginFailure.objects.filter(account=attempt.account, address=attempt.address).delete()
    if attempt.address:
        KnownAddress.objects.update_or_create(
            user=user, address=attempt.address, defaults={"last_success": attempt.moment}
        )
