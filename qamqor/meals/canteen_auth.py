"""Canteen terminals: `Authorization: Bearer <token>` bound to an operator and a school.

A terminal token is an ordinary personal API token (`qamqor token <username>`) of a user who
holds a `Membership(role=canteen, school=S, organisation_bin=BIN)`. Such a terminal may redeem
only vouchers of its schools S, and only in a month whose meal programme at S is run by the
operator with that BIN (checked per scan by the redemption service: `wrong_school`).

The scan hot path (DESIGN.md) must not pay for a session, CSRF or a query per request: the
token is resolved with one indexed query (the SHA-256 of the token joined to the user and
their memberships) and the answer is kept in process memory for `CACHE_SECONDS`. A revoked
token or a changed membership is therefore honoured by other worker processes within that
time; in this process the cache is dropped at once by the signals below.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from qamqor.accounts.models import ApiToken, Membership, Role, hash_token
from qamqor.core.api import ApiError
from qamqor.core.clock import now

CACHE_SECONDS = 60.0
# A flood of distinct valid tokens cannot grow the cache without bound.
CACHE_MAX = 10_000


@dataclass(frozen=True, slots=True)
class Terminal:
    """Who is scanning: the operator's user and, per school served, the operator's BIN."""

    user_id: int
    schools: dict[int, str] = field(default_factory=dict)

    def serves(self, school_id: int | None) -> bool:
        return school_id is not None and school_id in self.schools

    def bin_for(self, school_id: int) -> str:
        return self.schools.get(school_id, "")


# Not a terminal: a valid token of a user without a canteen membership.
NOT_A_TERMINAL = Terminal(user_id=0)

_cache: dict[str, tuple[float, Terminal]] = {}
_lock = threading.Lock()


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def terminal_for_token(raw: str) -> Terminal | None:
    """The terminal a raw token stands for, `NOT_A_TERMINAL`, or None (unknown or revoked)."""
    if not raw:
        return None
    key = hash_token(raw)
    moment = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and hit[0] > moment:
        return hit[1]
    terminal = _load(key)
    if terminal is not None:
        with _lock:
            if len(_cache) >= CACHE_MAX:
                _cache.clear()
            _cache[key] = (moment + CACHE_SECONDS, terminal)
    return terminal


def _load(key_hash: str) -> Terminal | None:
    # One query on the unique key_hash index; a LEFT JOIN brings every membership along.
    rows = list(
        ApiToken.objects.filter(key_hash=key_hash, revoked=False, user__is_active=True).values_list(
            "pk",
            "last_used_at",
            "user_id",
            "user__memberships__role",
            "user__memberships__school_id",
            "user__memberships__organisation_bin",
        )
    )
    if not rows:
        return None
    token_pk, last_used, user_id = rows[0][:3]
    schools = {
        school_id: (org_bin or "").strip()
        for _pk, _used, _user, role, school_id, org_bin in rows
        if role == Role.CANTEEN and school_id is not None
    }
    moment = now()
    # As accounts.tokens does: touch last_used at most hourly (here only on a cache miss).
    if last_used is None or moment - last_used > dt.timedelta(hours=1):
        ApiToken.objects.filter(pk=token_pk).update(last_used_at=moment)
    return Terminal(user_id=user_id, schools=schools) if schools else NOT_A_TERMINAL


class CanteenBearer(HttpBearer):
    """Bearer auth for canteen terminals only; other users' tokens get 404 (house rule:
    existence does not leak, never 403), a missing or unknown token 401."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        terminal = terminal_for_token(token)
        if terminal is None:
            return None
        if terminal is NOT_A_TERMINAL:
            raise ApiError("not_found", _("Not found."), status=404)
        return terminal


@receiver(post_save, sender=ApiToken)
@receiver(post_delete, sender=ApiToken)
@receiver(post_save, sender=Membership)
@receiver(post_delete, sender=Membership)
def _credentials_changed(**_kwargs: object) -> None:
    clear_cache()
