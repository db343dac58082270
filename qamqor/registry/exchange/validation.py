"""Checking one row of the file on its own, and the wording of every error code.

Errors are plain dicts {"row", "column", "code", "detail", "params"} so that a job can keep
them as JSON; `column` is the column key, `detail` the precise reason from core.validators
(e.g. iin_checksum under iin_invalid). They are worded only when shown, in the reader's
language, by `message()`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from qamqor.core import ids, tabular
from qamqor.core.validators import MESSAGES as VALIDATOR_MESSAGES
from qamqor.core.validators import has_control_characters, message_for

from .columns import (
    BY_KEY,
    GUARDIAN_SLOTS,
    INCOME_SOURCES,
    LANGUAGE_INDEX,
    RELATION_INDEX,
    SEX_INDEX,
)

MESSAGES = {
    "required_missing": _("This value is required."),
    "iin_duplicate_in_file": _("This IIN is already in row %(first_row)s of the file."),
    "iin_other_school": _(
        "This pupil is registered at another school. An import never moves a child between "
        "schools: the transfer must first be recorded there."
    ),
    "date_invalid": _("Not a date: write it as DD.MM.YYYY."),
    "date_future": _("The date is in the future."),
    "sex_invalid": _("Write the sex as ер/әйел, М/Ж or M/F."),
    "grade_invalid": _("The grade is a whole number from 0 to 11."),
    "letter_invalid": _("The class letter is one to three letters or digits."),
    "shift_invalid": _("The shift is 1 or 2."),
    "language_invalid": _("The language of instruction is Kazakh or Russian."),
    "relation_invalid": _(
        "Unknown relation: use mother, father, guardian, trustee, grandparent or relative."
    ),
    "phone_invalid": _("A phone number has digits, spaces and + ( ) - only, up to 20 characters."),
    "amount_invalid": _("An amount is a whole number of tenge, 0 or more."),
    "number_invalid": _("The number of people is a whole number from 0 to 30."),
    "too_long": _("At most %(max)s characters."),
    "family_conflict": _("This family's value differs from row %(first_row)s of the file."),
    "class_conflict": _("This class's value differs from row %(first_row)s of the file."),
    "family_key_unknown": _("No family of this school has this key."),
    "family_key_missing": _("A family key or the first guardian's IIN is needed for family data."),
    # The file as a whole: read by core.tabular, which has the words for its refusals.
    **tabular.MESSAGES,
    "file_missing": _("The uploaded file is no longer stored; upload it again."),
    "header_missing": _("No header row with the columns of the format in the first 10 rows."),
    "file_no_rows": _("The file has a header but no pupils."),
    "column_missing": _("This required column is missing."),
    "column_duplicate": _("Two columns of the file mean the same thing."),
    "control_characters": VALIDATOR_MESSAGES["control_characters"],
    "registry_changed": _("The registry changed while the file was applied; upload it again."),
    "job_interrupted": _(
        "The work on this file stopped before it ended (the file may be too large to read), "
        "and it is not tried again. Nothing was imported: check the file and upload it again."
    ),
}
# Codes whose wording is the precise reason in `detail` (from core.validators).
DETAILED = {"iin_invalid", "iban_invalid", "iin_birth_date_mismatch", "iin_sex_mismatch"}


def message(error: dict) -> str:
    code = error.get("code", "")
    if code in DETAILED:
        return message_for(error.get("detail") or code)
    text = MESSAGES.get(code)
    if text is None:
        return code
    params = error.get("params") or {}
    return str(text) % params if params and "%(" in str(text) else str(text)


def error(row: int, column: str, code: str, detail: str = "", **params: object) -> dict:
    return {"row": row, "column": column, "code": code, "detail": detail, "params": params}


@dataclass
class GuardianRow:
    slot: int
    iin: str
    surname: str
    name: str
    patronymic: str
    relation: str
    phone: str
    iban: str


@dataclass
class RowData:
    row: int
    iin: str
    surname: str
    name: str
    patronymic: str
    birth_date: dt.date
    sex: str
    grade: int | None
    letter: str
    shift: int | None
    language: str
    family_key: str
    address: str
    phone: str
    guardians: list[GuardianRow] = field(default_factory=list)
    incomes: dict[str, int] | None = None  # None: this row states no income
    other_members: int | None = None


_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%y")
_PHONE = re.compile(r"[0-9+() \-]{5,20}")
_LETTER = re.compile(r"[^\W_]{1,3}")
_NUMBER = re.compile(r"\d+")
MAX_AMOUNT = 100_000_000  # a month's income above this is a typo, not a family
MAX_OTHERS = 30


def parse_date(text: str) -> dt.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
    return None


def parse_int(text: str) -> int | None:
    """Whole numbers as typed: "90 000", "90000", "90000.00", "90000,00"."""
    s = text.replace("\u00a0", "").replace(" ", "")
    s = re.sub(r"[.,]0+$", "", s)
    return int(s) if _NUMBER.fullmatch(s) else None


class _Row:
    """Collects the values and the errors of one row."""

    def __init__(self, number: int, cells: dict[str, str]):
        self.number = number
        self.cells = cells
        self.errors: list[dict] = []

    def get(self, key: str) -> str:
        return self.cells.get(key, "")

    def fail(self, key: str, code: str, detail: str = "", **params: object) -> None:
        self.errors.append(error(self.number, key, code, detail, **params))

    def text(self, key: str, max_length: int, required: bool = False) -> str:
        value = self.get(key)
        if required and not value:
            self.fail(key, "required_missing")
        elif len(value) > max_length:
            self.fail(key, "too_long", max=max_length)
        elif has_control_characters(value):
            self.fail(key, "control_characters")
        return value

    def iin(self, key: str, required: bool = True) -> tuple[str, ids.IinResult | None]:
        value = self.get(key).replace(" ", "")
        if not value:
            if required:
                self.fail(key, "required_missing")
            return "", None
        result = ids.validate_iin(value)
        if not result.valid:
            self.fail(key, "iin_invalid", result.error or "")
            return value, None
        return value, result

    def choice(self, key: str, index: dict[str, str], code: str) -> str:
        value = self.get(key)
        if not value:
            return ""
        found = index.get(value.strip().casefold())
        if found is None:
            self.fail(key, code)
            return ""
        return found

    def number_in(self, key: str, low: int, high: int, code: str) -> int | None:
        value = self.get(key)
        if not value:
            return None
        number = parse_int(value)
        if number is None or not low <= number <= high:
            self.fail(key, code)
            return None
        return number

    def phone(self, key: str) -> str:
        value = self.get(key)
        if value and not _PHONE.fullmatch(value):
            self.fail(key, "phone_invalid")
        return value


def _guardian(r: _Row, slot: int) -> GuardianRow | None:
    prefix = f"guardian{slot}_"
    if not any(r.get(prefix + f) for f in ("iin", "surname", "name", "patronymic", "relation",
                                           "phone", "iban")):  # fmt: skip
        return None
    iin, _result = r.iin(prefix + "iin")
    relation = r.choice(prefix + "relation", RELATION_INDEX, "relation_invalid")
    if not r.get(prefix + "relation"):
        r.fail(prefix + "relation", "required_missing")
    iban = ids.normalize_iban(r.get(prefix + "iban"))
    if iban:
        problem = ids.validate_iban_kz(iban)
        if problem:
            r.fail(prefix + "iban", "iban_invalid", problem)
    return GuardianRow(
        slot=slot,
        iin=iin,
        surname=r.text(prefix + "surname", 100, required=True),
        name=r.text(prefix + "name", 100, required=True),
        patronymic=r.text(prefix + "patronymic", 100),
        relation=relation,
        phone=r.phone(prefix + "phone"),
        iban=iban,
    )


def validate_row(number: int, cells: dict[str, str], today: dt.date) -> tuple[RowData, list]:
    """Check one row alone (no database, no other rows); return its values and errors."""
    r = _Row(number, cells)
    iin, result = r.iin("pupil_iin")
    birth_date: dt.date | None = None
    if r.get("birth_date"):
        birth_date = parse_date(r.get("birth_date"))
        if birth_date is None:
            r.fail("birth_date", "date_invalid")
        elif birth_date > today:
            r.fail("birth_date", "date_future")
        elif result is not None and result.birth_date != birth_date:
            r.fail("birth_date", "iin_birth_date_mismatch", "iin_birth_date_mismatch")
    sex = r.choice("sex", SEX_INDEX, "sex_invalid")
    if sex and result is not None and result.sex != sex:
        r.fail("sex", "iin_sex_mismatch", "iin_sex_mismatch")
    grade = r.number_in("grade", 0, 11, "grade_invalid")
    letter = r.get("letter").upper()
    if letter and not _LETTER.fullmatch(letter):
        r.fail("letter", "letter_invalid")
    if r.get("grade") and not letter:
        r.fail("letter", "required_missing")
    if letter and not r.get("grade"):
        r.fail("grade", "required_missing")

    guardians = [g for g in (_guardian(r, slot) for slot in GUARDIAN_SLOTS) if g]
    family_key = r.text("family_key", 64)
    if not family_key and guardians and guardians[0].iin:
        family_key = guardians[0].iin  # the format's fallback key: the first guardian's IIN
    incomes = None
    if any(r.get(f"income_{s}") for s in INCOME_SOURCES):
        # The row states the family's incomes: every income column of the file counts, a
        # blank one as 0; a source without a column in the file is left as it is.
        incomes = {}
        for source in INCOME_SOURCES:
            if f"income_{source}" in cells:
                amount = r.number_in(f"income_{source}", 0, MAX_AMOUNT, "amount_invalid")
                incomes[source] = amount or 0
    data = RowData(
        row=number,
        iin=iin,
        surname=r.text("surname", 100, required=True),
        name=r.text("name", 100, required=True),
        patronymic=r.text("patronymic", 100),
        birth_date=(result.birth_date if result else None) or birth_date or today,
        sex=(result.sex if result else None) or sex or "",
        grade=grade,
        letter=letter,
        shift=r.number_in("shift", 1, 2, "shift_invalid"),
        language=r.choice("language", LANGUAGE_INDEX, "language_invalid"),
        family_key=family_key,
        address=r.text("family_address", 300),
        phone=r.phone("family_phone"),
        guardians=guardians,
        incomes=incomes,
        other_members=r.number_in("other_members", 0, MAX_OTHERS, "number_invalid"),
    )
    has_family_data = bool(
        guardians or incomes is not None or data.address or data.phone
        or data.other_members is not None
    )  # fmt: skip
    if has_family_data and not family_key:
        r.fail("family_key", "family_key_missing")
    return data, r.errors


def column_label(key: str, columns: dict[str, str], lang: str) -> str:
    """The column as the file named it, else its header in the reader's language."""
    if key in columns:
        return columns[key]
    column = BY_KEY.get(key)
    return column.header(lang) if column else key
