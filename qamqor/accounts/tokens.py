"""Personal API tokens: issued once in the clear, stored as SHA-256, resolved per request."""

from __future__ import annotations

import datetime as dt
import secrets

from qamqor.core.clock import now

from .models import PERSONAL_TOKEN_DAYS, ApiToken, User, hash_token

TOKEN_PREFIX = "qmq_"  # noqa: S105 -- a visible marker, not a secret


def issue_token(user: User, label: str = "", days: int = PERSONAL_TOKEN_DAYS) -> str:
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        key_hash=hash_token(raw),
        prefix=raw[len(TOKEN_PREFIX) :][:8],
        label=label,
        expires_at=now() + dt.timedelta(days=days),
    )
    return raw


def user_for_token(raw: str) -> User | None:
    """The active user owning this unrevoked, unexpired token, or None. One indexed lookup,
    never cached: a revocation counts from the next request."""
    if not raw:
        return None
    moment = now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked=False, expires_at__gt=moment)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    # Touch last_used at most hourly: no write on every request.
    if token.last_used_at is None or moment - token.last_used_at > dt.timedelta(hours=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=moment)
    return token.user
