"""Writing the audit trail. Call from services (writes) and from views (reads)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Model

from qamqor.core.clock import now

from .middleware import current_channel, current_ip
from .models import AuditEvent


def _school_id(obj: Model) -> int | None:
    school_id = getattr(obj, "school_id", None)
    if school_id is None and hasattr(obj, "family"):
        school_id = getattr(obj.family, "school_id", None)
    return school_id


def record(
    user: Any,
    action: str,
    obj: Model | None = None,
    *,
    fields: Iterable[str] = (),
    object_type: str | None = None,
    object_id: Any = "",
    school_id: int | None = None,
    label: str = "",
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk
        school_id = school_id if school_id is not None else _school_id(obj)
        label = label or str(obj)[:200]
    return AuditEvent.objects.create(
        at=now(),
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        object_type=object_type or "",
        object_id=str(object_id or ""),
        object_label=label[:200],
        school_id=school_id,
        fields=sorted(set(fields)),
        ip=current_ip.get(),
        channel=current_channel.get(),
    )


def record_many(
    user: Any, action: str, object_type: str, school_id: int | None, count: int, label: str = ""
) -> AuditEvent:
    """One row for a bulk operation (an import or an export), naming how many records."""
    return record(
        user,
        action,
        object_type=object_type,
        school_id=school_id,
        object_id="",
        label=label or f"{count}",
    )
