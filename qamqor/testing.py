"""Shared test base: small factories and one persona per role (DESIGN.md rule 11).

`PersonaTestCase.setUpTestData` builds two schools in one district (plus a school in another
district), a class with pupils and a family, and these users:
pedagog, director, board, teacher, canteen, parent, district, admin (school A) and
outsider (pedagogue of school B).
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any, Literal

from django.test import TestCase
from django.utils import translation

from qamqor.accounts.models import Membership, Role, User
from qamqor.core import ids
from qamqor.registry.models import (
    District,
    Family,
    Guardian,
    Income,
    Pupil,
    Region,
    School,
    SchoolClass,
)

_serial = itertools.count(1)
PASSWORD = "correct-horse-battery"


_issued: set[str] = set()


def next_serial() -> int:
    return next(_serial)


def unique_iin(birth: dt.date, sex: Literal["M", "F"]) -> str:
    """A valid IIN not handed out before in this process (make_iin skips serials whose
    check digit is impossible, so two neighbouring serials can give the same number)."""
    while True:
        iin = ids.make_iin(birth, sex, next_serial() % 10000)
        if iin not in _issued:
            _issued.add(iin)
            return iin


def make_region(**kw: Any) -> Region:
    return Region.objects.create(
        name_kk=kw.get("name_kk", "Түркістан облысы"),
        name_ru=kw.get("name_ru", "Туркестанская область"),
    )


def make_district(region: Region | None = None, **kw: Any) -> District:
    return District.objects.create(
        region=region or make_region(),
        name_kk=kw.get("name_kk", "Сайрам ауданы"),
        name_ru=kw.get("name_ru", "Сайрамский район"),
    )


def make_school(district: District | None = None, **kw: Any) -> School:
    n = next_serial()
    return School.objects.create(
        district=district or make_district(),
        name_kk=kw.get("name_kk", f"№ {n} мектеп"),
        name_ru=kw.get("name_ru", f"Школа № {n}"),
        bin=kw.get("bin", ids.make_bin(2001, 1 + n % 12, n)),
    )


def make_class(school: School, grade: int = 5, letter: str = "А", **kw: Any) -> SchoolClass:
    return SchoolClass.objects.create(school=school, grade=grade, letter=letter, **kw)


def make_family(school: School, **kw: Any) -> Family:
    return Family.objects.create(school=school, address=kw.get("address", "Ақсу ауылы, 1"))


def make_pupil(
    school: School, school_class: SchoolClass | None = None, family: Family | None = None, **kw: Any
) -> Pupil:
    sex = kw.pop("sex", "F")
    birth = kw.pop("birth_date", dt.date(2014, 3, 15))
    iin = kw.pop("iin", None) or unique_iin(birth, sex)
    return Pupil.objects.create(
        school=school,
        school_class=school_class,
        family=family,
        iin=iin,
        birth_date=birth,
        sex=sex,
        surname=kw.pop("surname", "Ахметова"),
        name=kw.pop("name", "Аружан"),
        patronymic=kw.pop("patronymic", "Серікқызы"),
        **kw,
    )


def make_guardian(family: Family, user: User | None = None, **kw: Any) -> Guardian:
    birth = kw.pop("birth_date", dt.date(1985, 6, 1))
    sex = kw.pop("sex", "F")
    return Guardian.objects.create(
        family=family,
        user=user,
        iin=kw.pop("iin", None) or unique_iin(birth, sex),
        surname=kw.pop("surname", "Ахметова"),
        name=kw.pop("name", "Гүлнар"),
        relation=kw.pop("relation", Guardian.Relation.MOTHER),
        phone=kw.pop("phone", "+77011234567"),
        iban=kw.pop("iban", ids.make_iban_kz("722", f"{next_serial():013d}")),
        **kw,
    )


def make_user(
    username: str,
    role: str | None = None,
    school: School | None = None,
    district: District | None = None,
    **kw: Any,
) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, full_name=kw.pop("full_name", username.title()), **kw
    )
    if role:
        Membership.objects.create(user=user, role=role, school=school, district=district)
    return user


class PersonaTestCase(TestCase):
    """One persona per role over two schools of one district and a third school elsewhere."""

    region: Region
    district: District
    school: School
    other_school: School
    far_school: School
    pedagog: User
    director: User
    board: User
    teacher: User
    canteen: User
    parent: User
    district_officer: User
    admin: User
    outsider: User
    nobody: User
    klass: SchoolClass
    other_class: SchoolClass
    family: Family
    guardian: Guardian
    pupil: Pupil
    sibling: Pupil
    stranger: Pupil
    other_pupil: Pupil

    @classmethod
    def setUpTestData(cls) -> None:
        cls.region = make_region()
        cls.district = make_district(cls.region)
        cls.school = make_school(cls.district, name_kk="№ 12 мектеп", name_ru="Школа № 12")
        cls.other_school = make_school(cls.district, name_kk="№ 7 мектеп", name_ru="Школа № 7")
        cls.far_school = make_school(make_district(cls.region, name_kk="Басқа", name_ru="Другой"))

        cls.pedagog = make_user("pedagog", Role.PEDAGOGUE, cls.school)
        cls.director = make_user("director", Role.PRINCIPAL, cls.school)
        cls.board = make_user("board", Role.BOARD, cls.school)
        cls.teacher = make_user("teacher", Role.TEACHER, cls.school)
        cls.canteen = make_user("canteen", Role.CANTEEN, cls.school)
        cls.parent = make_user("parent", Role.PARENT, cls.school)
        cls.district_officer = make_user("district", Role.DISTRICT, district=cls.district)
        cls.admin = make_user("admin", Role.ADMIN, cls.school)
        cls.outsider = make_user("outsider", Role.PEDAGOGUE, cls.other_school)
        cls.nobody = make_user("nobody")

        cls.klass = make_class(cls.school, 3, "А", class_teacher=cls.teacher)
        cls.other_class = make_class(cls.school, 7, "Б")
        cls.family = make_family(cls.school)
        cls.guardian = make_guardian(cls.family, user=cls.parent)
        Income.objects.create(family=cls.family, source=Income.Source.SALARY, monthly_amount=90000)
        cls.pupil = make_pupil(cls.school, cls.klass, cls.family)
        cls.sibling = make_pupil(
            cls.school,
            cls.other_class,
            cls.family,
            name="Нұрлан",
            sex="M",
            birth_date=dt.date(2012, 9, 1),
        )
        cls.stranger = make_pupil(
            cls.school,
            cls.other_class,
            make_family(cls.school),
            surname="Иванов",
            name="Иван",
            patronymic="Петрович",
            sex="M",
        )
        cls.other_pupil = make_pupil(
            cls.other_school,
            make_class(cls.other_school, 5, "А"),
            make_family(cls.other_school),
            surname="Сейтқали",
        )

    PERSONAS = (
        "pedagog",
        "director",
        "board",
        "teacher",
        "canteen",
        "parent",
        "district_officer",
        "admin",
        "outsider",
        "nobody",
    )

    def setUp(self) -> None:
        super().setUp()
        # Assertions read the English source strings unless a test asks for kk or ru (by
        # the Accept-Language header or the language cookie).
        self.client.defaults.setdefault("HTTP_ACCEPT_LANGUAGE", "en")
        translation.activate("en")
        self.addCleanup(translation.deactivate)

    def login(self, user: User) -> None:
        self.client.force_login(user)
