"""The daily cross-check of canteen entries against meals served, per class.

Two lists for the pedagogue: pupils who entered but were served no meal (a scan missed, or
the child left hungry), and pupils served a meal with no entry recorded (a terminal missed
them, or a QR was used by someone else). Run by `qamqor canteen_crosscheck` (cron, after
the last sitting) and from the page; running it again for a day replaces that day's result,
so it is idempotent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from qamqor.accounts.types import User, signed_in
from qamqor.core.clock import now
from qamqor.registry.models import Pupil

from ..models import CrossCheck, Entry, Mismatch


@dataclass(frozen=True, slots=True)
class Difference:
    pupil_id: int
    kind: str


def differences(entered: set[int], served: set[int]) -> list[Difference]:
    """Pure: who entered without a meal, who had a meal without entering (sorted by id)."""
    return [Difference(p, Mismatch.Kind.NOT_SERVED) for p in sorted(entered - served)] + [
        Difference(p, Mismatch.Kind.NOT_ENTERED) for p in sorted(served - entered)
    ]


def served_pupils(school_id: int, day: dt.date) -> set[int]:
    from qamqor.meals.models import Redemption

    served = Redemption.objects.filter(
        school_id=school_id, day=day, status=Redemption.Status.SERVED
    ).values_list("pupil_id", flat=True)
    return {pupil_id for pupil_id in served if pupil_id is not None}


@transaction.atomic
def run_crosscheck(school_id: int, day: dt.date, user: User | None = None) -> CrossCheck:
    entered = set(
        Entry.objects.filter(school_id=school_id, day=day).values_list("pupil_id", flat=True)
    )
    served = served_pupils(school_id, day)
    found = differences(entered, served)
    check, _created = CrossCheck.objects.update_or_create(
        school_id=school_id,
        day=day,
        defaults={
            "run_at": now(),
            "run_by": signed_in(user),
            "entered": len(entered),
            "served": len(served),
            "matched": len(entered & served),
        },
    )
    check.mismatches.all().delete()
    classes = dict(
        Pupil.objects.filter(pk__in=[d.pupil_id for d in found]).values_list(
            "id", "school_class_id"
        )
    )
    Mismatch.objects.bulk_create(
        Mismatch(
            check_run=check,
            pupil_id=d.pupil_id,
            school_class_id=classes.get(d.pupil_id),
            kind=d.kind,
        )
        for d in found
        if d.pupil_id in classes
    )
    return check
