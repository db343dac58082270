"""The demo generator: seed-000 totals, valid identifiers, coherent families, personas.

Plain pytest, no database: `pytest qamqor/sandbox/demo/tests -p no:django`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict

import pytest

from qamqor.core.ids import validate_bin, validate_iban_kz, validate_iin
from qamqor.core.workdays import WorkCalendar
from qamqor.sandbox.demo import names
from qamqor.sandbox.demo.generate import (
    DEMO_PASSWORD,
    DEMO_TODAY,
    SCHOOL_YEAR,
    SUBSISTENCE_MINIMUM,
    generate,
)
from qamqor.sandbox.demo.records import (
    CATEGORIES,
    GUARDIAN_RELATIONS,
    INCOME_SOURCES,
    MEMBER_RELATIONS,
    DemoData,
)


@pytest.fixture(scope="module")
def data() -> DemoData:
    return generate()


def pupils_of(data: DemoData, school: str):
    return [p for p in data.pupils if p.school_key == school]


def confirmed(data: DemoData, school: str):
    return [c for c in data.categories if c.school_key == school and c.status == "confirmed"]


# --- seed 000: the school ------------------------------------------------------------------


def test_seed_school_totals(data):
    grades = Counter(p.grade for p in pupils_of(data, "s1"))
    assert sum(grades.values()) == 4600
    assert sum(grades[g] for g in range(1, 5)) == 1967
    assert sum(grades[g] for g in range(5, 12)) == 2250
    assert grades[0] == 383
    assert data.schools[0].canteen_capacity == 1200


def test_seed_monitoring_table(data):
    assert data.monitoring("s1") == {
        "families": 57,
        "children": 113,
        "asp": 50,
        "below_subsistence": 5,
        "other": 45,
        "orphan": 13,
        "emergency": 0,
    }


def test_category_children_by_grade_band(data):
    pupils = {p.key: p for p in data.pupils}
    grades = [pupils[c.pupil_key].grade for c in confirmed(data, "s1")]
    assert sum(g >= 5 for g in grades) == 55  # the free lunches of grades 5-11
    assert sum(1 <= g <= 4 for g in grades) == 58  # seed 000: "1-4 -- 58 оқушы"


def test_one_category_per_child_and_family_shares_it(data):
    keys = [c.pupil_key for c in data.categories]
    assert len(keys) == len(set(keys))
    by_family = defaultdict(set)
    for c in data.categories:
        by_family[c.family_key].add((c.category, c.status))
    assert all(len(v) == 1 for v in by_family.values())
    # every pupil of a category family carries the category
    for fkey in by_family:
        family_pupils = {p.key for p in data.pupils if p.family_key == fkey}
        assert family_pupils == {c.pupil_key for c in data.categories if c.family_key == fkey}


def test_second_school(data):
    pupils = pupils_of(data, "s2")
    assert 280 <= len(pupils) <= 320
    assert {p.grade for p in pupils} == set(range(12))
    assert data.monitoring("s2")["children"] == 6


# --- classes and pupils ------------------------------------------------------------------


def test_classes(data):
    sizes = Counter(p.class_key for p in data.pupils)
    classes = {c.key: c for c in data.classes}
    assert set(sizes) == set(classes)
    for c in data.classes:
        assert c.letter in "АӘБВГҒДЕЖЗИКҚЛМНОӨПРСТУҰҮ"
        assert c.language in ("kk", "ru")
        assert c.shift in (1, 2)
        assert c.teacher_surname and c.teacher_name
        if c.school_key == "s1":
            assert 25 <= sizes[c.key] <= 30, c.label
            assert c.shift == (1 if c.grade in (0, 1, 5, 9, 10, 11) else 2)
    s1 = [c for c in data.classes if c.school_key == "s1"]
    assert 0.1 < sum(c.language == "ru" for c in s1) / len(s1) < 0.3  # mostly Kazakh
    assert len({(c.school_key, c.grade, c.letter) for c in data.classes}) == len(data.classes)
    for p in data.pupils:
        assert classes[p.class_key].grade == p.grade
        assert classes[p.class_key].school_key == p.school_key


def test_birth_dates_match_grades(data):
    # school year 2026-2027: grade 1 born Sep 2019 - Aug 2020, grade 0 a year later, ...
    for p in data.pupils:
        assert dt.date(2020 - p.grade, 9, 1) <= p.birth_date <= dt.date(2021 - p.grade, 8, 31)


def test_names_match_sex_and_language(data):
    classes = {c.key: c for c in data.classes}
    ru_names = set(names.RU_MALE_CHILD + names.RU_FEMALE_CHILD)
    by_lang = Counter()
    for p in data.pupils:
        first_names = names.ALL_MALE_NAMES if p.sex == "M" else names.ALL_FEMALE_NAMES
        assert p.name in first_names, p.full_name
        if p.sex == "F" and p.surname.endswith(("ов", "ев", "ин")):
            pytest.fail(f"masculine surname for a girl: {p.full_name}")
        if p.patronymic.endswith(("ұлы", "ович", "евич", "ич")):
            assert p.sex == "M", p.full_name
        else:
            assert p.sex == "F" and p.patronymic.endswith(("қызы", "на")), p.full_name
        by_lang[classes[p.class_key].language, p.name in ru_names] += 1
    assert by_lang["kk", True] == 0  # Kazakh classes: Kazakh names
    assert by_lang["ru", True] > by_lang["ru", False]  # Russian classes: mostly Russian names


def test_name_lists_are_big_enough():
    assert len(names.KK_MALE_ADULT + names.KK_MALE_CHILD) >= 80
    assert len(names.KK_FEMALE_ADULT + names.KK_FEMALE_CHILD) >= 80
    assert len(names.KK_SURNAMES) >= 80
    assert not names.ALL_MALE_NAMES & names.ALL_FEMALE_NAMES
    assert names.feminine_surname("Ахметов") == "Ахметова"
    assert names.feminine_surname("Вишневский") == "Вишневская"
    assert names.feminine_surname("Ким") == "Ким"
    assert names.kazakh_patronymic("Серік", "F") == "Серікқызы"
    assert names.russian_style_patronymic("Серік", "M") == "Серикович"
    assert names.russian_style_patronymic("Ерғали", "F") == "Ергалиевна"


# --- families ----------------------------------------------------------------------------


def test_families_are_coherent(data):
    pupils = defaultdict(list)
    for p in data.pupils:
        pupils[p.family_key].append(p)
    guardians = defaultdict(list)
    for g in data.guardians:
        guardians[g.family_key].append(g)
    members = defaultdict(list)
    for m in data.members:
        members[m.family_key].append(m)
    family_keys = {f.key for f in data.families}
    assert set(pupils) == family_keys  # every family has pupils, every pupil a family
    assert set(guardians) == family_keys
    assert set(members) <= family_keys
    assert any(m.relation == "child" for m in data.members)
    assert any(m.relation.startswith("grand") for m in data.members)
    for f in data.families:
        kids, gs = pupils[f.key], guardians[f.key]
        assert 1 <= len(kids) <= 4
        assert 1 <= len(gs) <= 2
        assert f.size == len(kids) + len(gs) + len(members[f.key])
        assert {p.school_key for p in kids} == {f.school_key}
        assert f.phone == gs[0].phone
        assert f.address_kk and f.address_ru
        births = sorted(p.birth_date for p in kids + [m for m in members[f.key]
                                                       if m.relation == "child"])  # fmt: skip
        for a, b in zip(births, births[1:], strict=False):
            assert a == b or (b - a).days >= 300, f.key  # twins or siblings apart
        children = kids + [m for m in members[f.key] if m.relation == "child"]
        assert len({c.name for c in children}) == len(children)
        assert f.incomes and all(
            i.source in INCOME_SOURCES
            and isinstance(i.monthly_amount, int)
            and i.monthly_amount > 0
            for i in f.incomes
        )
    sizes = Counter(len(v) for v in pupils.values())
    assert all(sizes[n] > 0 for n in (1, 2, 3, 4))


def test_guardians(data):
    phone = re.compile(r"\+7 7\d\d \d{3} \d\d \d\d")
    for g in data.guardians:
        assert g.relation in GUARDIAN_RELATIONS
        assert dt.date(1970, 1, 1) <= g.birth_date <= dt.date(2000, 12, 31)
        assert phone.fullmatch(g.phone)
        assert g.iban[4:7] == g.bank_code
    for m in data.members:
        assert m.relation in MEMBER_RELATIONS
        if m.relation == "child":  # not at school yet: younger than the pre-school class
            assert dt.date(2021, 9, 1) <= m.birth_date <= DEMO_TODAY
        else:
            assert m.birth_date.year <= 1966
    assert len({g.phone for g in data.guardians}) == len(data.guardians)
    assert {g.bank_code for g in data.guardians} >= {"722", "601", "998"}


def test_identifiers_valid_and_unique(data):
    people = [*data.pupils, *data.guardians, *data.members]
    iins = [p.iin for p in people]
    assert len(iins) == len(set(iins))
    for p in people:
        result = validate_iin(p.iin)
        assert result.valid, p.iin
        assert result.birth_date == p.birth_date and result.sex == p.sex
    ibans = [g.iban for g in data.guardians] + [o.iban for o in data.organisations]
    assert len(ibans) == len(set(ibans))
    assert all(validate_iban_kz(i) is None for i in ibans)
    bins = [s.bin for s in data.schools] + [o.bin for o in data.organisations]
    assert len(bins) == len(set(bins))
    assert all(validate_bin(b) is None for b in bins)
    assert len({p.key for p in data.pupils}) == len(data.pupils)


# --- categories and incomes --------------------------------------------------------------


def test_category_incomes(data):
    families = {f.key: f for f in data.families}
    for c in data.categories:
        f = families[c.family_key]
        sources = {i.source for i in f.incomes}
        if c.category == "asp":
            assert "asp" in sources
        if c.category == "below_subsistence" and c.status != "refused":
            assert "asp" not in sources
            assert f.per_capita < SUBSISTENCE_MINIMUM[2025] < SUBSISTENCE_MINIMUM[2026]
        if c.status == "refused":
            assert f.per_capita >= SUBSISTENCE_MINIMUM[2026]
            assert c.refusal_reason_kk and c.refusal_reason_ru
    category_families = {c.family_key for c in data.categories}
    for f in data.families:
        if f.key not in category_families:
            assert f.per_capita >= SUBSISTENCE_MINIMUM[2026]  # no hidden eligible family


def test_large_families_have_four_children(data):
    large = {c.family_key for c in data.categories if c.basis_kk == "көпбалалы отбасы"}
    assert large
    for fkey in large:
        pupils = sum(p.family_key == fkey for p in data.pupils)
        others = sum(m.family_key == fkey and m.relation == "child" for m in data.members)
        assert pupils + others >= 4


def test_orphans_live_with_guardians(data):
    orphan_families = {c.family_key for c in data.categories if c.category == "orphan"}
    assert orphan_families
    for g in data.guardians:
        if g.family_key in orphan_families:
            assert g.relation in ("guardian", "trustee")
        else:
            assert g.relation not in ("guardian", "trustee")


def test_evidence(data):
    for c in confirmed(data, "s1") + confirmed(data, "s2"):
        assert c.evidence_kind and c.evidence_kk and c.evidence_ru and c.evidence_date
        assert c.decided_at and c.received_at < c.decided_at
        assert c.valid_from and c.valid_to == SCHOOL_YEAR[1]
        assert SCHOOL_YEAR[0] <= c.valid_from <= DEMO_TODAY
        assert c.received_at.tzinfo is not None
        kind = {
            "asp": "asp_certificate",
            "below_subsistence": "income_documents",
            "orphan": "guardianship_decision",
            "other": "board_decision",
        }[c.category]
        assert c.evidence_kind == kind
        if c.category == "asp":
            assert c.evidence_kk.startswith("АӘК анықтамасы № ")
        if c.category == "other":
            assert c.evidence_number and c.inspection_date and c.basis_kk
        if c.category != "below_subsistence":
            assert c.evidence_number
        if c.channel != "portal":  # paper is accepted in working hours only
            assert c.received_at.weekday() < 5 and 9 <= c.received_at.hour < 18


def test_pending_applications(data):
    # seed 001: reviewed within 15 working days; on DEMO_TODAY one is overdue, two are not.
    calendar = WorkCalendar()
    counted = {c.pupil_key for c in confirmed(data, "s1")}
    pending = [c for c in data.categories if c.status == "applied"]
    refused = [c for c in data.categories if c.status == "refused"]
    assert len(pending) == 3 and len(refused) == 1
    assert not counted & {c.pupil_key for c in pending + refused}
    overdue = [c for c in pending if calendar.due_date(c.received_at, 15)[1] < DEMO_TODAY]
    assert len(overdue) == 1
    assert all(c.decided_at is None and c.valid_from is None for c in pending)
    assert all(c.received_at.date() <= DEMO_TODAY for c in data.categories)
    assert {c.category for c in data.categories} <= set(CATEGORIES)


# --- personas ----------------------------------------------------------------------------


def test_personas(data):
    personas = {p.username: p for p in data.personas}
    assert set(personas) == {
        "pedagog", "director", "board", "teacher", "canteen", "parent", "district",
        "outsider", "admin",
    }  # fmt: skip
    assert DEMO_PASSWORD == "qamqor-demo"
    assert all(p.surname and p.name and p.patronymic for p in data.personas)
    assert personas["pedagog"].role == personas["outsider"].role == "pedagogue"
    assert personas["pedagog"].school_key == "s1" and personas["outsider"].school_key == "s2"
    assert personas["district"].district_key == data.district.key
    assert personas["admin"].is_superuser

    classes = {c.key: c for c in data.classes}
    teacher = personas["teacher"]
    cls = classes[teacher.class_key]
    assert cls.grade == 3 and cls.school_key == "s1"
    assert (teacher.surname, teacher.name) == (cls.teacher_surname, cls.teacher_name)
    pupils = {p.key: p for p in data.pupils}
    assert any(pupils[c.pupil_key].class_key == cls.key for c in confirmed(data, "s1"))

    parent = personas["parent"]
    guardian = next(g for g in data.guardians if g.key == parent.guardian_key)
    assert (parent.surname, parent.name) == (guardian.surname, guardian.name)
    grades = [
        pupils[c.pupil_key].grade
        for c in confirmed(data, "s1")
        if pupils[c.pupil_key].family_key == guardian.family_key
    ]
    assert any(1 <= g <= 4 for g in grades) and any(g >= 5 for g in grades)

    canteen = personas["canteen"]
    org = next(o for o in data.organisations if o.key == canteen.organisation_key)
    assert "Социум пит" in org.name_kk and org.contract_number and "s1" in org.school_keys


# --- determinism and speed ---------------------------------------------------------------


def test_deterministic(data):
    assert generate() == data
    assert generate(7) != data
    assert generate(7).monitoring("s1") == data.monitoring("s1")  # any seed keeps the table
