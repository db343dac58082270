"""The whole file against the registry: every check across rows and the set of writes.

`build_plan` reads the registry with a fixed number of queries whatever the file's size
(classes of the school, pupils by IIN, the families concerned, their guardians, incomes and
members) and works out what to create and change. Building it writes nothing: the preview
shows its counts, and `services.apply_import` builds it again inside the transaction and
calls `plan.writes.apply`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db.models import Model, Q

from qamqor.registry.models import (
    Family,
    FamilyMember,
    Guardian,
    Income,
    Pupil,
    School,
    SchoolClass,
)

from .columns import ID_KEY_PREFIX
from .validation import RowData, error, validate_row

# How many changes of each kind the preview lists (pupils first: they are what is checked).
PREVIEW_LIMIT = {"pupil": 50, "family": 15, "guardian": 15, "class": 15}
BATCH = 500  # rows per INSERT / UPDATE of the writes
IN_CHUNK = 5000  # ids per IN (...) list; far below SQLite's and PostgreSQL's limits
# Household members the file counts but does not name: stand-ins the import adds and removes.
PLACEHOLDER_NAME = "(НОБД)"

# Latin capitals that look like Cyrillic ones: a class "5A" typed in Latin is the class "5А".
_HOMOGLYPHS = str.maketrans("ABCEHKMOPTX", "АВСЕНКМОРТХ")


M = TypeVar("M", bound=Model)


def class_letter(letter: str) -> str:
    return letter.strip().upper().translate(_HOMOGLYPHS)


@dataclass
class Rows(Generic[M]):
    """The rows of one model the import creates, and those it changes with their fields."""

    model: type[M]
    new: list[M] = field(default_factory=list)
    changed: dict[int, M] = field(default_factory=dict)
    fields: set[str] = field(default_factory=set)

    def change(self, row: M, fields: Iterable[str]) -> None:
        self.changed[row.pk] = row
        self.fields.update(fields)

    def write(self, stamp: dt.datetime) -> None:
        self.model._default_manager.bulk_create(self.new, batch_size=BATCH)
        if not self.changed:
            return
        rows, fields = list(self.changed.values()), sorted(self.fields)
        # bulk_update skips auto_now: a row that keeps when it changed is stamped here.
        if any(f.name == "updated_at" for f in self.model._meta.concrete_fields):
            for row in rows:
                row.updated_at = stamp  # type: ignore[attr-defined]  # checked just above
            fields.append("updated_at")
        self.model._default_manager.bulk_update(rows, fields, batch_size=BATCH)


@dataclass
class Writes:
    classes: Rows[SchoolClass] = field(default_factory=lambda: Rows(SchoolClass))
    families: Rows[Family] = field(default_factory=lambda: Rows(Family))
    pupils: Rows[Pupil] = field(default_factory=lambda: Rows(Pupil))
    guardians: Rows[Guardian] = field(default_factory=lambda: Rows(Guardian))
    drop_income_ids: list[int] = field(default_factory=list)
    new_incomes: list[Income] = field(default_factory=list)
    new_members: list[FamilyMember] = field(default_factory=list)
    drop_member_ids: list[int] = field(default_factory=list)

    def apply(self, stamp: dt.datetime) -> None:
        """Write it all (`services.apply_import` calls this inside its transaction)."""
        for rows in (self.classes, self.families, self.pupils, self.guardians):
            rows.write(stamp)
        if self.drop_income_ids:
            Income.objects.filter(pk__in=self.drop_income_ids).delete()
        Income.objects.bulk_create(self.new_incomes, batch_size=BATCH)
        FamilyMember.objects.bulk_create(self.new_members, batch_size=BATCH)
        if self.drop_member_ids:
            FamilyMember.objects.filter(pk__in=self.drop_member_ids).delete()


@dataclass
class Plan:
    errors: list[dict]
    counts: Counter = field(default_factory=Counter)
    changes: list[dict] = field(default_factory=list)
    writes: Writes = field(default_factory=Writes)

    def note(self, row: int, kind: str, action: str, label: str, fields: Iterable[str] = ()):
        shown = self.counts[f"_shown_{kind}"]
        if shown < PREVIEW_LIMIT[kind]:
            self.counts[f"_shown_{kind}"] += 1
            self.changes.append(
                {"row": row, "kind": kind, "action": action, "label": label,
                 "fields": sorted(fields)}
            )  # fmt: skip

    def finish(self) -> None:
        """Order the preview (pupils, families, guardians, classes; by row) and drop tallies."""
        order = {"pupil": 0, "family": 1, "guardian": 2, "class": 3}
        self.changes.sort(key=lambda c: (order[c["kind"]], c["row"], c["label"]))
        for key in [k for k in self.counts if k.startswith("_")]:
            del self.counts[key]


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]


def _set(obj: Any, values: dict[str, Any]) -> list[str]:
    """Set the stated (non-blank) values that differ; return the changed field names."""
    changed = []
    for name, value in values.items():
        if value in ("", None):
            continue  # a blank cell never erases data (see columns.py)
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


class _Family:
    """One family key's values gathered over its rows, with conflicts reported."""

    def __init__(self, key: str, first_row: int):
        self.key = key
        self.rows: list[RowData] = []
        self.first: dict[str, tuple[int, Any]] = {}  # column -> (row, value) first stated
        self.guardians: dict[str, dict[str, Any]] = {}
        self.guardian_first: dict[tuple[str, str], int] = {}
        self.first_row = first_row

    def state(self, row: int, column: str, value: Any, errors: list[dict]) -> None:
        if value in ("", None):
            return
        seen = self.first.get(column)
        if seen is None:
            self.first[column] = (row, value)
        elif seen[1] != value:
            errors.append(error(row, column, "family_conflict", first_row=seen[0]))

    def value(self, column: str) -> Any:
        seen = self.first.get(column)
        return seen[1] if seen else None


def _gather_families(rows: list[RowData], errors: list[dict]) -> dict[str, _Family]:
    families: dict[str, _Family] = {}
    for d in rows:
        if not d.family_key:
            continue
        fam = families.setdefault(d.family_key, _Family(d.family_key, d.row))
        fam.rows.append(d)
        fam.state(d.row, "family_address", d.address, errors)
        fam.state(d.row, "family_phone", d.phone, errors)
        fam.state(d.row, "other_members", d.other_members, errors)
        if d.incomes is not None:
            seen = fam.first.get("incomes")
            if seen is None:
                fam.first["incomes"] = (d.row, d.incomes)
            else:
                for source in d.incomes:
                    if seen[1].get(source) != d.incomes[source]:
                        errors.append(error(d.row, f"income_{source}", "family_conflict",
                                            first_row=seen[0]))  # fmt: skip
                        break
        for g in d.guardians:
            if not g.iin:
                continue
            values = fam.guardians.setdefault(g.iin, {})
            for name in ("surname", "name", "patronymic", "relation", "phone", "iban"):
                value = getattr(g, name)
                if not value:
                    continue
                first = fam.guardian_first.setdefault((g.iin, name), d.row)
                if name not in values:
                    values[name] = value
                elif values[name] != value:
                    errors.append(error(d.row, f"guardian{g.slot}_{name}", "family_conflict",
                                        first_row=first))  # fmt: skip
    return families


def _gather_classes(rows: list[RowData], errors: list[dict]) -> dict[tuple[int, str], dict]:
    classes: dict[tuple[int, str], dict] = {}
    for d in rows:
        if d.grade is None or not d.letter:
            continue
        attrs = classes.setdefault((d.grade, class_letter(d.letter)), {"row": d.row})
        for name, value in (("shift", d.shift), ("language", d.language)):
            if value in ("", None):
                continue
            if name not in attrs:
                attrs[name] = (d.row, value)
            elif attrs[name][1] != value:
                errors.append(error(d.row, name, "class_conflict", first_row=attrs[name][0]))
    return classes


def build_plan(school: School, sheet_rows: Iterable[Sequence[Any]], today: dt.date) -> Plan:
    """Check `sheet_rows` ([(row number, {column: text})]) against `school`'s registry."""
    rows: list[RowData] = []
    errors: list[dict] = []
    for number, cells in sheet_rows:
        data, row_errors = validate_row(number, cells, today)
        rows.append(data)
        errors += row_errors

    first_row: dict[str, int] = {}
    for d in rows:
        if not d.iin:
            continue
        if d.iin in first_row:
            errors.append(error(d.row, "pupil_iin", "iin_duplicate_in_file",
                                first_row=first_row[d.iin]))  # fmt: skip
        else:
            first_row[d.iin] = d.row
    # A row already in error would only add noise ("differs from row 2") to its family.
    bad = {e["row"] for e in errors}
    families = _gather_families([d for d in rows if d.row not in bad], errors)
    classes = _gather_classes([d for d in rows if d.row not in bad], errors)

    pupils: dict[str, Pupil] = {}
    iins = list(first_row)
    for chunk in _chunks(iins):
        for known in Pupil.objects.filter(iin__in=chunk):
            pupils[known.iin] = known
    for d in rows:
        pupil = pupils.get(d.iin)
        if pupil is not None and pupil.school_id != school.pk:
            # Refuse, and do not say which school: that is the other school's business.
            errors.append(error(d.row, "pupil_iin", "iin_other_school"))

    id_keys: dict[str, int] = {}
    for key, fam in families.items():
        if key.startswith(ID_KEY_PREFIX):
            number = key[len(ID_KEY_PREFIX) :]
            if number.isdigit():
                id_keys[key] = int(number)
            else:
                errors.append(error(fam.first_row, "family_key", "family_key_unknown"))
    own_family_ids = {p.family_id for p in pupils.values()
                      if p.school_id == school.pk and p.family_id}  # fmt: skip
    plain_keys = [k for k in families if k not in id_keys and not k.startswith(ID_KEY_PREFIX)]
    found = Family.objects.filter(school=school).filter(
        Q(nobd_key__in=plain_keys) | Q(pk__in=set(id_keys.values()) | own_family_ids)
    )
    by_pk = {f.pk: f for f in found.order_by("pk")}
    for key, pk in id_keys.items():
        if pk not in by_pk:
            errors.append(error(families[key].first_row, "family_key", "family_key_unknown"))

    plan = Plan(errors=sorted(errors, key=lambda e: (e["row"], e["column"])))
    if plan.errors:
        return plan

    class_objs = _plan_classes(plan, school, classes)
    family_objs = _plan_families(plan, school, families, id_keys, by_pk, pupils)
    _plan_pupils(plan, school, rows, pupils, class_objs, family_objs)
    _plan_family_details(plan, families, family_objs)
    plan.counts["rows"] = len(rows)
    plan.finish()
    return plan


def _plan_classes(plan: Plan, school: School, classes: dict) -> dict[tuple[int, str], SchoolClass]:
    existing: dict[tuple[int, str], SchoolClass] = {}
    for stored in SchoolClass.objects.filter(school=school).order_by("pk"):
        existing.setdefault((stored.grade, class_letter(stored.letter)), stored)
    result = {}
    w = plan.writes
    for (grade, letter), attrs in classes.items():
        values = {name: attrs[name][1] for name in ("shift", "language") if name in attrs}
        cls = existing.get((grade, letter))
        if cls is None:
            cls = SchoolClass(school=school, grade=grade, letter=letter, **values)
            w.classes.new.append(cls)
            plan.counts["classes_new"] += 1
            plan.note(attrs["row"], "class", "new", f"{grade}{letter}")
        else:
            changed = _set(cls, values)
            if changed:
                w.classes.change(cls, changed)
                plan.counts["classes_updated"] += 1
                plan.note(attrs["row"], "class", "update", str(cls), changed)
        result[(grade, letter)] = cls
    return result


def _plan_families(
    plan: Plan,
    school: School,
    families: dict[str, _Family],
    id_keys: dict,
    by_pk: dict[int, Family],
    pupils: dict[str, Pupil],
) -> dict[str, Family]:
    w = plan.writes
    by_key: dict[str, Family] = {}
    for f in by_pk.values():
        if f.nobd_key:
            by_key.setdefault(f.nobd_key, f)
    claimed: set[int] = {f.pk for f in by_key.values()}
    result: dict[str, Family] = {}
    for key, fam in families.items():
        family = by_pk[id_keys[key]] if key in id_keys else by_key.get(key)
        changed: list[str] = []
        if family is None:
            # A family registered by hand before its first НОБД file: take it over when
            # exactly one unkeyed family of the file's pupils is the candidate.
            candidates = {pupils[d.iin].family_id for d in fam.rows if d.iin in pupils}
            candidates = {pk for pk in candidates
                          if pk in by_pk and not by_pk[pk].nobd_key and pk not in claimed}  # fmt: skip
            if len(candidates) == 1:
                family = by_pk[candidates.pop()]  # type: ignore[index]  # None is not in by_pk
                family.nobd_key = key
                changed.append("nobd_key")
        if family is None:
            family = Family(school=school, nobd_key=key, address=fam.value("family_address") or "",
                            phone=fam.value("family_phone") or "")  # fmt: skip
            w.families.new.append(family)
            plan.counts["families_new"] += 1
            plan.note(fam.first_row, "family", "new", key)
        else:
            claimed.add(family.pk)
            changed += _set(family, {"address": fam.value("family_address"),
                                     "phone": fam.value("family_phone")})  # fmt: skip
            if changed:
                w.families.change(family, changed)
                plan.counts["families_updated"] += 1
                plan.note(fam.first_row, "family", "update", key, changed)
        result[key] = family
    return result


def _plan_pupils(
    plan: Plan,
    school: School,
    rows: list[RowData],
    pupils: dict[str, Pupil],
    class_objs: dict,
    family_objs: dict[str, Family],
) -> None:
    w = plan.writes
    for d in rows:
        cls = class_objs.get((d.grade, class_letter(d.letter))) if d.grade is not None else None
        family = family_objs.get(d.family_key) if d.family_key else None
        pupil = pupils.get(d.iin)
        label = f"{d.surname} {d.name} · {d.iin}"
        if pupil is None:
            pupil = Pupil(school=school, iin=d.iin, surname=d.surname, name=d.name,
                          patronymic=d.patronymic, birth_date=d.birth_date, sex=d.sex,
                          school_class=cls, family=family)  # fmt: skip
            w.pupils.new.append(pupil)
            plan.counts["pupils_new"] += 1
            plan.note(d.row, "pupil", "new", label)
            continue
        changed = _set(pupil, {"surname": d.surname, "name": d.name,
                               "patronymic": d.patronymic, "birth_date": d.birth_date,
                               "sex": d.sex})  # fmt: skip
        for name, target in (("school_class", cls), ("family", family)):
            if target is not None and (
                target.pk is None or getattr(pupil, f"{name}_id") != target.pk
            ):
                setattr(pupil, name, target)
                changed.append(name)
        if changed:
            w.pupils.change(pupil, changed)
            plan.counts["pupils_updated"] += 1
            plan.note(d.row, "pupil", "update", label, changed)
        else:
            plan.counts["pupils_unchanged"] += 1


def _plan_family_details(
    plan: Plan, families: dict[str, _Family], family_objs: dict[str, Family]
) -> None:
    """Guardians, incomes and household members of the file's families."""
    w = plan.writes
    known = [f.pk for f in family_objs.values() if f.pk is not None]
    guardians: dict[tuple[int, str], Guardian] = {}
    incomes: dict[int, list[Income]] = defaultdict(list)
    members: dict[int, list[FamilyMember]] = defaultdict(list)
    for chunk in _chunks(known):
        for g in Guardian.objects.filter(family_id__in=chunk).order_by("pk"):
            guardians.setdefault((g.family_id, g.iin), g)
        for income in Income.objects.filter(family_id__in=chunk).only(
            "id", "family_id", "source", "monthly_amount"
        ):
            incomes[income.family_id].append(income)
        for m in FamilyMember.objects.filter(family_id__in=chunk).only(
            "id", "family_id", "full_name", "iin"
        ):
            members[m.family_id].append(m)

    for key, fam in families.items():
        family = family_objs[key]
        for iin, values in fam.guardians.items():
            guardian = guardians.get((family.pk, iin)) if family.pk else None
            label = f"{values.get('surname', '')} {values.get('name', '')} · {iin}"
            if guardian is None:
                guardian = Guardian(family=family, iin=iin, **values)
                w.guardians.new.append(guardian)
                plan.counts["guardians_new"] += 1
                plan.note(fam.first_row, "guardian", "new", label)
                continue
            changed = _set(guardian, values)
            if changed:
                w.guardians.change(guardian, changed)
                plan.counts["guardians_updated"] += 1
                plan.note(fam.first_row, "guardian", "update", label, changed)

        stated = fam.value("incomes")
        if stated is not None:
            have = incomes.get(family.pk, []) if family.pk else []
            changed_sources = []
            for source, amount in stated.items():
                rows = [i for i in have if i.source == source]
                if sum(i.monthly_amount for i in rows) == amount:
                    continue
                changed_sources.append(f"income_{source}")
                w.drop_income_ids += [i.pk for i in rows]
                if amount:
                    w.new_incomes.append(Income(family=family, source=source,
                                                monthly_amount=amount))  # fmt: skip
            if changed_sources:
                plan.counts["incomes_changed"] += 1
                plan.note(fam.first_row, "family", "update", key, changed_sources)

        wanted = fam.value("other_members")
        if wanted is not None:
            have_members = members.get(family.pk, []) if family.pk else []
            placeholders = [m for m in have_members
                            if m.full_name == PLACEHOLDER_NAME and not m.iin]  # fmt: skip
            if wanted > len(have_members):
                add = wanted - len(have_members)
                w.new_members += [FamilyMember(family=family, full_name=PLACEHOLDER_NAME,
                                               relation="") for _ in range(add)]  # fmt: skip
                plan.counts["members_added"] += add
            elif wanted < len(have_members):
                # Only stand-ins go: a member the pedagogue named stays whatever the file says.
                drop = placeholders[: len(have_members) - wanted]
                w.drop_member_ids += [m.pk for m in drop]
                plan.counts["members_removed"] += len(drop)
