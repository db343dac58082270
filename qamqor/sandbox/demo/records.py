"""The records of the demo data: frozen dataclasses that refer to each other by string keys.

Field names follow the registry models (surname/name/patronymic, relation, monthly_amount, ...)
so that a loader only copies. Made by `qamqor.sandbox.demo.generate.generate`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

CATEGORIES = ("asp", "below_subsistence", "orphan", "emergency", "other")
STATUSES = ("applied", "confirmed", "refused")
GUARDIAN_RELATIONS = ("mother", "father", "guardian", "trustee", "grandparent", "other")
MEMBER_RELATIONS = {  # FamilyMember.relation codes -> (kk, ru)
    "child": ("бала", "ребёнок"),
    "grandmother": ("әжесі", "бабушка"),
    "grandfather": ("атасы", "дедушка"),
}
INCOME_SOURCES = ("salary", "business", "pension", "allowance", "alimony", "asp", "other")


class _Named:
    surname: str
    name: str
    patronymic: str

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.name, self.patronymic) if p)


@dataclass(frozen=True)
class Region:
    key: str
    name_kk: str
    name_ru: str


@dataclass(frozen=True)
class District:
    key: str
    region_key: str
    name_kk: str
    name_ru: str


@dataclass(frozen=True)
class School:
    key: str
    district_key: str
    name_kk: str
    name_ru: str
    bin: str
    address_kk: str
    address_ru: str
    canteen_capacity: int


@dataclass(frozen=True)
class Organisation:
    """A canteen operator renting a school canteen."""

    key: str
    name_kk: str
    name_ru: str
    bin: str
    iban: str
    address_kk: str
    address_ru: str
    school_keys: tuple[str, ...]
    contract_number: str
    contract_date: dt.date


@dataclass(frozen=True)
class SchoolClass:
    key: str
    school_key: str
    grade: int
    letter: str
    shift: int
    language: str  # "kk" | "ru"
    teacher_surname: str
    teacher_name: str
    teacher_patronymic: str

    @property
    def label(self) -> str:
        return f"{self.grade}{self.letter}"


@dataclass(frozen=True)
class Pupil(_Named):
    key: str
    school_key: str
    class_key: str
    family_key: str
    grade: int
    iin: str
    surname: str
    name: str
    patronymic: str
    sex: str  # "M" | "F"
    birth_date: dt.date


@dataclass(frozen=True)
class _Relative(_Named):
    """A person of a pupil's household: a guardian or another member."""

    key: str
    family_key: str
    relation: str  # Guardian: one of GUARDIAN_RELATIONS; FamilyMember: a key of MEMBER_RELATIONS
    iin: str
    surname: str
    name: str
    patronymic: str
    sex: str
    birth_date: dt.date


@dataclass(frozen=True)
class Guardian(_Relative):
    phone: str
    bank_code: str
    iban: str


@dataclass(frozen=True)
class FamilyMember(_Relative):
    """A household member who is neither a pupil nor a guardian (infants, grandparents)."""


@dataclass(frozen=True)
class Income:
    source: str  # one of INCOME_SOURCES
    monthly_amount: int  # whole tenge
    earner: str  # full name, "" if not one person's


@dataclass(frozen=True)
class Family:
    key: str
    school_key: str
    language: str
    address_kk: str
    address_ru: str
    phone: str  # the first guardian's
    size: int  # members: guardians + pupils + other members
    incomes: tuple[Income, ...]

    @property
    def total_income(self) -> int:
        return sum(i.monthly_amount for i in self.incomes)

    @property
    def per_capita(self) -> int:
        return self.total_income // self.size


@dataclass(frozen=True)
class Category:
    """One child's support category with its evidence (seed 001) and review state."""

    key: str
    school_key: str
    pupil_key: str
    family_key: str
    category: str  # one of CATEGORIES
    status: str  # one of STATUSES
    channel: str  # "portal" | "school" | "con"
    received_at: dt.datetime
    decided_at: dt.datetime | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    # asp_certificate | income_documents | guardianship_decision | board_decision
    evidence_kind: str
    evidence_number: str
    evidence_date: dt.date | None
    evidence_issuer_kk: str
    evidence_issuer_ru: str
    evidence_kk: str
    evidence_ru: str
    basis_kk: str = ""  # "other": why the board granted it
    basis_ru: str = ""
    inspection_date: dt.date | None = None  # "other"/"emergency": the home inspection
    refusal_reason_kk: str = ""
    refusal_reason_ru: str = ""


@dataclass(frozen=True)
class Persona(_Named):
    username: str
    role: str  # accounts.Role value
    surname: str
    name: str
    patronymic: str
    school_key: str | None = None
    district_key: str | None = None
    class_key: str | None = None
    guardian_key: str | None = None
    organisation_key: str | None = None
    is_superuser: bool = False


@dataclass(frozen=True)
class DemoData:
    today: dt.date
    region: Region
    district: District
    schools: tuple[School, ...]
    organisations: tuple[Organisation, ...]
    classes: tuple[SchoolClass, ...]
    families: tuple[Family, ...]
    guardians: tuple[Guardian, ...]
    members: tuple[FamilyMember, ...]
    pupils: tuple[Pupil, ...]
    categories: tuple[Category, ...]
    personas: tuple[Persona, ...]

    def monitoring(self, school_key: str) -> dict[str, int]:
        """The seed-000 monitoring row of a school: confirmed categories only."""
        rows = [c for c in self.categories if c.school_key == school_key]
        rows = [c for c in rows if c.status == "confirmed"]
        out = {"families": len({c.family_key for c in rows}), "children": len(rows)}
        return out | {cat: sum(c.category == cat for c in rows) for cat in CATEGORIES}
