"""Canteen terminals: `Authorization: Bearer <token>` bound to an operator and a school.

A terminal token is an ordinary personal API token (`qamqor token <username>`) of a user who
holds a `Membership(role=canteen, school=S, organisation_bin=BIN)`. Such a terminal may redeem
only vouchers of its schools S, and only in a month whose meal programme at S is run by the
operator with that BIN (checked per scan by the redemption service: `wrong_school`).

The scan hot path (DESIGN.md) must not pay for a session, CSRF or more than one query per
request: the token is resolved by one SQL statement on the unique `key_hash` index, joined
to the user and their canteen memberships, and nothing is cached, so a revoked or expired
token, a deactivated user or a changed membership counts from the next request in every
process. Written as SQL rather than through the ORM: the ORM spent ~0.8 ms building this
query, the statement itself ~0.05 ms on SQLite (docs/decisions.md, "Terminal tokens").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import connection
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from qamqor.accounts.models import ApiToken, Membership, Role, User, hash_token
from qamqor.core.clock import now
from qamqor.core.errors import ServiceError
from qamqor.meals.services.redeem_sql import _execute_prepared


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


@cache
def _lookup_sql() -> str:
    """The lookup with $1…$6 placeholders: prepared once per connection on PostgreSQL."""
    q = connection.ops.quote_name
    token, user, membership = (q(m._meta.db_table) for m in (ApiToken, User, Membership))
    # Table names from the models' meta; every value is a parameter.
    return (
        "SELECT t.id, t.user_id, (t.last_used_at IS NULL OR t.last_used_at < $1), "  # noqa: S608
        "m.school_id, m.organisation_bin "
        f"FROM {token} t JOIN {user} u ON u.id = t.user_id "
        f"LEFT JOIN {membership} m ON m.user_id = t.user_id AND m.role = $2 "
        "AND m.school_id IS NOT NULL "
        "WHERE t.key_hash = $3 AND t.revoked = $4 AND u.is_active = $5 AND t.expires_at > $6"
    )


_TYPES = "timestamptz, text, text, boolean, boolean, timestamptz"


def terminal_for_token(raw: str) -> Terminal | None:
    """The terminal a raw token stands for, `NOT_A_TERMINAL`, or None (unknown, revoked,
    expired, or its user deactivated)."""
    if not raw:
        return None
    moment = now()
    adapt = connection.ops.adapt_datetimefield_value
    params = [
        adapt(moment - dt.timedelta(hours=1)),
        Role.CANTEEN.value,
        hash_token(raw),
        False,
        True,
        adapt(moment),
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _execute_prepared(cursor, "qamqor_terminal_token", _TYPES, _lookup_sql(), params)
        else:
            cursor.execute(re.sub(r"\$\d", "%s", _lookup_sql()), params)
        rows = cursor.fetchall()
    if not rows:
        return None
    token_pk, user_id, stale = rows[0][:3]
    # As accounts.tokens does: touch last_used at most hourly.
    if stale:
        ApiToken.objects.filter(pk=token_pk).update(last_used_at=moment)
    schools = {
        school_id: (org_bin or "").strip()
        for _pk, _user, _stale, school_id, org_bin in rows
        if school_id is not None
    }
    return Terminal(user_id=user_id, schools=schools) if schools else NOT_A_TERMINAL


def not_found() -> ServiceError:
    """The canteen API's 404 (house rule: existence does not leak, never 403)."""
    return ServiceError("not_found", _("Not found."), status=404)


class CanteenBearer(HttpBearer):
    """Bearer auth for canteen terminals only; other users' tokens get 404 (house rule:
    existence does not leak, never 403), a missing or unknown token 401."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        terminal = terminal_for_token(token)
        if terminal is None:
            return None
        if terminal is NOT_A_TERMINAL:
            raise not_found()
        return terminal
