"""Writes on accounts: deactivating users, ending their API tokens."""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps
from django.db import transaction

from .models import ApiToken, User


def has_audit_history(user: User) -> bool:
    """Did this user act on personal data? (The audit app is looked up by label: accounts
    comes before audit in the app graph.)"""
    return apps.get_model("audit", "AuditEvent").objects.filter(user=user).exists()


def users_with_history(users: Iterable[User]) -> set[int]:
    ids = [u.pk for u in users]
    events = apps.get_model("audit", "AuditEvent").objects.filter(user_id__in=ids)
    return set(events.order_by().values_list("user_id", flat=True).distinct())


@transaction.atomic
def revoke_tokens(user: User) -> int:
    """End every API token of the user (a password change, a deactivation)."""
    return ApiToken.objects.filter(user=user, revoked=False).update(revoked=True)


@transaction.atomic
def deactivate_user(user: User) -> None:
    """Instead of deleting: the user can no longer sign in or use a token, and the audit
    trail keeps pointing at them."""
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    revoke_tokens(user)
