"""One way to change a status: the model's transition table, checked, recorded and saved.

A model with a status derives from `StatusMachine` and lists its moves in `TRANSITIONS`
(DESIGN rule 4); services change the status only with `move()`, which refuses a move the
table lacks with the app's own error, writes the model's `HISTORY` row if it keeps one, and
saves. The audit event stays with the service, which knows what else it changed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any, ClassVar

from django.apps import apps
from django.db import models

from .clock import now


class StatusMachine(models.Model):
    TRANSITIONS: ClassVar[Mapping[str, Collection[str]]] = {}
    STATUS_FIELD: ClassVar[str] = "status"
    # The refusal in the app's words, with %(status)s and %(target)s; empty where no person
    # reads it (the view catches it and redirects).
    REFUSED: ClassVar[Any] = ""
    # (model label, its foreign key to this model): a from/to/by/at/comment row per move.
    HISTORY: ClassVar[tuple[str, str] | None] = None

    class Meta:
        abstract = True

    def allowed_transitions(self) -> set[str]:
        return set(self.TRANSITIONS.get(getattr(self, self.STATUS_FIELD), ()))

    def can_become(self, status: str) -> bool:
        return status in self.allowed_transitions()


def require(obj: StatusMachine, status: str, error: type[Exception]) -> None:
    """Refuse with `error("transition_not_allowed", …)` a move the table does not allow."""
    if obj.can_become(status):
        return
    current = getattr(obj, obj.STATUS_FIELD)
    if not obj.REFUSED:
        raise error("transition_not_allowed", f"{current} -> {status}")
    labels = dict(obj._meta.get_field(obj.STATUS_FIELD).flatchoices)  # type: ignore[union-attr]  # a choices field, not a relation
    words = {"status": labels.get(current, current), "target": labels.get(status, status)}
    raise error("transition_not_allowed", str(obj.REFUSED) % words)


def move(
    obj: StatusMachine,
    status: str,
    *,
    error: type[Exception],
    fields: Iterable[str] = (),
    by: Any = None,
    comment: str = "",
    save: bool = True,
) -> str:
    """Make the move and save the status with the other `fields` the caller changed
    (`save=False`: the caller saves, e.g. conditionally, in the same transaction: the
    `HISTORY` row is written either way). Returns the status it left."""
    require(obj, status, error)
    previous = getattr(obj, obj.STATUS_FIELD)
    setattr(obj, obj.STATUS_FIELD, status)
    if save:
        obj.save(update_fields=[obj.STATUS_FIELD, *fields])
    if obj.HISTORY:
        label, key = obj.HISTORY
        apps.get_model(label).objects.create(
            **{key: obj},
            from_status=previous,
            to_status=status,
            by=by if getattr(by, "is_authenticated", False) else None,
            at=now(),
            comment=(comment or "").strip(),
        )
    return previous
