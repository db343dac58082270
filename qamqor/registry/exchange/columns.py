"""The НОБД exchange file format: one flat sheet, one row per pupil.

Every column has a stable key and header names in Kazakh, Russian and English; a file may
use any of them (matched without case, spaces or punctuation). The export writes the headers
of the reader's language, so whatever it writes is read back unchanged. The names and coded
values below are data of the format, not interface text: they are deliberately not passed
through gettext, because a translation must never change what a file means.

Semantics that make re-import safe:
- a column missing from the header leaves that field untouched;
- a blank cell never erases data (a pupil's patronymic, a guardian's IBAN stay as they are);
- family incomes are monthly totals per source: a family that states any income in the file
  gets exactly those totals (blank = 0); a family that states none keeps its incomes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    kk: str
    ru: str
    en: str
    aliases: tuple[str, ...] = ()
    required: bool = False

    def header(self, lang: str) -> str:
        return {"kk": self.kk, "ru": self.ru}.get(lang[:2], self.en)

    def names(self) -> tuple[str, ...]:
        return (self.kk, self.ru, self.en, self.key, *self.aliases)


INCOME_SOURCES = ("salary", "business", "pension", "allowance", "alimony", "asp", "other")
GUARDIAN_SLOTS = (1, 2)
GUARDIAN_FIELDS = ("iin", "surname", "name", "patronymic", "relation", "phone", "iban")

_GUARDIAN_NAMES = {
    "iin": ("ЖСН", "ИИН", "IIN"),
    "surname": ("тегі", "фамилия", "surname"),
    "name": ("аты", "имя", "name"),
    "patronymic": ("әкесінің аты", "отчество", "patronymic"),
    "relation": ("туыстығы", "родство", "relation"),
    "phone": ("телефоны", "телефон", "phone"),
    "iban": ("IBAN", "IBAN", "IBAN"),
}
_INCOME_NAMES = {
    "salary": ("жалақы", "заработная плата", "salary"),
    "business": ("кәсіпкерлік табыс", "доход от предпринимательства", "business income"),
    "pension": ("зейнетақы", "пенсия", "pension"),
    "allowance": ("мемлекеттік жәрдемақы", "пособие", "allowance"),
    "alimony": ("алимент", "алименты", "alimony"),
    "asp": ("АӘК", "АСП", "ASP"),
    "other": ("басқа табыс", "прочие доходы", "other income"),
}


def _guardian_columns(n: int) -> list[Column]:
    cols = []
    for field in GUARDIAN_FIELDS:
        kk, ru, en = _GUARDIAN_NAMES[field]
        cols.append(
            Column(
                f"guardian{n}_{field}",
                f"{n}-ата-ана {kk}" if field in ("iin", "iban") else f"{n}-ата-ананың {kk}",
                f"{ru.capitalize()} представителя {n}"
                if field not in ("iin", "iban")
                else f"{ru} представителя {n}",
                f"Guardian {n} {en}",
                aliases=(
                    f"{ru} родителя {n}",
                    f"{n} ата-ана {kk}",
                    f"guardian{n} {en}",
                    f"parent {n} {en}",
                ),
            )
        )
    return cols


def _income_columns() -> list[Column]:
    cols = []
    for source in INCOME_SOURCES:
        kk, ru, en = _INCOME_NAMES[source]
        cols.append(
            Column(
                f"income_{source}",
                f"Табыс: {kk}",
                f"Доход: {ru}",
                f"Income: {en}",
                aliases=(kk, ru, en, f"income {source}"),
            )
        )
    return cols


COLUMNS: tuple[Column, ...] = (
    Column("pupil_iin", "Оқушының ЖСН", "ИИН ученика", "Pupil IIN",
           aliases=("ЖСН", "ИИН", "IIN", "оқушы ЖСН", "ИИН обучающегося"), required=True),
    Column("surname", "Тегі", "Фамилия", "Surname", aliases=("last name",), required=True),
    Column("name", "Аты", "Имя", "Name", aliases=("first name",), required=True),
    Column("patronymic", "Әкесінің аты", "Отчество", "Patronymic", aliases=("middle name",)),
    Column("birth_date", "Туған күні", "Дата рождения", "Birth date",
           aliases=("туған күні мен жылы", "date of birth")),
    Column("sex", "Жынысы", "Пол", "Sex", aliases=("gender",)),
    Column("grade", "Сынып", "Класс", "Grade", aliases=("параллель", "class")),
    Column("letter", "Сынып литері", "Литера", "Class letter",
           aliases=("литер", "литера класса", "буква", "letter")),
    Column("shift", "Ауысым", "Смена", "Shift"),
    Column("language", "Оқыту тілі", "Язык обучения", "Language of instruction",
           aliases=("language",)),
    Column("family_key", "Отбасы коды", "Код семьи", "Family key",
           aliases=("отбасы №", "№ семьи", "номер семьи", "family number", "family id")),
    Column("family_address", "Отбасының мекенжайы", "Адрес семьи", "Family address",
           aliases=("мекенжайы", "адрес", "address")),
    Column("family_phone", "Отбасының телефоны", "Телефон семьи", "Family phone"),
    *_guardian_columns(1),
    *_guardian_columns(2),
    *_income_columns(),
    Column("other_members", "Басқа отбасы мүшелері", "Другие члены семьи",
           "Other household members",
           aliases=("басқа мүшелер саны", "прочие члены семьи", "other members")),
)  # fmt: skip

BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED = tuple(c.key for c in COLUMNS if c.required)

_PUNCT = re.compile(r"[\s\-_.,:;*№#()\"'«»/\\]+")


def normalize_header(text: object) -> str:
    """Case, spacing, punctuation and ё/е differences do not make a different column."""
    s = str(text or "").strip().casefold().replace("ё", "е")
    return _PUNCT.sub("", s)


ALIASES: dict[str, str] = {}
for _col in COLUMNS:
    for _name in _col.names():
        # Earlier columns win a shared alias: "ИИН" alone means the pupil's IIN.
        ALIASES.setdefault(normalize_header(_name), _col.key)


def match_header(cells: list[object]) -> tuple[dict[str, int], list[tuple[int, str]], list[str]]:
    """Map a header row: {key: index}, duplicates [(index, text)], unknown header texts."""
    found: dict[str, int] = {}
    duplicates: list[tuple[int, str]] = []
    unknown: list[str] = []
    for index, cell in enumerate(cells):
        text = str(cell or "").strip()
        if not text:
            continue
        key = ALIASES.get(normalize_header(text))
        if key is None:
            unknown.append(text)
        elif key in found:
            duplicates.append((index, text))
        else:
            found[key] = index
    return found, duplicates, unknown


# Coded values: the first spelling per language is what the export writes.
SEX_VALUES = {
    "M": {"kk": "ер", "ru": "М", "en": "M",
          "more": ("e", "е", "ер бала", "ұл", "m", "м", "муж", "мужской", "male", "1")},
    "F": {"kk": "әйел", "ru": "Ж", "en": "F",
          "more": ("ә", "қыз", "ж", "жен", "женский", "f", "female", "2")},
}  # fmt: skip
RELATION_VALUES = {
    "mother": {"kk": "анасы", "ru": "мать", "en": "mother", "more": ("ана", "мама")},
    "father": {"kk": "әкесі", "ru": "отец", "en": "father", "more": ("әке", "папа")},
    "guardian": {"kk": "қамқоршы", "ru": "опекун", "en": "guardian",
                 "more": ("опекунша", "қорғаншы")},
    "trustee": {"kk": "патронаттық тәрбиеші", "ru": "патронатный воспитатель",
                "en": "trustee", "more": ("патронат", "попечитель", "қамқоршы (патронат)")},
    "grandparent": {"kk": "әжесі/атасы", "ru": "бабушка/дедушка", "en": "grandparent",
                    "more": ("әже", "әжесі", "ата", "атасы", "бабушка", "дедушка",
                             "grandmother", "grandfather")},
    "other": {"kk": "туысы", "ru": "родственник", "en": "other",
              "more": ("басқа", "туыс", "другой", "родственница", "relative")},
}  # fmt: skip
LANGUAGE_VALUES = {
    "kk": {"kk": "қазақ", "ru": "казахский", "en": "kk",
           "more": ("қазақша", "каз", "қаз", "казахский язык", "kazakh", "kz")},
    "ru": {"kk": "орыс", "ru": "русский", "en": "ru",
           "more": ("орысша", "рус", "русский язык", "russian")},
}  # fmt: skip


def _value_index(table: dict[str, dict]) -> dict[str, str]:
    index: dict[str, str] = {}
    for code, spellings in table.items():
        for name in (code, spellings["kk"], spellings["ru"], spellings["en"], *spellings["more"]):
            index.setdefault(name.strip().casefold(), code)
    return index


SEX_INDEX = _value_index(SEX_VALUES)
RELATION_INDEX = _value_index(RELATION_VALUES)
LANGUAGE_INDEX = _value_index(LANGUAGE_VALUES)


def spell(table: dict[str, dict], code: str, lang: str) -> str:
    spellings = table.get(code)
    if not spellings:
        return code
    return spellings.get(lang[:2], spellings["en"])


# A family registered by hand has no НОБД key; the export names it by its id with this prefix,
# and the import resolves such a key to that family of the same school (never another's).
ID_KEY_PREFIX = "ID:"
