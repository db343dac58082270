"""Read-side of the eligibility app: the income test, deadlines and the dashboard's figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from qamqor.accounts.access import get_scope
from qamqor.accounts.types import User
from qamqor.core.workdays import WorkCalendar, get_calendar
from qamqor.registry.models import Family, Pupil
from qamqor.registry.selectors import family_figures

from .models import Category, CategoryAssignment, SubsistenceMinimum


def subsistence_minimum(year: int, region_id: int | None) -> SubsistenceMinimum | None:
    """The minimum of `year`: the region's own row wins over the national one."""
    rows = SubsistenceMinimum.objects.filter(year=year).filter(
        Q(region__isnull=True) | Q(region_id=region_id)
    )
    best = None
    for row in rows:
        if row.region_id is not None:
            return row
        best = row
    return best


@dataclass(frozen=True)
class IncomeTest:
    """Seed 000/DOMAIN: category 2 when per-capita income is below the subsistence minimum."""

    year: int
    income: int
    members: int
    minimum: int | None
    regional: bool = False

    @property
    def per_capita(self) -> int:
        return Family.per_capita(self.income, self.members)

    @property
    def known(self) -> bool:
        """A test needs members to divide by and a minimum to compare with."""
        return self.members > 0 and self.minimum is not None

    @property
    def below(self) -> bool:
        return self.known and self.per_capita < (self.minimum or 0)

    @property
    def gap(self) -> int:
        """How far below (positive) or above (negative) the minimum per member."""
        return (self.minimum or 0) - self.per_capita


def region_of(family: Family) -> int | None:
    return (
        Family.objects.filter(pk=family.pk)
        .values_list("school__district__region_id", flat=True)
        .first()
    )


def income_test(family: Family | None, year: int) -> IncomeTest:
    if family is None:
        return IncomeTest(year=year, income=0, members=0, minimum=None)
    row = subsistence_minimum(year, region_of(family))
    figures = family_figures(family)  # members and income in one pass
    return IncomeTest(
        year=year,
        income=figures["income"],
        members=figures["members"],
        minimum=row.amount if row else None,
        regional=bool(row and row.region_id),
    )


@dataclass(frozen=True)
class Due:
    """Where an open term stands: an applied category's 15 working days, an application's."""

    state: str  # "overdue", "today", "upcoming", or "" once decided
    days: int  # working days overdue (state overdue) or left (state upcoming)
    date: dt.date

    @property
    def overdue(self) -> bool:
        return self.state == "overdue"


def standing(due: dt.date, today: dt.date, overdue: bool, cal: WorkCalendar | None) -> Due:
    """Where an open term ending on `due` stands on `today` (applications count the same)."""
    cal = cal or get_calendar()
    if overdue:
        # Overdue on a weekend right after the due day counts 0 working days; the
        # template then names the due date instead of a number.
        return Due("overdue", cal.working_days_between(due, today), due)
    if today == due:
        return Due("today", 0, due)
    return Due("upcoming", cal.working_days_between(today, due), due)


def due_of(
    assignment: CategoryAssignment, today: dt.date, calendar: WorkCalendar | None = None
) -> Due:
    if assignment.status != CategoryAssignment.Status.APPLIED:
        return Due("", 0, assignment.due_date)
    return standing(assignment.due_date, today, assignment.is_overdue(today), calendar)


def with_due(rows: Any, today: dt.date, due: Callable[..., Due] = due_of) -> list[Any]:
    """The rows (assignments, or what `due` takes), each with `.due` set (one calendar for all)."""
    cal = get_calendar()
    result = list(rows)
    for row in result:
        row.due = due(row, today, cal)
    return result


def can_see_pupil_categories(user: User, pupil: Pupil) -> bool:
    """Category readers of the school, and a parent for their own child; never others."""
    scope = get_scope(user)
    if not scope.authenticated:
        return False
    return scope.can_see_categories(pupil.school_id) or pupil.pk in scope.child_ids


def dashboard_assignments(school_ids: set[int]) -> QuerySet[CategoryAssignment]:
    return CategoryAssignment.objects.filter(school_id__in=school_ids).select_related(
        "pupil", "pupil__school_class", "school"
    )


def category_counts(school_ids: set[int], today: dt.date) -> list[dict[str, Any]]:
    """Per category: applied, overdue, confirmed and valid today, refused."""
    applied = Q(status=CategoryAssignment.Status.APPLIED)
    valid = (
        Q(status=CategoryAssignment.Status.CONFIRMED)
        & (Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        & (Q(valid_to__isnull=True) | Q(valid_to__gte=today))
    )
    rows = (
        CategoryAssignment.objects.filter(school_id__in=school_ids)
        .values("category")
        .annotate(
            applied=Count("id", filter=applied),
            overdue=Count("id", filter=applied & Q(due_date__lt=today)),
            confirmed=Count("pupil", filter=valid, distinct=True),
            refused=Count("id", filter=Q(status=CategoryAssignment.Status.REFUSED)),
        )
    )
    by_category: dict[str, Mapping[str, Any]] = {r["category"]: r for r in rows}
    empty = {"applied": 0, "overdue": 0, "confirmed": 0, "refused": 0}
    return [
        {
            "category": c.value,
            "label": c.label,
            **{k: by_category.get(c.value, empty)[k] for k in empty},
        }
        for c in Category
    ]
