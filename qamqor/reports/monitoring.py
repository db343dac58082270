"""The seed-000 monitoring table: families, children, and children per category."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q
from django.utils.translation import gettext as _

from qamqor.core.tabular import sheet_from_rows, workbook, xlsx_bytes
from qamqor.eligibility.models import Category, CategoryAssignment
from qamqor.registry.models import Pupil, School

# The API's keys, in the seed-000 table's column order (families, children, АӘК, прож.,
# иная, orphans, ЧС).
COLUMNS = ["asp", "below_subsistence", "other", "orphans", "emergency"]


def monitoring(school: School, day: dt.date) -> dict[str, int]:
    """Counts of the children studying at `school` whose category is confirmed and valid on `day`.

    A child with two categories counts once in `children` and once in each category column.
    """
    return monitoring_by_school([school.pk], day)[school.pk]


def monitoring_by_school(school_ids: Iterable[int], day: dt.date) -> dict[int, dict[str, int]]:
    """`monitoring` of each school, in one query whatever their number (a district's page)."""
    ids = list(school_ids)
    rows = (
        CategoryAssignment.objects.filter(
            school_id__in=ids,
            status=CategoryAssignment.Status.CONFIRMED,
            pupil__status=Pupil.Status.ACTIVE,
        )
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .values_list("school_id", "pupil_id", "pupil__family_id", "category")
        .distinct()
    )
    children: dict[int, set[int]] = {pk: set() for pk in ids}
    families: dict[int, set[int]] = {pk: set() for pk in ids}
    per_category = {pk: {c: set[int]() for c in COLUMNS} for pk in ids}
    for school_id, pupil_id, family_id, category in rows:
        children[school_id].add(pupil_id)
        # A child recorded without a family still stands for a family of their own.
        families[school_id].add(family_id if family_id is not None else -pupil_id)
        per_category[school_id][category].add(pupil_id)
    return {
        pk: {
            "families": len(families[pk]),
            "children": len(children[pk]),
            **{c: len(per_category[pk][c]) for c in COLUMNS},
        }
        for pk in ids
    }


def column_labels() -> list[tuple[str, str]]:
    short = {
        "families": _("Families"),
        "children": _("Children"),
        Category.ASP.value: _("АӘК"),
        Category.BELOW_SUBSISTENCE.value: _("Below subsistence"),
        Category.OTHER.value: _("Other"),
        Category.ORPHAN.value: _("Orphans"),
        Category.EMERGENCY.value: _("Emergency"),
    }
    return [(k, short[k]) for k in ["families", "children", *COLUMNS]]


def monitoring_xlsx(rows: list[tuple[School, dict[str, int]]], day: dt.date) -> bytes:
    wb = workbook()
    ws = wb.active
    ws.title = _("Monitoring")[:31]
    labels = column_labels()
    sheet_from_rows(
        ws,
        ([school.name, *[counts[key] for key, _label in labels]] for school, counts in rows),
        title=[
            _("Monitoring of children in need on %(date)s") % {"date": day.strftime("%d.%m.%Y")}
        ],
        header=[_("School"), *[label for _key, label in labels]],
        total=(
            [_("Total"), *[sum(c[key] for _s, c in rows) for key, _label in labels]]
            if len(rows) > 1
            else None
        ),
        widths=(48, *[14] * 7),
    )
    return xlsx_bytes(wb)
