"""The daily meal report (seed 004, step 7) and who may read the meal figures.

Every day the school reports the vouchers activated and the meals served, per class and meal
type. `build_daily_report(school, day)` recomputes the stored `DailyReport` rows of one school
and day from two aggregate queries (vouchers, served scans) and replaces them: run it any
number of times, the rows come out the same. `build_daily_reports(day)` does the same for
every school at once (still two queries), for the nightly command `meals_daily_report`.

Definitions:
- *vouchers active*: vouchers of the day's month activated by the end of that day and not
  suspended (an expired voucher of a past month was active through it, so recomputing an
  old day later gives the same count);
- *meals served*: scans of that day with status `served` (never refused or conflict);
- the class is the pupil's class now (the report is made the same evening).

Who reads the figures (no names in them): the school's readers (pedagogue, principal, board,
district, admin) and the canteen operator's staff of the school. A canteen member bound to an
operator's BIN reads a month only when that operator runs the month's programme: the operator
who left in October does not read November. The табель, which names pupils, is not theirs.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.text import capfirst

from qamqor.accounts import access
from qamqor.accounts.models import SCHOOL_READERS, Membership, Role
from qamqor.accounts.types import User
from qamqor.core.clock import now
from qamqor.registry.models import School, SchoolClass

from ..models import DailyReport, MealType, Programme, Redemption, Voucher, first_of_month

# The daily report and the payment statement: counts, no names.
COUNT_READERS = SCHOOL_READERS | {Role.CANTEEN}
# The табель names every pupil: the school's readers only.
TABEL_READERS = SCHOOL_READERS

ReportKey = tuple[int, int | None, str]  # school, class, meal type


def school_for_counts(user: User, school_id: int | str, month: dt.date) -> School:
    """The school whose meal counts of `month` the user may read; 404 otherwise."""
    school = access.get_school_for_user(user, school_id, roles=COUNT_READERS)
    if access.get_scope(user).has_role(school.pk, *SCHOOL_READERS):
        return school
    bins = set(
        Membership.objects.filter(user=user, role=Role.CANTEEN, school=school).values_list(
            "organisation_bin", flat=True
        )
    )
    if "" in bins:  # a canteen membership not bound to an organisation: the school's canteen
        return school
    operator_bin = (
        Programme.objects.filter(school=school, month=first_of_month(month))
        .values_list("operator__bin", flat=True)
        .first()
    )
    if operator_bin and operator_bin in bins:
        return school
    raise Http404


def _day_end(day: dt.date) -> dt.datetime:
    start = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(start)


def _compute(day: dt.date, school_ids: Iterable[int] | None) -> dict[ReportKey, list[int]]:
    """(school, class, meal type) → [vouchers active, meals served] for `day`."""
    vouchers = Voucher.objects.filter(
        month=first_of_month(day),
        status__in=[Voucher.Status.ACTIVE, Voucher.Status.EXPIRED],
    ).filter(
        Q(activated_at__lt=_day_end(day))
        # Activated without a timestamp: active, time unknown.
        | Q(activated_at__isnull=True, status=Voucher.Status.ACTIVE)
    )
    served = Redemption.objects.filter(day=day, status=Redemption.Status.SERVED)
    if school_ids is not None:
        ids = list(school_ids)
        vouchers = vouchers.filter(school_id__in=ids)
        served = served.filter(school_id__in=ids)
    counts: dict[ReportKey, list[int]] = defaultdict(lambda: [0, 0])
    for row in vouchers.values("school_id", "pupil__school_class_id", "meal_type").annotate(
        n=Count("id")
    ):
        counts[(row["school_id"], row["pupil__school_class_id"], row["meal_type"])][0] = row["n"]
    for scan in served.values("school_id", "voucher__pupil__school_class_id", "meal_type").annotate(
        n=Count("id")
    ):
        key = (scan["school_id"], scan["voucher__pupil__school_class_id"], scan["meal_type"])
        counts[key][1] = scan["n"]  # type: ignore[index]  # a served scan has a school
    return counts


def _store(day: dt.date, counts: dict[ReportKey, list[int]], school_ids: list[int] | None) -> int:
    stale = DailyReport.objects.filter(day=day)
    if school_ids is not None:
        stale = stale.filter(school_id__in=school_ids)
    stale.delete()
    at = now()
    rows = [
        DailyReport(
            school_id=school_id,
            day=day,
            school_class_id=class_id,
            meal_type=meal_type,
            vouchers_active=active,
            meals_served=served,
            generated_at=at,
        )
        for (school_id, class_id, meal_type), (active, served) in counts.items()
    ]
    DailyReport.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


@transaction.atomic
def build_daily_report(school: School, day: dt.date) -> int:
    """Recompute the stored daily report of one school and day; the number of rows."""
    return _store(day, _compute(day, [school.pk]), [school.pk])


@transaction.atomic
def build_daily_reports(day: dt.date) -> int:
    """Recompute the daily report of every school for `day` (the nightly job)."""
    return _store(day, _compute(day, None), None)


@dataclass
class DailyLine:
    class_id: int | None
    class_label: str
    grade: int
    meal_type: str
    meal_label: str
    vouchers_active: int
    meals_served: int

    @property
    def percent(self) -> int:
        if not self.vouchers_active:
            return 0
        return round(self.meals_served * 100 / self.vouchers_active)


@dataclass
class DailyView:
    school: School
    day: dt.date
    lines: list[DailyLine]
    generated_at: dt.datetime | None  # None: live figures, the report is not stored yet

    @property
    def vouchers_active(self) -> int:
        return sum(line.vouchers_active for line in self.lines)

    @property
    def meals_served(self) -> int:
        return sum(line.meals_served for line in self.lines)

    def per_meal(self) -> list[tuple[str, int, int]]:
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        labels = {}
        for line in self.lines:
            totals[line.meal_type][0] += line.vouchers_active
            totals[line.meal_type][1] += line.meals_served
            labels[line.meal_type] = line.meal_label
        return [(labels[m], a, s) for m, (a, s) in totals.items()]


def daily_report(school: School, day: dt.date) -> DailyView:
    """The stored report of the day, or the live figures when none is stored yet."""
    stored = list(
        DailyReport.objects.filter(school=school, day=day).values_list(
            "school_class_id", "meal_type", "vouchers_active", "meals_served", "generated_at"
        )
    )
    raw: list[tuple[int | None, str, int, int]]
    if stored:
        raw = [(c, m, a, s) for c, m, a, s, _g in stored]
        generated_at = max(g for *_rest, g in stored)
    else:
        counts = _compute(day, [school.pk])
        raw = [(c, m, a, s) for (_s, c, m), (a, s) in counts.items()]
        generated_at = None
    classes: dict[int | None, SchoolClass] = {
        k.pk: k for k in SchoolClass.objects.filter(pk__in={c for c, *_ in raw if c is not None})
    }
    meal_order = list(MealType.values)
    lines = []
    for class_id, meal_type, active, served in raw:
        klass = classes.get(class_id)
        lines.append(
            DailyLine(
                class_id=class_id,
                class_label=str(klass) if klass else "—",
                grade=klass.grade if klass else 99,
                meal_type=meal_type,
                meal_label=capfirst(str(MealType(meal_type).label))
                if meal_type in meal_order
                else meal_type,
                vouchers_active=active,
                meals_served=served,
            )
        )
    lines.sort(
        key=lambda x: (
            x.grade,
            x.class_label,
            meal_order.index(x.meal_type) if x.meal_type in meal_order else 99,
        )
    )
    return DailyView(school=school, day=day, lines=lines, generated_at=generated_at)
