"""What the door TV and the class teacher's page show: entries per class against expected.

Decisions (docs/canteen_entry.md, "The door TV"):
- Expected = the class's pupils holding an active meal voucher this month: under the
  universal rule that is every pupil of grades 1–4 on the verified list.
- The TV shows only classes of the universal grades (the programme's, 1–4 by default):
  there, entering the canteen says nothing about a family. In grades 5–11 a free meal means
  a support category, so neither names nor counts of those classes go on a screen at the
  door; their entries are on the class teacher's and the pedagogue's pages.
- The last children entering: first name and surname initial, class, time.
- The TV polls every 2 seconds; the expected counts and the sittings plan change at most
  daily, so they are kept in process memory for a minute (one grouped query of entries and
  one of the latest entries per poll).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from dataclasses import dataclass

from django.utils import timezone

from qamqor.core.collation import sort_key
from qamqor.meals.models import Programme, Voucher, first_of_month
from qamqor.registry.models import Pupil, SchoolClass

from ..models import Canteen, Entry
from .sittings import ClassLoad, Plan, Seating, plan_for

CACHE_SECONDS = 60.0
RECENT = 6

_cache: dict[tuple[int, dt.date], tuple[float, Plan, tuple[int, int], dict[int, ClassLoad]]] = {}
_lock = threading.Lock()


def forget() -> None:
    with _lock:
        _cache.clear()


def universal_grades(school_id: int, day: dt.date) -> tuple[int, int]:
    programme = (
        Programme.objects.filter(school_id=school_id, month=first_of_month(day))
        .values_list("universal_from_grade", "universal_to_grade")
        .first()
    )
    return programme or (1, 4)


def day_facts(canteen: Canteen, day: dt.date) -> tuple[Plan, tuple[int, int], dict[int, ClassLoad]]:
    key = (canteen.school_id, day)
    hit = _cache.get(key)
    clock = time.monotonic()
    if hit is not None and clock - hit[0] < CACHE_SECONDS:
        return hit[1], hit[2], hit[3]
    plan = plan_for(canteen, day)
    loads = {c.class_id: c for s in plan.seatings for c in s.classes}
    loads |= {c.class_id: c for c in plan.not_placed + plan.not_eating}
    facts = (plan, universal_grades(canteen.school_id, day), loads)
    with _lock:
        if len(_cache) > 1000:
            _cache.clear()
        _cache[key] = (clock, *facts)
    return facts


@dataclass(slots=True)
class Tile:
    class_id: int
    label: str
    entered: int
    expected: int

    @property
    def done(self) -> bool:
        return self.expected > 0 and self.entered >= self.expected

    @property
    def percent(self) -> int:
        return min(100, self.entered * 100 // self.expected) if self.expected else 0


@dataclass(slots=True)
class Recent:
    name: str
    klass: str
    at: dt.datetime


@dataclass(slots=True)
class Board:
    day: dt.date
    seating: Seating | None
    sitting_now: bool
    tiles: list[Tile]
    recent: list[Recent]
    entered: int
    expected: int


def board(canteen: Canteen, moment: dt.datetime) -> Board:
    day = timezone.localdate(moment)
    plan, (low, high), loads = day_facts(canteen, day)
    seating, is_now = plan.current(timezone.localtime(moment).time())
    universal = {cid for cid, c in loads.items() if low <= c.grade <= high}
    entered = _entered_by_class(canteen.school_id, day)
    if seating is not None and any(c.class_id in universal for c in seating.classes):
        shown = [c for c in seating.classes if c.class_id in universal]
    else:
        # No plan for now (no breaks left today, or none set): every universal class.
        shown = sorted(
            (c for cid, c in loads.items() if cid in universal and c.free),
            key=lambda c: (c.grade, sort_key(c.letter)),
        )
    tiles = [Tile(c.class_id, c.label, entered.get(c.class_id, 0), c.free) for c in shown]
    recent_rows = (
        Entry.objects.filter(
            school_id=canteen.school_id, day=day, school_class_id__in=universal or {0}
        )
        .select_related("pupil", "school_class")
        .order_by("-at", "-id")[:RECENT]
    )
    recent = [
        Recent(e.pupil.short_name, str(e.school_class) if e.school_class else "", e.at)
        for e in recent_rows
    ]
    return Board(
        day=day,
        seating=seating,
        sitting_now=is_now,
        tiles=tiles,
        recent=recent,
        entered=sum(t.entered for t in tiles),
        expected=sum(t.expected for t in tiles),
    )


def _entered_by_class(school_id: int, day: dt.date) -> dict[int, int]:
    return Counter(
        Entry.objects.filter(school_id=school_id, day=day).values_list("school_class_id", flat=True)
    )


@dataclass(slots=True)
class ClassRow:
    pupil: Pupil
    entry: Entry | None


@dataclass(slots=True)
class ClassDay:
    klass: SchoolClass
    day: dt.date
    universal: bool
    entered: list[ClassRow]
    waiting: list[ClassRow]  # expected, not entered yet (universal grades only)
    expected: int


def class_day(klass: SchoolClass, day: dt.date) -> ClassDay:
    """The class teacher's view: who entered, and (universal grades) who has not yet."""
    low, high = universal_grades(klass.school_id, day)
    universal = low <= klass.grade <= high
    entries = {
        e.pupil_id: e
        for e in Entry.objects.filter(day=day, school_class=klass).select_related("pupil")
    }
    entered = sorted(
        (ClassRow(e.pupil, e) for e in entries.values()),
        key=lambda r: (r.pupil.surname, r.pupil.name),
    )
    waiting: list[ClassRow] = []
    expected = 0
    if universal:
        holders = set(
            Voucher.objects.filter(
                month=first_of_month(day),
                status=Voucher.Status.ACTIVE,
                pupil__school_class=klass,
                pupil__status=Pupil.Status.ACTIVE,
            ).values_list("pupil_id", flat=True)
        )
        expected = len(holders)
        waiting = [
            ClassRow(p, None)
            for p in Pupil.objects.filter(pk__in=holders - set(entries)).order_by("surname", "name")
        ]
    return ClassDay(klass, day, universal, entered, waiting, expected)
