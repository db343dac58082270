"""One way to change a status: the model's transition table, checked, recorded and saved.

A model with a status lists its moves in `TRANSITIONS` (DESIGN rule 4) and derives from
`StatusMachine`; a service changes the status only through `move()`. A move the table lacks
is refused with the app's own error class (code `transition_not_allowed`, the model's
`REFUSED` message); a model that keeps a history of its moves names it in `HISTORY`, and
every move writes a row there (from, to, by, at, comment). The audit event stays with the service, which knows what else it changed.

    move(lst, MonthlyList.Status.RETURNED, error=MealError, by=user, comment=comment,
         fields=["comment"])
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any, ClassVar

from django.apps import apps
from django.db import models

from .clock import now


class StatusMachine(models.Model):
    """The base of a model with a status: `TRANSITIONS` maps each to those it may become."""

    TRANSITIONS: ClassVar[Mapping[str, Collection[str]]] = {}
    STATUS_FIELD: ClassVar[str] = "status"
    # The refusal in the app's words, with %(status)s and %(target)s (their labels); empty
    # where no person reads it (a view that catches it and redirects).
    REFUSED: ClassVar[Any] = ""
    # (model label, its foreign key to this model) of the row written for every move.
    HISTORY: ClassVar[tuple[str, str] | None] = None

    class Meta:
        abstract = True

    def allowed_transitions(self) -> set[str]:
        return set(self.TRANSITIONS.get(getattr(self, self.STATUS_FIELD), ()))

    def can_become(self, status: str) -> bool:
        return status in self.allowed_transitions()


def require(obj: StatusMachine, status: str, error: type[Exception]) -> None:
    """Refuse, with `error`, a move the table does not allow (for checks before the work)."""
    if obj.can_become(status):
        return
    current = getattr(obj, obj.STATUS_FIELD)
    if not obj.REFUSED:
        raise error("transition_not_allowed", f"{current} -> {status}")
    labels = dict(obj._meta.get_field(obj.STATUS_FIELD).flatchoices)
    raise error(
        "transition_not_allowed",
        str(obj.REFUSED)
        % {"status": labels.get(current, current), "target": labels.get(status, status)},
    )


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
    """Check and make the move, record it, and save the status with the other `fields` the
    caller set. `save=False` where the caller saves the row itself (a conditional update).
    Returns the status it left."""
    require(obj, status, error)
    field = obj.STATUS_FIELD
    previous = getattr(obj, field)
    setattr(obj, field, status)
    if save:
        obj.save(update_fields=[field, *fields])
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
