"""Read-side queries of the registry: the pupil list and the family card's figures."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from qamqor.accounts.access import get_scope, visible
from qamqor.accounts.models import CATEGORY_READERS
from qamqor.accounts.types import User
from qamqor.core.collation import kazakh

from .forms import PupilFilterForm
from .models import Family, Pupil

# A confirmed category assignment's status, as the eligibility app stores it (the registry
# does not import that app).
CONFIRMED = "confirmed"


def pupil_queryset(user: User, params: dict[str, Any]) -> QuerySet[Pupil]:
    """The pupils the user may read, searched, filtered and sorted as `params` ask."""
    qs = visible(user, Pupil).select_related("school_class", "school")
    q = (params.get("q") or "").strip()
    if q:
        if q.isdigit():
            qs = qs.filter(iin__startswith=q)
        else:
            for word in q.split()[:3]:
                qs = qs.filter(
                    Q(surname__icontains=word)
                    | Q(name__icontains=word)
                    | Q(patronymic__icontains=word)
                )
    if params.get("school_class"):
        qs = qs.filter(school_class_id=params["school_class"])
    if params.get("grade") is not None:
        qs = qs.filter(school_class__grade=params["grade"])
    status = params.get("status") or ""
    if status == "":
        qs = qs.filter(status=Pupil.Status.ACTIVE)
    elif status != "all":
        qs = qs.filter(status=status)
    category = params.get("category")
    if category:
        scope = get_scope(user)
        # Only roles that may see categories may filter by them: the filter itself leaks.
        allowed = scope.school_ids(roles=CATEGORY_READERS)
        qs = qs.filter(
            school_id__in=allowed,
            categories__category=category,
            categories__status=CONFIRMED,
        ).distinct()
    order = PupilFilterForm.SORTS.get(params.get("sort") or "name", PupilFilterForm.SORTS["name"])
    return qs.order_by(*[_ordering(term) for term in order])


TEXT_FIELDS = {"surname", "name", "patronymic", "school_class__letter"}


def _ordering(term: str):  # noqa: ANN202
    field = term.lstrip("-")
    if field in TEXT_FIELDS:
        return kazakh(field, descending=term.startswith("-"))
    return term


def family_figures(family: Family) -> dict[str, int]:
    """Members and monthly income in two queries (the per-capita test uses both)."""
    counts = Family.objects.filter(pk=family.pk).aggregate(
        pupils=Count("pupils", distinct=True),
        guardians=Count("guardians", filter=Q(guardians__lives_with_family=True), distinct=True),
        others=Count("others", distinct=True),
    )
    income = family.incomes.aggregate(total=Sum("monthly_amount"))["total"] or 0
    members = counts["pupils"] + counts["guardians"] + counts["others"]
    return {
        "members": members,
        "income": income,
        "per_capita": Family.per_capita(income, members),
    }
