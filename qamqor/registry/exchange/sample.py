"""Synthetic НОБД files of valid data, for tests and the benchmark.

    write_sample_xlsx(target, n_rows=4600, *, seed=1, lang="kk") -> None
    sample_rows(n_rows, *, seed=1) -> list[dict[str, object]]   # column key -> value

Families have one to three pupils and one or two guardians; every IIN and IBAN is valid and
unique in the file (IIN serials start at 3000, away from the small ones test factories use).
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import IO, Any

from qamqor.core import ids

from .columns import COLUMNS, LANGUAGE_VALUES, RELATION_VALUES, SEX_VALUES, spell
from .export import write_xlsx

_SURNAMES = ("Ахмет", "Серік", "Нұрлан", "Жұмабай", "Қасым", "Омар", "Төлеген", "Бекмұрат",
             "Сейіт", "Әлібек", "Исабек", "Құдайберген", "Мұқан", "Есен", "Тұрар")  # fmt: skip
_BOYS = ("Алихан", "Нұрислам", "Ерасыл", "Арсен", "Әмір", "Ислам", "Бейбарыс", "Арлан",
         "Айбар", "Мирас", "Алдияр", "Тамерлан", "Ансар", "Медеу", "Омар")  # fmt: skip
_GIRLS = ("Айару", "Аружан", "Әмина", "Інжу", "Томирис", "Жасмин", "Айлин", "Амина",
          "Ділназ", "Еркежан", "Жансая", "Зере", "Нұрай", "Сезім", "Ақбота")  # fmt: skip
_MEN = ("Серік", "Нұрлан", "Ерлан", "Бауыржан", "Асқар", "Қанат", "Дәурен", "Мұрат")
_WOMEN = ("Гүлнар", "Айгүл", "Жанар", "Сәуле", "Динара", "Гүлмира", "Ақмарал", "Назира")
_STREETS = ("Абай даңғылы", "Төле би көшесі", "Сайрам көшесі", "Байтұрсынов көшесі")
_LETTERS = "АӘБВГД"
_RUSSIAN_LETTERS = "ГД"  # the Russian-medium classes of each grade


class _Unique:
    """Distinct IINs: make_iin moves to the next usable serial, so two serials may collide."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.seen: set[str] = set()

    def iin(self, birth: dt.date, sex: str) -> str:
        serial = self.rng.randrange(3000, 9000)
        while True:
            value = ids.make_iin(birth, sex, serial)  # type: ignore[arg-type]  # sex is "M" or "F"
            if value not in self.seen:
                self.seen.add(value)
                return value
            serial = (serial + 1) % 10000


def _birth(rng: random.Random, first: int, last: int) -> dt.date:
    start = dt.date(first, 1, 1)
    return start + dt.timedelta(days=rng.randrange((dt.date(last, 12, 31) - start).days))


def _kk_patronymic(father: str, sex: str) -> str:
    return f"{father}{'ұлы' if sex == 'M' else 'қызы'}"


def sample_rows(n_rows: int, *, seed: int = 1) -> list[dict[str, Any]]:
    rng = random.Random(seed)  # noqa: S311 (synthetic test data, not secrets)
    unique = _Unique(rng)
    rows: list[dict[str, Any]] = []
    family_no = 0
    while len(rows) < n_rows:
        family_no += 1
        surname = rng.choice(_SURNAMES)
        father = rng.choice(_MEN)
        family: dict[str, Any] = {
            "family_key": f"F{seed:02d}-{family_no:05d}",
            "family_address": f"{rng.choice(_STREETS)}, {rng.randrange(1, 200)}",
            "family_phone": f"+7701{rng.randrange(10**7):07d}",
            "other_members": rng.choice((0, 0, 1, 2)),
        }
        adults = [("F", rng.choice(_WOMEN), "mother", surname + "ова")]
        if rng.random() < 0.7:
            adults.append(("M", father, "father", surname + "ов"))
        for slot, (sex, name, relation, adult_surname) in enumerate(adults, start=1):
            family.update({
                f"guardian{slot}_iin": unique.iin(_birth(rng, 1975, 1995), sex),
                f"guardian{slot}_surname": adult_surname,
                f"guardian{slot}_name": name,
                f"guardian{slot}_patronymic": "",
                f"guardian{slot}_relation": relation,
                f"guardian{slot}_phone": f"+7702{rng.randrange(10**7):07d}",
                f"guardian{slot}_iban": ids.make_iban_kz(
                    "722", f"{seed:02d}{family_no:05d}{slot:06d}"
                ),
            })  # fmt: skip
        if rng.random() < 0.8:
            family["income_salary"] = rng.randrange(60, 400) * 1000
        if rng.random() < 0.2:
            family["income_allowance"] = rng.randrange(10, 60) * 1000
        if rng.random() < 0.1:
            family["income_asp"] = rng.randrange(20, 80) * 1000
        for _child in range(rng.choice((1, 1, 2, 2, 3))):
            if len(rows) >= n_rows:
                break
            sex = rng.choice("MF")
            grade = rng.randrange(1, 12)
            letter = _LETTERS[rng.randrange(len(_LETTERS))]
            birth = _birth(rng, 2025 - grade - 7, 2025 - grade - 6)
            rows.append({
                "pupil_iin": unique.iin(birth, sex),
                "surname": surname + ("ов" if sex == "M" else "ова"),
                "name": rng.choice(_BOYS if sex == "M" else _GIRLS),
                "patronymic": _kk_patronymic(father, sex),
                "birth_date": birth,
                "sex": sex,
                "grade": grade,
                "letter": letter,
                "shift": 1 if grade <= 4 or grade >= 9 else 2,
                "language": "ru" if letter in _RUSSIAN_LETTERS else "kk",
                **family,
            })  # fmt: skip
    return rows


def write_sample_xlsx(target: str | Path | IO[bytes], n_rows: int = 4600, *, seed: int = 1,
                      lang: str = "kk") -> None:  # fmt: skip
    """Write an XLSX of `n_rows` valid pupils in the НОБД exchange format."""
    tables = {"sex": SEX_VALUES, "language": LANGUAGE_VALUES, "guardian1_relation":
              RELATION_VALUES, "guardian2_relation": RELATION_VALUES}  # fmt: skip
    rows = (
        [spell(tables[c.key], row[c.key], lang) if c.key in tables and c.key in row
         else row.get(c.key) for c in COLUMNS]
        for row in sample_rows(n_rows, seed=seed)
    )  # fmt: skip
    data = write_xlsx([c.header(lang) for c in COLUMNS], rows, title="НОБД")
    if isinstance(target, str | Path):
        Path(target).write_bytes(data)
    else:
        target.write(data)
