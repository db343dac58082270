"""A deterministic demo of the seed school (seed 000) and a smaller second school.

Pure Python, no Django: `generate(seed)` returns the frozen dataclasses of `records.py`
(re-exported here), which refer to each other by string keys; a loader maps them onto models.

What is fixed by the seeds and the brief, and checked by `tests/test_generate.py`:
- seed 000: 4,600 pupils -- grades 1-4: 1,967; grades 5-11: 2,250; pre-school class (grade 0)
  383; canteen capacity 1,200; canteen operator «Социум пит» ЖШС.
- seed 000 monitoring table: 57 families, 113 children: АӘК 50, below subsistence 5, other 45,
  orphans 13, emergency 0 -- all confirmed; 55 of them in grades 5-11 (the free lunches) and
  58 in grades 1-4 (the "1-4 -- 58 оқушы" note of the same table).
- seed 001: categories are reviewed within 15 working days: of three pending applications
  one is overdue on DEMO_TODAY, two are not; one more application was refused.
Everything else (names, dates, incomes, addresses) is plausible, not real.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import TypeVar
from zoneinfo import ZoneInfo

from qamqor.core.ids import make_bin, make_iban_kz, make_iin
from qamqor.sandbox.demo import names as nm
from qamqor.sandbox.demo.records import (
    Category,
    DemoData,
    District,
    Family,
    FamilyMember,
    Guardian,
    Income,
    Organisation,
    Persona,
    Pupil,
    Region,
    School,
    SchoolClass,
)

T = TypeVar("T")

DEMO_PASSWORD = "qamqor-demo"
DEMO_TODAY = dt.date(2026, 11, 21)
TZ = ZoneInfo("Asia/Almaty")
SCHOOL_YEAR = (dt.date(2026, 9, 1), dt.date(2027, 5, 31))
# Republican budget law (DOMAIN.md): the subsistence minimum, ₸ a month per person.
SUBSISTENCE_MINIMUM = {2024: 43_407, 2025: 46_228, 2026: 50_851}
KAZAKH_LETTERS = "АӘБВГҒДЕЖЗИКҚЛМНОӨПРСТУҰҮ"

SCHOOL1_GRADES = {0: 383, 1: 510, 2: 495, 3: 487, 4: 475, 5: 360, 6: 345}
SCHOOL1_GRADES |= {7: 335, 8: 330, 9: 320, 10: 290, 11: 270}
SCHOOL2_GRADES = {0: 22, 1: 27, 2: 26, 3: 26, 4: 25, 5: 26, 6: 25}
SCHOOL2_GRADES |= {7: 25, 8: 25, 9: 25, 10: 24, 11: 24}
# Sanitary rules: grades 1, 5 and the graduating 9-11 study in the first shift; so does grade 0.
FIRST_SHIFT_GRADES = frozenset({0, 1, 5, 9, 10, 11})
# Children per category family. School 1 gives the seed-000 table: 22+2+9+24 = 57 families,
# 50+5+13+45 = 113 children. The first АӘК family is the "parent" persona's.
SCHOOL1_CATEGORY_FAMILIES = {
    "asp": (3,) * 8 + (2,) * 12 + (1,) * 2,
    "below_subsistence": (3, 2),
    "orphan": (2,) * 4 + (1,) * 5,
    "other": (3,) * 3 + (2,) * 15 + (1,) * 6,
}
SCHOOL2_CATEGORY_FAMILIES = {"asp": (2, 1), "orphan": (1,), "other": (2,)}
SCHOOL1_PRIMARY_CATEGORY_CHILDREN = 58  # grades 1-4; the other 55 are in grades 5-11
# The board of trustees' meetings that decided the "other" category: (minutes No., date).
BOARD_MEETINGS = ((1, dt.date(2026, 8, 21)), (2, dt.date(2026, 9, 11)), (3, dt.date(2026, 10, 16)))
OTHER_BASES = (  # why the board granted "other": (code, kk, ru)
    ("large_family", "көпбалалы отбасы", "многодетная семья"),
    ("disabled_child", "мүгедектігі бар бала тәрбиелейтін отбасы", "семья с ребёнком-инвалидом"),
    ("lost_breadwinner", "асыраушысынан айырылған отбасы", "семья, потерявшая кормильца"),
    ("disabled_parent", "ата-анасы мүгедек отбасы", "семья, где родитель — инвалид"),
)
EMPLOYMENT_DEPT = (
    "Сайрам ауданының жұмыспен қамту және әлеуметтік бағдарламалар бөлімі",
    "Отдел занятости и социальных программ Сайрамского района",
)
AKIMAT = ("Сайрам ауданының әкімдігі", "Акимат Сайрамского района")
BANKS = (("722", 50), ("601", 30), ("998", 8), ("826", 7), ("965", 5))  # Kaspi, Halyk, ...
MOBILE_CODES = ("700", "701", "702", "705", "707", "708", "747", "771", "775", "776", "777", "778")


def _at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def _weekday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _round(amount: float, step: int = 500) -> int:
    return max(step, int(amount) // step * step)


def _money(amount: int) -> str:
    return f"{amount:,} ₸".replace(",", "\u00a0")


def _fit(incomes: list[Income], budget: float) -> list[Income]:
    """Scale incomes down (never up) so that they sum to at most `budget`."""
    total = sum(i.monthly_amount for i in incomes)
    if total <= budget:
        return list(incomes)
    k = budget / total
    return [Income(i.source, _round(i.monthly_amount * k), i.earner) for i in incomes]


# Children's first names by (family's ethnicity, class language, sex): Kazakh names in a
# Russian class are spelled the Russian way.
_CHILD_NAMES = {
    ("ru", "ru", "M"): nm.RU_MALE_CHILD,
    ("ru", "ru", "F"): nm.RU_FEMALE_CHILD,
    ("kk", "kk", "M"): nm.KK_MALE_CHILD,
    ("kk", "kk", "F"): nm.KK_FEMALE_CHILD,
    ("kk", "ru", "M"): tuple(map(nm.to_russian_spelling, nm.KK_MALE_CHILD)),
    ("kk", "ru", "F"): tuple(map(nm.to_russian_spelling, nm.KK_FEMALE_CHILD)),
}


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.serials: dict[tuple[dt.date, str], int] = {}
        self.phones: set[str] = set()
        self.accounts: set[str] = set()
        self.classes: list[SchoolClass] = []
        self.seats: dict[str, int] = {}  # class key -> free places
        self.by_grade: dict[tuple[str, int, str], list[str]] = {}  # (school, grade, lang)
        self.families: list[Family] = []
        self.guardians: list[Guardian] = []
        self.members: list[FamilyMember] = []
        self.pupils: list[Pupil] = []
        self.categories: list[Category] = []
        self.bases: dict[str, tuple[str, str, str]] = {}  # family -> OTHER_BASES entry

    # --- identifiers --------------------------------------------------------------------

    def iin(self, born: dt.date, sex: str) -> str:
        # make_iin scans forward from the serial; continuing after the one it took keeps
        # every ИИН unique (per birth date and sex, hence globally).
        start = self.serials.get((born, sex))
        if start is None:
            start = self.rng.randrange(0, 5000)
        iin = make_iin(born, sex, start)  # type: ignore[arg-type]  # sex is "M" or "F"
        self.serials[(born, sex)] = int(iin[7:11]) + 1
        return iin

    def phone(self) -> str:
        while True:
            n = f"{self.rng.randrange(10**7):07d}"
            phone = f"+7 {self.rng.choice(MOBILE_CODES)} {n[:3]} {n[3:5]} {n[5:]}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def iban(self) -> tuple[str, str]:
        bank = self.rng.choices([b for b, _ in BANKS], [w for _, w in BANKS])[0]
        while True:
            digits = f"{self.rng.randrange(10**12):012d}"
            account = ("S" if bank == "722" else str(self.rng.randrange(10))) + digits
            if account not in self.accounts:
                self.accounts.add(account)
                return bank, make_iban_kz(bank, account)

    def pick(self, seq: Sequence[T]) -> T:
        return self.rng.choice(seq)

    def day_between(self, a: dt.date, b: dt.date) -> dt.date:
        return a + dt.timedelta(days=self.rng.randrange((b - a).days + 1))

    # --- schools and classes ------------------------------------------------------------

    def add_classes(self, school: str, grades: dict[int, int], one_shift: bool) -> None:
        for grade, count in grades.items():
            n = max(1, round(count / 27.5))
            n_ru = round(n * 0.2) if n >= 4 else 0
            for i in range(n):
                letter = KAZAKH_LETTERS[i]
                lang = "ru" if i >= n - n_ru else "kk"
                key = f"{school}-{grade}{letter}"
                shift = 1 if one_shift or grade in FIRST_SHIFT_GRADES else 2
                t = self.teacher(lang)
                self.classes.append(SchoolClass(key, school, grade, letter, shift, lang, *t))
                self.seats[key] = count // n + (i < count % n)
                self.by_grade.setdefault((school, grade, lang), []).append(key)

    def teacher(self, lang: str) -> tuple[str, str, str]:
        female = self.rng.random() < 0.85
        if lang == "ru" and self.rng.random() < 0.6:
            father = self.pick(nm.RU_MALE_ADULT)
            name = self.pick(nm.RU_FEMALE_ADULT if female else [n for n, _, _ in nm.RU_MALE_ADULT])
            surname = self.pick(nm.RU_SURNAMES)
            return self.gendered(surname, female), name, father[2 if female else 1]
        name = self.pick(nm.KK_FEMALE_ADULT if female else nm.KK_MALE_ADULT)
        patronymic = nm.kazakh_patronymic(self.pick(nm.KK_MALE_ADULT), "F" if female else "M")
        return self.gendered(self.pick(nm.KK_SURNAMES), female), name, patronymic

    @staticmethod
    def gendered(surname: str, female: bool) -> str:
        return nm.feminine_surname(surname) if female else surname

    def free(self, school: str, grade: int, lang: str) -> int:
        return sum(self.seats[k] for k in self.by_grade.get((school, grade, lang), ()))

    def place(self, school: str, grade: int, lang: str, prefer: str | None) -> str:
        if prefer is not None and self.seats.get(prefer, 0) > 0:
            key = prefer
        else:
            key = max(self.by_grade[(school, grade, lang)], key=lambda k: self.seats[k])
        if self.seats[key] <= 0:
            raise RuntimeError(f"no place left in grade {grade} ({lang}) of {school}")
        self.seats[key] -= 1
        return key

    # --- families -----------------------------------------------------------------------

    def add_family(self, school: str, lang: str, grades: list[int], kind: str) -> str:
        """Make a household around pupils of these grades; return the family key.

        kind: "normal", a category ("asp", "below_subsistence", "orphan", "other"), or an
        application's income profile ("applied_below", "refused").
        """
        rng = self.rng
        fkey = f"{school}-f{len(self.families) + 1:04d}"
        ethnic = "ru" if lang == "ru" and rng.random() < 0.65 else "kk"
        spell = nm.to_russian_spelling if lang == "ru" else (lambda s: s)
        russian_patronymic = lang == "ru" or rng.random() < 0.3

        def patronymic(father: str | tuple[str, str, str], sex: str) -> str:
            if isinstance(father, tuple):
                return father[1] if sex == "M" else father[2]
            if russian_patronymic:
                return nm.russian_style_patronymic(father, sex)
            return nm.kazakh_patronymic(father, sex)

        def adult_name(sex: str) -> str:
            if ethnic == "ru":
                if sex == "M":
                    return self.pick(nm.RU_MALE_ADULT)[0]
                return self.pick(nm.RU_FEMALE_ADULT)
            return spell(self.pick(nm.KK_MALE_ADULT if sex == "M" else nm.KK_FEMALE_ADULT))

        def a_father() -> str | tuple[str, str, str]:
            return self.pick(nm.RU_MALE_ADULT) if ethnic == "ru" else self.pick(nm.KK_MALE_ADULT)

        def a_surname() -> str:
            return self.pick(nm.RU_SURNAMES) if ethnic == "ru" else spell(self.pick(nm.KK_SURNAMES))

        surname = a_surname()
        father, grandpa = a_father(), a_father()  # grandpa: the father's father
        father_name = father[0] if isinstance(father, tuple) else spell(father)

        # Children, oldest first; siblings at least 300 days apart unless twins.
        kids = sorted(grades, reverse=True)
        births: list[dt.date] = []
        for grade in kids:
            start, end = dt.date(2020 - grade, 9, 1), dt.date(2021 - grade, 8, 31)
            if births and grade == kids[len(births) - 1]:
                births.append(births[-1])  # twins
                continue
            if births:
                start = max(start, births[-1] + dt.timedelta(days=300))
            births.append(self.day_between(start, end))
        first_names: set[str] = set()
        prefer: dict[int, str] = {}
        for grade, born in zip(kids, births, strict=True):
            sex = rng.choice("MF")
            name = self.pick([n for n in _CHILD_NAMES[ethnic, lang, sex] if n not in first_names])
            first_names.add(name)
            ckey = self.place(school, grade, lang, prefer.get(grade))
            prefer[grade] = ckey
            pupil = Pupil(f"{school}-p{len(self.pupils) + 1:05d}", school, ckey, fkey, grade,
                          self.iin(born, sex), self.gendered(surname, sex == "F"), name,
                          patronymic(father, sex), sex, born)  # fmt: skip
            self.pupils.append(pupil)
        oldest, youngest = births[0], births[-1]

        # Other household members: younger children not at school yet, grandparents.
        extra: list[tuple[str, str, str, str, str, dt.date]] = []
        want_infants = 1 if rng.random() < 0.3 else 0
        basis = OTHER_BASES[rng.randrange(len(OTHER_BASES))] if kind == "other" else None
        if basis is not None:
            self.bases[fkey] = basis
        if basis is not None and basis[0] == "large_family":
            want_infants = max(want_infants, 4 - len(kids))
        # Not at school yet: born after the pre-school class cut-off, 300-600 days apart.
        born = max(youngest + dt.timedelta(days=300), dt.date(2021, 9, 1))
        born += dt.timedelta(days=rng.randint(0, 300))
        for _ in range(want_infants if kind != "orphan" else 0):
            if born > dt.date(2026, 10, 1):
                break
            youngest, born = born, born + dt.timedelta(days=rng.randint(300, 600))
            sex = rng.choice("MF")
            name = self.pick([n for n in _CHILD_NAMES[ethnic, lang, sex] if n not in first_names])
            first_names.add(name)
            extra.append(("child", self.gendered(surname, sex == "F"), name,
                          patronymic(father, sex), sex, youngest))  # fmt: skip
        if rng.random() < 0.12:
            sex = rng.choice("MF")
            if sex == "M":
                name = grandpa[0] if isinstance(grandpa, tuple) else spell(grandpa)
            else:
                name = adult_name(sex)
            born = self.day_between(dt.date(1948, 1, 1), dt.date(1965, 12, 31))
            extra.append(("grandfather" if sex == "M" else "grandmother",
                          self.gendered(surname, sex == "F"), name,
                          patronymic(a_father(), sex), sex, born))  # fmt: skip

        # Guardians: born 1970-2000, mothers 19-45 at their children's births.
        hi = min(2000, oldest.year - 19)
        lo = max(1970, youngest.year - 45, oldest.year - 36)
        lo = min(lo, hi)
        mother_year = rng.randint(lo, hi)
        father_year = max(1970, min(2000, mother_year - rng.randint(0, 6)))
        gs: list[tuple[str, str, str, str, str, int]] = []  # relation, surname, name, patr, sex
        single = {"asp": 0.3, "below_subsistence": 0.4, "applied_below": 0.4}.get(kind, 0.12)
        if kind == "orphan":
            # Guardianship (опека) under 14, trusteeship (попечительство) from 14.
            relation = "trustee" if births[-1] <= dt.date(2012, 9, 1) else "guardian"
            g_surname = surname if rng.random() < 0.5 else a_surname()
            year = rng.randint(1970, 1980)
            gs.append((relation, nm.feminine_surname(g_surname), adult_name("F"),
                       patronymic(a_father(), "F"), "F", year))  # fmt: skip
            if rng.random() < 0.35:
                gs.append((relation, g_surname, adult_name("M"),
                           patronymic(a_father(), "M"), "M", max(1970, year - 3)))  # fmt: skip
        elif kind == "normal" and rng.random() < 0.02:  # parents away; a grandparent in charge
            gs.append(("grandparent", nm.feminine_surname(surname), adult_name("F"),
                       patronymic(a_father(), "F"), "F", rng.randint(1970, 1974)))  # fmt: skip
        else:
            m_surname = nm.feminine_surname(a_surname() if rng.random() < 0.3 else surname)
            gs.append(("mother", m_surname, adult_name("F"), patronymic(a_father(), "F"),
                       "F", mother_year))  # fmt: skip
            lone = rng.random() < single or (basis is not None and basis[0] == "lost_breadwinner")
            if not lone:
                gs.append(("father", surname, father_name, patronymic(grandpa, "M"),
                           "M", father_year))  # fmt: skip
        for relation, g_surname, name, patr, sex, year in gs:
            born = self.day_between(dt.date(year, 1, 1), dt.date(year, 12, 31))
            bank, iban = self.iban()
            guardian = Guardian(f"g{len(self.guardians) + 1:05d}", fkey, relation,
                                self.iin(born, sex), g_surname, name, patr, sex, born,
                                self.phone(), bank, iban)  # fmt: skip
            self.guardians.append(guardian)
        family_guardians = self.guardians[-len(gs) :]
        family_members = []
        for relation, m_surname, name, patr, sex, born in extra:
            member = FamilyMember(f"m{len(self.members) + 1:05d}", fkey, relation,
                                  self.iin(born, sex), m_surname, name, patr, sex,
                                  born)  # fmt: skip
            family_members.append(member)
        self.members += family_members
        size = len(gs) + len(kids) + len(extra)
        incomes = self.incomes(kind, size, family_guardians, family_members, len(kids), basis)
        village = VILLAGE_OF[school] if rng.random() < 0.85 else self.pick(nm.VILLAGES)
        street = self.pick(nm.STREETS)
        house = rng.randint(1, 180)
        address_kk = f"{village[0]} ауылы, {street[0]} көшесі, {house}"
        address_ru = f"с. {village[1]}, ул. {street[1]}, {house}"
        if village[0] == "Ақсукент" and rng.random() < 0.2:
            flat = rng.randint(1, 60)
            address_kk, address_ru = f"{address_kk}-үй, {flat}-пәтер", f"{address_ru}, кв. {flat}"
        family = Family(fkey, school, lang, address_kk, address_ru, family_guardians[0].phone,
                        size, tuple(incomes))  # fmt: skip
        self.families.append(family)
        return fkey

    def incomes(
        self,
        kind: str,
        size: int,
        guardians: list[Guardian],
        members: list[FamilyMember],
        n_kids: int,
        basis: tuple[str, str, str] | None,
    ) -> list[Income]:
        """Monthly incomes by source, whole tenge, shaped to the family's category."""
        rng = self.rng
        carer = guardians[0]
        head = guardians[-1]  # the father where there is one
        fixed: list[Income] = []
        infants = [m for m in members if m.relation == "child"]
        if infants and infants[-1].birth_date > dt.date(2025, 5, 1):  # childcare allowance
            fixed.append(Income("allowance", rng.randint(38, 72) * 1000, carer.full_name))
        for m in members:
            if m.relation != "child":
                fixed.append(Income("pension", rng.randint(92, 168) * 1000, m.full_name))
        code = basis[0] if basis else ""
        if code == "disabled_child":
            fixed.append(Income("allowance", rng.randint(60, 95) * 1000, carer.full_name))
        elif code == "disabled_parent":
            fixed.append(Income("pension", rng.randint(55, 90) * 1000, head.full_name))
        elif code == "lost_breadwinner":
            fixed.append(Income("pension", 38_740 * n_kids, carer.full_name))
        if kind == "orphan":
            return [
                Income("salary", rng.randint(110, 260) * 1000, carer.full_name),
                Income("allowance", 41_500 * n_kids, carer.full_name),  # guardianship allowance
                Income("pension", 38_740 * n_kids, carer.full_name),  # survivor's pension
            ]
        if kind == "normal" and carer.relation == "mother" and len(guardians) == 1:
            fixed.append(Income("alimony", rng.randint(35, 110) * 1000, carer.full_name))
        if kind == "normal" and rng.random() < 0.1:
            fixed.append(Income("business", rng.randint(120, 500) * 1000, head.full_name))
        if kind == "asp":
            # АӘК tops the income up to 70 % of the subsistence minimum per member.
            threshold = -(-7 * SUBSISTENCE_MINIMUM[2026] * size // 10)
            out = _fit(fixed, threshold * 0.6)
            room = int(threshold * rng.uniform(0.35, 0.8)) - sum(i.monthly_amount for i in out)
            if room > 20_000 and rng.random() < 0.7:
                out.append(Income("salary", _round(room), head.full_name))
            rest = threshold - sum(i.monthly_amount for i in out)
            return [*out, Income("asp", rest, carer.full_name)]
        per_capita = {"below_subsistence": (30_000, 44_500), "applied_below": (33_000, 44_000)}
        low, high = (per_capita | {"refused": (53_500, 60_000), "other": (47_000, 78_000)}).get(
            kind, (62_000, 140_000)
        )
        target = rng.randint(low, high) * size
        if kind == "normal":
            out = fixed
            rest = _round(max(target - sum(i.monthly_amount for i in out), 80_000))
        else:  # the total is exactly the target: the per-capita bounds are the point
            out = _fit(fixed, target * 0.6)
            rest = target - sum(i.monthly_amount for i in out)
        if len(guardians) == 2 and rest > 200_000 and rng.random() < 0.6:
            share = _round(rest * rng.uniform(0.25, 0.45))
            out.append(Income("salary", share, carer.full_name))
            rest -= share
        if kind in ("normal", "other"):
            out.append(Income("salary", rest, head.full_name))
        else:
            out.append(Income("salary", _round(rest * 0.8), head.full_name))
            out.append(Income("allowance", rest - _round(rest * 0.8), carer.full_name))
        return out

    # --- categories ---------------------------------------------------------------------

    def categorise(self, fkey: str, category: str, status: str, received: dt.datetime) -> None:
        rng = self.rng
        pupils = [p for p in self.pupils if p.family_key == fkey]
        channel = rng.choices(("portal", "school", "con"), (60, 25, 15))[0]
        if received.weekday() >= 5 or not 9 <= received.hour < 18:
            channel = "portal"  # only the portal accepts after hours
        kw: dict[str, object] = {}
        decided: dt.datetime | None = None
        if category == "asp":
            number = f"{rng.randint(1200, 4800)}"
            issued = received.date() - dt.timedelta(days=rng.randint(1, 20))
            kw |= {"evidence_kind": "asp_certificate", "evidence_number": number,
                   "evidence_date": issued, "evidence_issuer_kk": EMPLOYMENT_DEPT[0],
                   "evidence_issuer_ru": EMPLOYMENT_DEPT[1],
                   "evidence_kk": f"АӘК анықтамасы № {number}, {issued:%d.%m.%Y}",
                   "evidence_ru": f"Справка о назначении АСП № {number} "
                                  f"от {issued:%d.%m.%Y}"}  # fmt: skip
        elif category == "below_subsistence":
            kw |= {"evidence_kind": "income_documents", "evidence_number": "",
                   "evidence_date": received.date(), "evidence_issuer_kk": "",
                   "evidence_issuer_ru": "",
                   "evidence_kk": "Отбасы табысы туралы анықтамалар (жалақы, жәрдемақы), НОБД",
                   "evidence_ru": "Справки о доходах семьи (заработная плата, пособия), "
                                  "НОБД"}  # fmt: skip
        elif category == "orphan":
            number = f"{rng.randint(100, 999)}"
            issued = self.day_between(max(p.birth_date for p in pupils), dt.date(2026, 6, 30))
            kw |= {"evidence_kind": "guardianship_decision", "evidence_number": number,
                   "evidence_date": issued, "evidence_issuer_kk": AKIMAT[0],
                   "evidence_issuer_ru": AKIMAT[1],
                   "evidence_kk": f"Қорғаншылық (қамқоршылық) белгілеу туралы қаулы № {number}, "
                                  f"{issued:%d.%m.%Y}",
                   "evidence_ru": f"Постановление об установлении опеки (попечительства) "
                                  f"№ {number} от {issued:%d.%m.%Y}"}  # fmt: skip
        else:
            fam_basis = self.bases[fkey]
            kw |= {"evidence_kind": "board_decision",
                   "evidence_issuer_kk": "Мектептің қамқоршылық кеңесі",
                   "evidence_issuer_ru": "Попечительский совет школы",
                   "basis_kk": fam_basis[1], "basis_ru": fam_basis[2],
                   "evidence_number": "", "evidence_date": None, "evidence_kk": "",
                   "evidence_ru": ""}  # fmt: skip
            if status == "confirmed":
                minutes, meeting = next((n, d) for n, d in BOARD_MEETINGS if d > received.date())
                inspected = meeting - dt.timedelta(days=rng.randint(2, 6))
                decided = _at(meeting, 16, 30)
                kw |= {"evidence_number": str(minutes), "evidence_date": meeting,
                       "inspection_date": inspected,
                       "evidence_kk": f"Қамқоршылық кеңестің шешімі, хаттама № {minutes}, "
                                      f"{meeting:%d.%m.%Y}; тексеру актісі {inspected:%d.%m.%Y}",
                       "evidence_ru": f"Решение попечительского совета, протокол № {minutes} "
                                      f"от {meeting:%d.%m.%Y}; акт обследования "
                                      f"{inspected:%d.%m.%Y}"}  # fmt: skip
        if status != "applied" and decided is None:
            day = _weekday(received.date() + dt.timedelta(days=rng.randint(2, 12)))
            decided = _at(day, rng.randint(10, 17), rng.randrange(60))
        if status == "refused":
            pc = _money(next(f for f in self.families if f.key == fkey).per_capita)
            sm = _money(SUBSISTENCE_MINIMUM[2026])
            kw |= {"refusal_reason_kk": f"Жан басына шаққандағы табыс ({pc}) ең төменгі "
                                        f"күнкөріс деңгейінен ({sm}) жоғары",
                   "refusal_reason_ru": f"Среднедушевой доход ({pc}) выше прожиточного "
                                        f"минимума ({sm})"}  # fmt: skip
        confirmed = status == "confirmed"
        for p in pupils:
            valid_from = max(SCHOOL_YEAR[0], decided.date()) if confirmed and decided else None
            category_ = Category(f"c{len(self.categories) + 1:04d}", p.school_key, p.key, fkey,
                                 category, status, channel, received, decided, valid_from,
                                 SCHOOL_YEAR[1] if confirmed else None, **kw)  # type: ignore[arg-type]  # fmt: skip
            self.categories.append(category_)

    def received(self, first: dt.date, last: dt.date) -> dt.datetime:
        day = self.day_between(first, last)
        if self.rng.random() < 0.6:  # the portal accepts around the clock
            return _at(day, self.rng.randint(7, 23), self.rng.randrange(60))
        return _at(_weekday(day), self.rng.randint(9, 17), self.rng.randrange(60))

    def band_grades(self, bands: list[str]) -> list[int]:
        """Distinct grades of siblings: "P" grades 1-4, "S" grades 5-11, "" any of 1-11."""
        grades: list[int] = []
        for band in bands:
            span = range(1, 5) if band == "P" else range(5, 12) if band == "S" else range(1, 12)
            grades.append(self.pick([g for g in span if g not in grades]))
        return grades

    def fill(self, school: str, grades: dict[int, int]) -> None:
        """Seat every free place with ordinary families of 1-4 pupils (twins now and then)."""
        rng = self.rng
        for lang in ("kk", "ru"):
            while True:
                left = {g: self.free(school, g, lang) for g in grades}
                left = {g: n for g, n in left.items() if n > 0}
                if not left:
                    break
                size = rng.choices((1, 2, 3, 4), (42, 33, 18, 7))[0]
                chosen = [rng.choices(list(left), list(left.values()))[0]]
                left[chosen[0]] -= 1
                while len(chosen) < size:
                    grade = chosen[-1]
                    if not (left[grade] > 0 and rng.random() < 0.03):  # not twins
                        near = [g for g, n in left.items() if n > 0 and g not in chosen]
                        near = [g for g in near if abs(g - chosen[0]) <= 8]
                        if not near:
                            break
                        grade = rng.choices(near, [left[g] for g in near])[0]
                    chosen.append(grade)
                    left[grade] -= 1
                self.add_family(school, lang, chosen, "normal")


VILLAGE_OF = {"s1": nm.VILLAGES[0], "s2": nm.VILLAGES[1]}
# Applications that are not (yet) confirmed, school 1: (category, status, income profile,
# received). seed 001: reviewed within 15 working days -- on DEMO_TODAY the first is overdue.
APPLICATIONS = (
    ("below_subsistence", "applied", "applied_below", dt.datetime(2026, 10, 21, 10, 15, tzinfo=TZ)),
    ("asp", "applied", "asp", dt.datetime(2026, 11, 13, 16, 40, tzinfo=TZ)),
    ("other", "applied", "other", dt.datetime(2026, 11, 19, 11, 5, tzinfo=TZ)),
    ("below_subsistence", "refused", "refused", dt.datetime(2026, 9, 2, 10, 30, tzinfo=TZ)),
)


def generate(seed: int = 2026) -> DemoData:
    b = _Builder(seed)
    rng = b.rng
    region = Region("turkistan", "Түркістан облысы", "Туркестанская область")
    district = District("sairam", region.key, "Сайрам ауданы", "Сайрамский район")
    kk_prefix = f"{region.name_kk}, {district.name_kk}"
    ru_prefix = f"{region.name_ru}, {district.name_ru}"
    schools = (
        School("s1", district.key, "№ 12 жалпы орта білім беретін мектеп",
               "Общеобразовательная школа № 12", make_bin(1998, 3, rng.randrange(10**5)),
               f"{kk_prefix}, Ақсукент ауылы, Абай көшесі, 101",
               f"{ru_prefix}, с. Аксукент, ул. Абая, 101", 1200),
        School("s2", district.key, "№ 38 жалпы орта білім беретін мектеп",
               "Общеобразовательная школа № 38", make_bin(2001, 9, rng.randrange(10**5)),
               f"{kk_prefix}, Қарабұлақ ауылы, Төле би көшесі, 27",
               f"{ru_prefix}, с. Карабулак, ул. Толе би, 27", 150),
    )  # fmt: skip
    _, org_iban = b.iban()
    canteen = Organisation(
        "socium_pit", "«Социум пит» ЖШС", "ТОО «Социум пит»",
        make_bin(2015, 6, rng.randrange(10**5)), org_iban,
        "Ақсукент ауылы, Жібек жолы көшесі, 12", "с. Аксукент, ул. Жибек жолы, 12",
        ("s1",), "№ 14/2026", dt.date(2026, 8, 25),
    )  # fmt: skip
    b.add_classes("s1", SCHOOL1_GRADES, one_shift=False)
    b.add_classes("s2", SCHOOL2_GRADES, one_shift=True)

    # School 1: the seed-000 category families first, then the applications, then everyone else.
    specs = [(cat, n) for cat, sizes in SCHOOL1_CATEGORY_FAMILIES.items() for n in sizes]
    total = sum(n for _, n in specs)
    primary = SCHOOL1_PRIMARY_CATEGORY_CHILDREN
    bands = ["P"] * (primary - 1) + ["S"] * (total - primary - 2)  # the first family: 3, 6, 9
    rng.shuffle(bands)
    for i, (cat, n) in enumerate(specs):
        kids = b.band_grades([bands.pop() for _ in range(n)]) if i else [3, 6, 9]
        fkey = b.add_family("s1", "ru" if i % 7 == 3 else "kk", kids, cat)
        if cat == "other":
            meeting = b.pick(BOARD_MEETINGS)[1]
            received = b.received(meeting - dt.timedelta(days=18), meeting - dt.timedelta(days=5))
        else:
            received = b.received(dt.date(2026, 8, 1), dt.date(2026, 9, 25))
        b.categorise(fkey, cat, "confirmed", received)
    parent_family = b.families[0].key
    for cat, status, profile, received in APPLICATIONS:
        fkey = b.add_family("s1", "kk", b.band_grades([""]), profile)
        b.categorise(fkey, cat, status, received)
    b.fill("s1", SCHOOL1_GRADES)

    for cat, n in ((c, n) for c, sizes in SCHOOL2_CATEGORY_FAMILIES.items() for n in sizes):
        fkey = b.add_family("s2", "kk", b.band_grades([""] * n), cat)
        b.categorise(fkey, cat, "confirmed", b.received(dt.date(2026, 8, 1), dt.date(2026, 9, 18)))
    b.fill("s2", SCHOOL2_GRADES)

    parent = next(g for g in b.guardians if g.family_key == parent_family)
    taught = next(p for p in b.pupils if p.family_key == parent_family and p.grade == 3)
    cls = next(c for c in b.classes if c.key == taught.class_key)
    personas = (
        Persona("pedagog", "pedagogue", "Сейдахметова", "Гүлнар", "Асқарқызы", school_key="s1"),
        Persona("director", "principal", "Жолдасбеков", "Марат", "Серікұлы", school_key="s1"),
        Persona("board", "board", "Әбдіраманова", "Ақмарал", "Нұрланқызы", school_key="s1"),
        Persona("teacher", "teacher", cls.teacher_surname, cls.teacher_name,
                cls.teacher_patronymic, school_key="s1", class_key=cls.key),
        Persona("canteen", "canteen", "Оспанов", "Ерлан", "Бақытұлы", school_key="s1",
                organisation_key=canteen.key),
        Persona("parent", "parent", parent.surname, parent.name, parent.patronymic,
                school_key="s1", guardian_key=parent.key),
        Persona("district", "district", "Құрманова", "Сәуле", "Ерланқызы",
                district_key=district.key),
        Persona("outsider", "pedagogue", "Тоқтарова", "Динара", "Болатқызы", school_key="s2"),
        Persona("admin", "admin", "Исаев", "Тимур", "Асқарұлы", district_key=district.key,
                is_superuser=True),
    )  # fmt: skip
    return DemoData(
        DEMO_TODAY, region, district, schools, (canteen,), tuple(b.classes), tuple(b.families),
        tuple(b.guardians), tuple(b.members), tuple(b.pupils), tuple(b.categories), personas,
    )  # fmt: skip
