"""A school's meal programme for a month: what is served, at what price, on which days, to whom.

Writes (`save_programme`, `reset_meal_days`, `set_meal_day`) own their transaction and
record an audit event. The entitlement rules at the bottom are pure: they take the
programme, the pupil's grade and category assignments and the month's meal days, and never
touch the database, so they are tested on unsaved objects.

Entitlement decision (seed 004: "grades 5–11 with a category confirmed and valid in that
month"): a category counts for a month when it is confirmed and valid on **at least one of
the month's meal days** (the calendar month when the programme has no meal day left). So
a category confirmed on the 10th feeds the child from that month's list on, and one ending
on the 3rd still gives that month's voucher; one that ended before the first meal day (say
on the last day of the previous month, or on a holiday weekend before school starts) does
not. A voucher covers a whole month (seed 004 step 3): there is no finer unit to cut it to.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from qamqor.accounts.types import User
from qamqor.audit.services import record
from qamqor.core.errors import ServiceError
from qamqor.core.workdays import get_calendar
from qamqor.registry.models import Pupil, School

from ..models import (
    Basis,
    MealDay,
    MealType,
    MonthlyList,
    Operator,
    Programme,
    ProgrammeMeal,
    Redemption,
    SchoolBreak,
    first_of_month,
)

MAX_PRICE = 20_000  # ₸ per meal: anything above is a typo (a hot lunch costs ~600–1,500 ₸)


class MealError(ServiceError):
    conflicts = frozenset({"transition_not_allowed", "list_locked", "list_not_formed"})


# --- months ------------------------------------------------------------------------------


def parse_month(value: str) -> dt.date:
    """'2026-11' → 2026-11-01; ValueError otherwise."""
    year, _sep, month = (value or "").partition("-")
    if len(year) != 4 or len(month) != 2 or not (year.isdigit() and month.isdigit()):
        raise ValueError(value)
    return dt.date(int(year), int(month), 1)


def month_key(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=_calendar.monthrange(month.year, month.month)[1])


def previous_month(month: dt.date) -> dt.date:
    return first_of_month(first_of_month(month) - dt.timedelta(days=1))


def next_month(month: dt.date) -> dt.date:
    return first_of_month(month_end(month) + dt.timedelta(days=1))


def month_dates(month: dt.date) -> list[dt.date]:
    first = first_of_month(month)
    return [first + dt.timedelta(days=i) for i in range(month_end(first).day)]


# --- pure rules --------------------------------------------------------------------------


def calendar_meal_days(
    month: dt.date,
    is_working_day: Callable[[dt.date], bool],
    breaks: Iterable[tuple[dt.date, dt.date]],
) -> list[dt.date]:
    """The month's working days (holidays and decree-moved days included) less the breaks."""
    periods = list(breaks)
    return [
        d
        for d in month_dates(month)
        if is_working_day(d) and not any(start <= d <= end for start, end in periods)
    ]


def categories_valid_in(assignments: Iterable[Any], days: Sequence[dt.date]) -> set[str]:
    """Codes of the confirmed categories valid on at least one of `days` (see the module doc)."""
    return {a.category for a in assignments if any(a.is_valid_on(d) for d in days)}


def entitlement_days(programme: Programme, meal_days: Sequence[dt.date]) -> list[dt.date]:
    return list(meal_days) or month_dates(programme.month)


def basis_in_month(
    programme: Programme, grade: int | None, assignments: Iterable[Any], days: Sequence[dt.date]
) -> str | None:
    """Why a pupil eats this month (a Basis value), or None."""
    return programme.basis_for(grade, categories_valid_in(assignments, days))


@dataclass(frozen=True)
class NotEntitled:
    """Why a pupil is not on a month's list: a code and its detail (a date, a grade)."""

    code: str
    detail: str = ""


def why_not_entitled(
    programme: Programme,
    *,
    status: str,
    school_id: int | None,
    grade: int | None,
    assignments: Sequence[Any],
    days: Sequence[dt.date],
) -> NotEntitled | None:
    """The first reason a pupil falls outside `programme`, or None if entitled.

    The order follows what a pedagogue checks: still a pupil here, in a class, in the grades,
    then the categories (refused, ended, not confirmed, not one the school feeds).
    """
    if status != Pupil.Status.ACTIVE:
        return NotEntitled("not_active", status)
    if school_id != programme.school_id:
        return NotEntitled("other_school")
    if grade is None:
        return NotEntitled("no_class")
    if programme.basis_for(grade, categories_valid_in(assignments, days)):
        return None
    in_universal = programme.universal_from_grade <= grade <= programme.universal_to_grade
    in_category = programme.category_from_grade <= grade <= programme.category_to_grade
    if not (in_universal or in_category):
        return NotEntitled("out_of_grades", str(grade))
    valid = categories_valid_in(assignments, days)
    if valid:
        return NotEntitled("category_not_entitling", ",".join(sorted(valid)))
    confirmed = [a for a in assignments if a.status == "confirmed"]
    first = min(days) if days else programme.month
    ended = [a.valid_to for a in confirmed if a.valid_to is not None and a.valid_to < first]
    if ended:
        return NotEntitled("category_expired", max(ended).isoformat())
    if any(a.status == "refused" for a in assignments) and not confirmed:
        return NotEntitled("category_refused")
    return NotEntitled("no_category")


# --- writes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MealSpec:
    meal_type: str
    price: int
    state_share: int = 100


def _check_grades(ranges: dict[str, int]) -> None:
    for field, value in ranges.items():
        if not 0 <= value <= 11:
            raise MealError("grade_range", _("Grades run from 0 to 11."), field)
    if ranges["universal_from_grade"] > ranges["universal_to_grade"]:
        raise MealError(
            "grade_range", _("The first grade must not be above the last."), "universal_to_grade"
        )
    if ranges["category_from_grade"] > ranges["category_to_grade"]:
        raise MealError(
            "grade_range", _("The first grade must not be above the last."), "category_to_grade"
        )
    overlap = max(ranges["universal_from_grade"], ranges["category_from_grade"]) <= min(
        ranges["universal_to_grade"], ranges["category_to_grade"]
    )
    if overlap:
        raise MealError(
            "grade_overlap",
            _("A grade cannot be both universal and by category."),
            "category_from_grade",
        )


def _check_meals(meals: Sequence[MealSpec]) -> None:
    kinds = [m.meal_type for m in meals]
    if MealType.LUNCH not in kinds:
        # seed 000/004: the programme is a hot lunch; other meals come on top of it.
        raise MealError("lunch_required", _("The programme must serve lunch."), "meals")
    if len(set(kinds)) != len(kinds) or not set(kinds) <= set(MealType.values):
        raise MealError("meal_type_invalid", _("Each meal may appear once."), "meals")
    for m in meals:
        if not 0 < m.price <= MAX_PRICE:
            raise MealError(
                "price_invalid",
                _("A meal costs between 1 and %(max)s ₸.") % {"max": MAX_PRICE},
                "meals",
            )
        if not 0 <= m.state_share <= 100:
            raise MealError("share_invalid", _("The state share is 0 to 100 %."), "meals")


def _list_locked(programme: Programme) -> bool:
    """After the list leaves the pedagogue's hands its rules are fixed (it was approved as is)."""
    editable = {MonthlyList.Status.DRAFT, MonthlyList.Status.RETURNED}
    return programme.lists.exclude(status__in=editable).exists()


@transaction.atomic
def save_programme(
    user: User,
    school: School,
    month: dt.date,
    *,
    operator: Operator,
    meals: Sequence[MealSpec],
    contract_number: str = "",
    contract_date: dt.date | None = None,
    universal_from_grade: int = 1,
    universal_to_grade: int = 4,
    category_from_grade: int = 5,
    category_to_grade: int = 11,
    categories: Iterable[str] = (),
) -> Programme:
    """Create or change the month's programme; a new one gets its meal days generated."""
    month = first_of_month(month)
    ranges = {
        "universal_from_grade": universal_from_grade,
        "universal_to_grade": universal_to_grade,
        "category_from_grade": category_from_grade,
        "category_to_grade": category_to_grade,
    }
    _check_grades(ranges)
    _check_meals(meals)
    all_five = {b.value for b in Basis if b != Basis.UNIVERSAL}
    chosen = sorted(set(categories))
    if not set(chosen) <= all_five:
        raise MealError("category_invalid", _("Unknown category."), "categories")
    programme = Programme.objects.select_for_update().filter(school=school, month=month).first()
    created = programme is None
    if programme is None:
        programme = Programme(school=school, month=month)
    elif _list_locked(programme):
        rules_changed = (
            any(getattr(programme, f) != v for f, v in ranges.items())
            or sorted(programme.categories or []) != chosen
        )
        if rules_changed:
            raise MealError(
                "programme_locked",
                _("The month's list is already approved: who is entitled can no longer change."),
            )
    programme.operator = operator
    programme.contract_number = (contract_number or "").strip()[:60]
    programme.contract_date = contract_date
    for field, value in ranges.items():
        setattr(programme, field, value)
    programme.categories = chosen
    programme.save()
    wanted = {m.meal_type: m for m in meals}
    existing = {pm.meal_type: pm for pm in programme.meals.all()}
    dropped = set(existing) - set(wanted)
    if dropped and _meals_in_use(programme, dropped):
        raise MealError(
            "meal_in_use",
            _("Vouchers for this meal are already issued; it cannot be removed this month."),
            "meals",
        )
    programme.meals.filter(meal_type__in=dropped).delete()
    for kind, spec in wanted.items():
        row = existing.get(kind) or ProgrammeMeal(programme=programme, meal_type=kind)
        row.price, row.state_share = spec.price, spec.state_share
        row.save()
    if created:
        _replace_days(programme, calendar_days(programme))
    record(
        user,
        "create" if created else "update",
        programme,
        fields=["operator", "contract_number", "meals", "grades", "categories"],
        school_id=school.pk,
    )
    return programme


def _meals_in_use(programme: Programme, kinds: set[str]) -> bool:
    from ..models import Voucher

    return Voucher.objects.filter(
        school_id=programme.school_id, month=programme.month, meal_type__in=kinds
    ).exists()


def school_breaks(school_id: int, month: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The national breaks (no school) and the school's own that touch the month."""
    first, last = first_of_month(month), month_end(month)
    rows = SchoolBreak.objects.filter(Q(school__isnull=True) | Q(school_id=school_id)).filter(
        start__lte=last, end__gte=first
    )
    return list(rows.values_list("start", "end"))


def calendar_days(programme: Programme) -> list[dt.date]:
    breaks = school_breaks(programme.school_id, programme.month)
    return calendar_meal_days(programme.month, get_calendar().is_working_day, breaks)


def _replace_days(programme: Programme, days: Iterable[dt.date]) -> None:
    programme.days.all().delete()
    MealDay.objects.bulk_create([MealDay(programme=programme, date=d) for d in sorted(days)])


def _days_with_meals(programme: Programme, days: Iterable[dt.date]) -> list[dt.date]:
    served = Redemption.objects.filter(
        school_id=programme.school_id, day__in=list(days), status=Redemption.Status.SERVED
    )
    return sorted(set(served.values_list("day", flat=True)))  # type: ignore[arg-type]  # day__in: no null


@transaction.atomic
def reset_meal_days(user: User, programme: Programme) -> list[dt.date]:
    """Make the meal days the calendar's again (working days less breaks)."""
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    wanted = set(calendar_days(programme))
    current = set(programme.days.values_list("date", flat=True))
    kept = _days_with_meals(programme, current - wanted)
    if kept:
        raise MealError(
            "day_has_meals",
            _("Meals were already served on %(day)s; that day cannot be removed.")
            % {"day": kept[0].strftime("%d.%m.%Y")},
        )
    _replace_days(programme, wanted)
    record(user, "update", programme, fields=["days"])
    return sorted(wanted)


@transaction.atomic
def set_meal_day(user: User, programme: Programme, day: dt.date, serve: bool) -> bool:
    """Add (serve=True) or remove one meal day; returns whether anything changed."""
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    if first_of_month(day) != programme.month:
        raise MealError("day_out_of_month", _("The day is not in the programme's month."), "day")
    exists = programme.days.filter(date=day).exists()
    if serve == exists:
        return False
    if serve:
        MealDay.objects.create(programme=programme, date=day)
    else:
        if _days_with_meals(programme, [day]):
            raise MealError(
                "day_has_meals",
                _("Meals were already served on %(day)s; that day cannot be removed.")
                % {"day": day.strftime("%d.%m.%Y")},
                "day",
            )
        programme.days.filter(date=day).delete()
    record(user, "update", programme, fields=["days"])
    return True


def programme_for(school_id: int, month: dt.date) -> Programme | None:
    return (
        Programme.objects.filter(school_id=school_id, month=first_of_month(month))
        .select_related("operator")
        .first()
    )


def previous_programme(school_id: int, month: dt.date) -> Programme | None:
    """The latest programme before `month`: the form starts from it."""
    return (
        Programme.objects.filter(school_id=school_id, month__lt=first_of_month(month))
        .order_by("-month")
        .select_related("operator")
        .first()
    )
