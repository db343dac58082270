"""The sittings plan: which classes eat at which long break, within the canteen's seats.

Seed 000: 1,200 seats for 4,600 pupils. Each long break of a shift is a sitting. A class
eats together (its teacher brings it and the door TV counts it), so a class is never split.

The rule (`plan_sittings`, a pure function): per shift, classes youngest first (grade, then
letter in Kazakh order), each into the earliest sitting of its shift that still has seats for all its
eaters (first fit). A class bigger than what is left of a sitting goes to the next one, and
a later, smaller class may still fill the gap it left — younger classes are never pushed
later by older ones. A class that fits no sitting (bigger than the canteen, or every sitting
full) is listed as not placed, never squeezed in. Deterministic: the same input, the same plan.

Who counts as eating (`class_loads`, docs/canteen_entry.md): the pupils of the class holding
an active meal voucher this month (all of grades 1–4 under the universal rule; in grades 5–11
those with a confirmed category), plus the school's estimate of paying pupils — its
`Canteen.paying_percent` of the class's other pupils, rounded up. Pre-school classes (grade
0) eat in their own rooms and are not planned.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from qamqor.core.collation import sort_key
from qamqor.registry.models import Pupil, SchoolClass

from ..models import Canteen


@dataclass(frozen=True, slots=True)
class ClassLoad:
    class_id: int
    label: str
    grade: int
    letter: str
    shift: int
    eaters: int
    free: int = 0  # of which hold a voucher


@dataclass(frozen=True, slots=True)
class Sitting:
    shift: int
    number: int  # 1, 2, ... within the shift
    start: dt.time
    end: dt.time


@dataclass(slots=True)
class Seating:
    sitting: Sitting
    capacity: int
    classes: list[ClassLoad] = field(default_factory=list)

    @property
    def used(self) -> int:
        return sum(c.eaters for c in self.classes)

    @property
    def left(self) -> int:
        return self.capacity - self.used

    @property
    def percent(self) -> int:
        return min(100, self.used * 100 // self.capacity) if self.capacity else 0


@dataclass(slots=True)
class Plan:
    capacity: int
    seatings: list[Seating]
    not_placed: list[ClassLoad]  # no sitting had room (or the shift has no breaks)
    not_eating: list[ClassLoad]  # nobody of the class eats

    @property
    def eaters(self) -> int:
        return sum(s.used for s in self.seatings)

    def sitting_of(self, class_id: int) -> Sitting | None:
        for s in self.seatings:
            if any(c.class_id == class_id for c in s.classes):
                return s.sitting
        return None

    def current(self, moment: dt.time) -> tuple[Seating | None, bool]:
        """The sitting under way at `moment`, else the next one today: (seating, now?)."""
        ordered = sorted(self.seatings, key=lambda s: (s.sitting.start, s.sitting.shift))
        for s in ordered:
            if s.sitting.start <= moment < s.sitting.end:
                return s, True
        upcoming = [s for s in ordered if s.sitting.start > moment]
        return (upcoming[0], False) if upcoming else (None, False)


def plan_sittings(
    classes: Iterable[ClassLoad],
    breaks: Mapping[int, Sequence[tuple[dt.time, dt.time]]],
    capacity: int,
) -> Plan:
    """Seat the classes in their shift's sittings, youngest first, first fit (see above)."""
    seatings: list[Seating] = []
    by_shift: dict[int, list[Seating]] = {}
    for shift in sorted(breaks):
        for n, (start, end) in enumerate(sorted(breaks[shift]), start=1):
            seating = Seating(Sitting(shift, n, start, end), capacity)
            seatings.append(seating)
            by_shift.setdefault(shift, []).append(seating)
    not_placed: list[ClassLoad] = []
    not_eating: list[ClassLoad] = []
    # Letters in Kazakh alphabetical order (1А, 1Ә, 1Б, ...), as a school lists its classes.
    order = lambda c: (c.shift, c.grade, sort_key(c.letter), c.class_id)  # noqa: E731
    for load in sorted(classes, key=order):
        if load.eaters <= 0:
            not_eating.append(load)
            continue
        target = next((s for s in by_shift.get(load.shift, []) if s.left >= load.eaters), None)
        if target is None:
            not_placed.append(load)
        else:
            target.classes.append(load)
    return Plan(capacity, seatings, not_placed, not_eating)


# --- from the database ------------------------------------------------------------------------


def class_loads(school_id: int, day: dt.date, paying_percent: int) -> list[ClassLoad]:
    """Every class of grades 1–11 with its eaters on `day`'s month (see the module doc)."""
    from qamqor.meals.models import Voucher, first_of_month

    sizes = Counter(
        Pupil.objects.filter(
            school_id=school_id, status=Pupil.Status.ACTIVE, school_class__isnull=False
        ).values_list("school_class_id", flat=True)
    )
    holders = (
        Voucher.objects.filter(
            school_id=school_id,
            month=first_of_month(day),
            status=Voucher.Status.ACTIVE,
            pupil__status=Pupil.Status.ACTIVE,
        )
        .values_list("pupil__school_class_id", "pupil_id")
        .distinct()
    )
    free = Counter(class_id for class_id, _pupil in holders if class_id)
    loads = []
    classes = SchoolClass.objects.filter(school_id=school_id, grade__gte=1).order_by(
        "shift", "grade", "letter"
    )
    for c in classes.values("id", "grade", "letter", "shift"):
        size, n_free = sizes.get(c["id"], 0), free.get(c["id"], 0)
        paying = math.ceil(max(0, size - n_free) * paying_percent / 100)
        loads.append(
            ClassLoad(
                class_id=c["id"],
                label=f"{c['grade']}{c['letter']}",
                grade=c["grade"],
                letter=c["letter"],
                shift=c["shift"],
                eaters=n_free + paying,
                free=n_free,
            )
        )
    return loads


def plan_for(canteen: Canteen, day: dt.date) -> Plan:
    loads = class_loads(canteen.school_id, day, canteen.paying_percent)
    shifts = {c.shift for c in loads} | {1}
    breaks = {shift: canteen.breaks_of(shift) for shift in sorted(shifts)}
    return plan_sittings(loads, breaks, canteen.seats)
