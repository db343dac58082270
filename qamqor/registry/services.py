"""Every write to the registry: pupils, families, guardians, members, incomes.

Each function owns its transaction and records the change in the audit trail (field names
only). Validation happens in the forms/schemas before; the services re-check the invariants
that must hold whatever the caller (IIN agreement) and raise `RegistryError` with a code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from qamqor.accounts.types import User
from qamqor.audit.services import record
from qamqor.core import ids
from qamqor.core.errors import ServiceError
from qamqor.core.validators import message_for

from .models import Family, FamilyMember, Guardian, Income, Pupil, School


class RegistryError(ServiceError):
    pass


M = TypeVar("M", bound=Model)


# The fields each service writes; the registry's forms show the same ones.
PUPIL_FIELDS = (
    "iin",
    "surname",
    "name",
    "patronymic",
    "birth_date",
    "sex",
    "school_class",
    "family",
    "status",
)
FAMILY_FIELDS = ("address", "phone", "notes")
GUARDIAN_FIELDS = (
    "iin",
    "surname",
    "name",
    "patronymic",
    "relation",
    "phone",
    "iban",
    "lives_with_family",
)
INCOME_FIELDS = ("source", "monthly_amount", "earner")
MEMBER_FIELDS = ("full_name", "relation", "birth_date", "iin")


def _apply(obj: Model, data: Mapping[str, Any], allowed: Iterable[str]) -> list[str]:
    changed = []
    for field in allowed:
        if field in data and getattr(obj, field) != data[field]:
            setattr(obj, field, data[field])
            changed.append(field)
    return changed


def _created(user: User, row: M, data: Mapping[str, Any], allowed: Iterable[str]) -> M:
    row.save()
    record(user, "create", row, fields=[f for f in allowed if f in data])
    return row


def _updated(user: User, row: M, changed: list[str]) -> M:
    if changed:
        row.save(update_fields=[*changed, "updated_at"])
        record(user, "update", row, fields=changed)
    return row


def _check_pupil(pupil: Pupil, *, iin_changed: bool) -> None:
    errors = pupil.iin_errors()
    if errors:
        code = errors[0]
        # A malformed IIN is "iin_invalid"; an IIN that disagrees with the birth date or
        # sex keeps its own code so the form can point at the right field.
        public = code if code.endswith("_mismatch") else "iin_invalid"
        raise RegistryError(public, message_for(code), "iin")
    if pupil.school_class and pupil.school_class.school_id != pupil.school_id:
        raise RegistryError(
            "class_other_school", _("The class belongs to another school."), "school_class"
        )
    if pupil.family and pupil.family.school_id != pupil.school_id:
        raise RegistryError(
            "family_other_school", _("The family belongs to another school."), "family"
        )
    try:
        pupil.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise RegistryError("invalid", " ".join(messages), field) from exc
    if iin_changed and Pupil.objects.filter(iin=pupil.iin).exclude(pk=pupil.pk).exists():
        raise RegistryError(
            "iin_duplicate", _("A pupil with this IIN is already registered."), "iin"
        )


@transaction.atomic
def create_pupil(user: User, school: School, data: Mapping[str, Any]) -> Pupil:
    pupil = Pupil(school=school)
    _apply(pupil, data, PUPIL_FIELDS)
    if not pupil.birth_date or not pupil.sex:
        # The IIN carries both; fill what the caller left out.
        result = ids.validate_iin(pupil.iin or "")
        if result.valid:
            pupil.birth_date = pupil.birth_date or result.birth_date  # type: ignore[assignment]  # a valid IIN has one
            pupil.sex = pupil.sex or result.sex or ""
    _check_pupil(pupil, iin_changed=True)
    return _created(user, pupil, data, PUPIL_FIELDS)


@transaction.atomic
def update_pupil(user: User, pupil: Pupil, data: Mapping[str, Any]) -> Pupil:
    changed = _apply(pupil, data, PUPIL_FIELDS)
    if changed:
        _check_pupil(pupil, iin_changed="iin" in changed)
    return _updated(user, pupil, changed)


@transaction.atomic
def create_family(user: User, school: School, data: Mapping[str, Any]) -> Family:
    family = Family(school=school)
    _apply(family, data, FAMILY_FIELDS)
    return _created(user, family, data, FAMILY_FIELDS)


@transaction.atomic
def update_family(user: User, family: Family, data: Mapping[str, Any]) -> Family:
    return _updated(user, family, _apply(family, data, FAMILY_FIELDS))


def _check_guardian(guardian: Guardian) -> None:
    result = ids.validate_iin(guardian.iin or "")
    if not result.valid:
        raise RegistryError("iin_invalid", message_for(result.error or "iin_checksum"), "iin")
    if guardian.iban:
        guardian.iban = ids.normalize_iban(guardian.iban)
        error = ids.validate_iban_kz(guardian.iban)
        if error:
            raise RegistryError("iban_invalid", message_for(error), "iban")


@transaction.atomic
def save_guardian(
    user: User, family: Family, data: Mapping[str, Any], guardian: Guardian | None = None
) -> Guardian:
    creating = guardian is None
    guardian = guardian or Guardian(family=family)
    changed = _apply(guardian, data, GUARDIAN_FIELDS)
    _check_guardian(guardian)
    if creating:
        guardian.save()
    elif changed:
        guardian.save(update_fields=changed)
    if creating or changed:
        record(
            user,
            "create" if creating else "update",
            guardian,
            fields=changed,
            school_id=family.school_id,
        )
    return guardian


@transaction.atomic
def _delete_from_family(user: User, row: Guardian | Income | FamilyMember) -> None:
    record(user, "delete", row, school_id=row.family.school_id)
    row.delete()


def delete_guardian(user: User, guardian: Guardian) -> None:
    _delete_from_family(user, guardian)


@transaction.atomic
def add_income(
    user: User, family: Family, source: str, monthly_amount: int, earner: str = ""
) -> Income:
    income = Income.objects.create(
        family=family, source=source, monthly_amount=monthly_amount, earner=earner
    )
    record(
        user,
        "create",
        income,
        fields=INCOME_FIELDS,
        school_id=family.school_id,
    )
    return income


def delete_income(user: User, income: Income) -> None:
    _delete_from_family(user, income)


@transaction.atomic
def add_family_member(user: User, family: Family, data: Mapping[str, Any]) -> FamilyMember:
    member = FamilyMember(family=family)
    _apply(member, data, MEMBER_FIELDS)
    if member.iin:
        result = ids.validate_iin(member.iin)
        if not result.valid:
            raise RegistryError("iin_invalid", message_for(result.error or ""), "iin")
    member.save()
    record(user, "create", member, fields=list(data), school_id=family.school_id)
    return member


def delete_family_member(user: User, member: FamilyMember) -> None:
    _delete_from_family(user, member)


__all__ = [
    "RegistryError",
    "create_pupil",
    "update_pupil",
    "create_family",
    "update_family",
    "save_guardian",
    "delete_guardian",
    "add_income",
    "delete_income",
    "add_family_member",
    "delete_family_member",
]
