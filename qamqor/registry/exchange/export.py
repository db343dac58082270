"""The registry of a school as an XLSX in the import format, and the error report as XLSX.

The export writes exactly what the import reads (same columns, coded values spelled for the
reader's language, IINs as text so Excel keeps their leading zeros), so exporting and
importing the file back changes nothing. Only pupils who study at the school now are listed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.db.models import Count, Sum
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from qamqor.accounts.types import User
from qamqor.audit.services import record_many
from qamqor.core.tabular import XLSX_TYPE, write_xlsx
from qamqor.registry.models import FamilyMember, Guardian, Income, Pupil, School

from .columns import (
    COLUMNS,
    GUARDIAN_FIELDS,
    GUARDIAN_SLOTS,
    ID_KEY_PREFIX,
    INCOME_SOURCES,
    LANGUAGE_VALUES,
    RELATION_VALUES,
    SEX_VALUES,
    spell,
)
from .validation import column_label, message

__all__ = ["XLSX_TYPE", "error_report", "export_registry", "header", "registry_rows", "write_xlsx"]


def header(lang: str) -> list[str]:
    return [c.header(lang) for c in COLUMNS]


def registry_rows(school: School, lang: str) -> Iterator[list[Any]]:
    """One row per studying pupil, in COLUMNS order; four queries whatever the size."""
    guardians: dict[int, list[Guardian]] = defaultdict(list)
    for g in Guardian.objects.filter(family__school=school).order_by("family_id", "pk"):
        guardians[g.family_id].append(g)
    incomes: dict[int, dict[str, int]] = defaultdict(dict)
    for item in (
        Income.objects.filter(family__school=school)
        .values("family_id", "source")
        .annotate(total=Sum("monthly_amount"))
    ):
        incomes[item["family_id"]][item["source"]] = item["total"]
    members = dict(
        FamilyMember.objects.filter(family__school=school)
        .values("family_id")
        .annotate(n=Count("id"))
        .values_list("family_id", "n")
    )
    pupils = (
        Pupil.objects.filter(school=school, status=Pupil.Status.ACTIVE)
        .select_related("school_class", "family")
        .order_by("school_class__grade", "school_class__letter", "surname", "name", "pk")
    )
    for p in pupils.iterator(chunk_size=1000):
        cls, family = p.school_class, p.family
        values: dict[str, Any] = {
            "pupil_iin": p.iin,
            "surname": p.surname,
            "name": p.name,
            "patronymic": p.patronymic,
            "birth_date": p.birth_date,
            "sex": spell(SEX_VALUES, p.sex, lang),
            "grade": cls.grade if cls else None,
            "letter": cls.letter if cls else "",
            "shift": cls.shift if cls else None,
            "language": spell(LANGUAGE_VALUES, cls.language, lang) if cls else "",
        }
        if family is not None:
            values["family_key"] = family.nobd_key or f"{ID_KEY_PREFIX}{family.pk}"
            values["family_address"] = family.address
            values["family_phone"] = family.phone
            for slot, g in zip(GUARDIAN_SLOTS, guardians.get(family.pk, []), strict=False):
                for name in GUARDIAN_FIELDS:
                    value = getattr(g, name)
                    if name == "relation":
                        value = spell(RELATION_VALUES, value, lang)
                    values[f"guardian{slot}_{name}"] = value
            for source in INCOME_SOURCES:
                values[f"income_{source}"] = incomes[family.pk].get(source) or None
            values["other_members"] = members.get(family.pk, 0)
        yield [values.get(c.key) for c in COLUMNS]


def export_registry(user: User, school: School, lang: str | None = None) -> bytes:
    """The school's registry as XLSX; recorded in the audit trail as one "export"."""
    lang = (lang or get_language() or "kk")[:2]
    rows = list(registry_rows(school, lang))
    data = write_xlsx(header(lang), rows, title="НОБД")
    record_many(user, "export", "registry.pupil", school.pk, len(rows),
                label=f"НОБД XLSX: {len(rows)}")  # fmt: skip
    return data


def error_report(errors: list[dict], columns: dict[str, str]) -> bytes:
    """The row-by-row errors of a job as XLSX, worded in the active language."""
    lang = (get_language() or "kk")[:2]
    rows = (
        [e["row"] or "", column_label(e["column"], columns, lang) if e["column"] else "",
         e["code"], message(e)]
        for e in errors
    )  # fmt: skip
    return write_xlsx([_("Row"), _("Column"), _("Code"), _("Message")], rows,
                      title=_("Errors"))  # fmt: skip
