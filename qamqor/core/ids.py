"""Kazakh identifiers: ИИН/ЖСН (people), БИН (organisations) and IBAN KZ (bank accounts).

Pure functions, no Django: forms, the API, imports and fixtures all share them.

Validators return *stable error codes* rather than messages, so that the interface can word
them in Kazakh and Russian and the tests and the audit log can compare them.

A note on what the ИИН/БИН check digit really protects (the algorithm, not this code):
the first pass gives the 11th digit the weight 11, which is 0 mod 11. So when the first sum
is not 10 -- for about ten numbers in eleven -- a change to the 11th digit (the last serial
digit) leaves the check digit unchanged and goes unnoticed. A change to any of digits 1-10
changes the first sum, and is caught unless one side of it lands on the "sum is 10" fallback
to the second weights. A change to the check digit itself is always caught. Treat the check
digit as a typo filter, not as proof that a number belongs to someone.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

Sex = Literal["M", "F"]

IIN_LENGTH = "iin_length"
IIN_DATE = "iin_date"
IIN_CHECKSUM = "iin_checksum"
BIN_LENGTH = "bin_length"
BIN_FORMAT = "bin_format"
BIN_CHECKSUM = "bin_checksum"
IBAN_FORMAT = "iban_format"
IBAN_CHECKSUM = "iban_checksum"

_WEIGHTS_1 = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)

# The 7th ИИН digit: century of birth and sex; odd is male.
_CENTURY_BASE = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}


def _is_digits(s: object, length: int) -> bool:
    # str.isdigit() alone accepts e.g. Arabic-Indic or superscript digits; only ASCII will do.
    return isinstance(s, str) and len(s) == length and s.isascii() and s.isdigit()


def check_digit(first11: str) -> int | None:
    """The ИИН/БИН check digit for the first 11 digits, or None if no digit is possible.

    None means the number cannot be valid whatever its 12th digit: both passes gave 10.
    """
    if not _is_digits(first11, 11):
        raise ValueError("check_digit needs exactly 11 ASCII digits")
    digits = [int(c) for c in first11]
    for weights in (_WEIGHTS_1, _WEIGHTS_2):
        rest = sum(w * d for w, d in zip(weights, digits, strict=True)) % 11
        if rest != 10:
            return rest
    return None


def _checksum_ok(s: str) -> bool:
    expected = check_digit(s[:11])
    return expected is not None and expected == int(s[11])


# --- ИИН -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IinResult:
    """The outcome of `validate_iin`.

    `birth_date` and `sex` are filled only for a valid number: a number that fails its check
    digit may have any digit wrong, including the date, so nothing read from it is trusted.
    """

    valid: bool
    birth_date: dt.date | None = None
    sex: Sex | None = None
    error: str | None = None


def _iin_birth_date(s: str) -> dt.date | None:
    century = int(s[6])
    if century not in _CENTURY_BASE:
        return None
    try:
        return dt.date(_CENTURY_BASE[century] + int(s[0:2]), int(s[2:4]), int(s[4:6]))
    except ValueError:
        return None


def validate_iin(s: str) -> IinResult:
    """Check a ИИН/ЖСН: 12 digits, a real birth date with a century digit 1-6, the check digit.

    The input is taken as is (no stripping): forms strip their fields, and silently
    repairing a value here would let an unrepaired one be stored elsewhere.
    A birth date in the future is not rejected here; whether it is plausible depends on
    the caller (a child, a parent) and on "today", which this pure module does not know.
    """
    if not _is_digits(s, 12):
        return IinResult(valid=False, error=IIN_LENGTH)
    birth_date = _iin_birth_date(s)
    if birth_date is None:
        return IinResult(valid=False, error=IIN_DATE)
    if not _checksum_ok(s):
        return IinResult(valid=False, error=IIN_CHECKSUM)
    sex: Sex = "M" if int(s[6]) % 2 == 1 else "F"
    return IinResult(valid=True, birth_date=birth_date, sex=sex)


def _first_valid(prefix: str, serial: int, width: int) -> str:
    """prefix + serial + check digit, moving to the next serial (wrapping) while none fits.

    About one serial in eleven has no check digit; scanning forward keeps the result
    deterministic and close to what the caller asked for.
    """
    modulus = 10**width
    for step in range(modulus):
        body = f"{prefix}{(serial + step) % modulus:0{width}d}"
        digit = check_digit(body)
        if digit is not None:
            return f"{body}{digit}"
    raise AssertionError("unreachable: every prefix has serials with a check digit")


def make_iin(birth_date: dt.date, sex: Sex, serial: int) -> str:
    """A valid ИИН for this birth date and sex (for fixtures, the sandbox and tests).

    `serial` (0-9999) is where the search for a serial with a usable check digit starts.
    """
    if sex not in ("M", "F"):
        raise ValueError("sex must be 'M' or 'F'")
    if not 1800 <= birth_date.year <= 2099:
        raise ValueError("a ИИН encodes birth years 1800-2099 only")
    if not 0 <= serial <= 9999:
        raise ValueError("serial must be in 0..9999")
    century = 1 + 2 * ((birth_date.year - 1800) // 100) + (0 if sex == "M" else 1)
    prefix = f"{birth_date:%y%m%d}{century}"
    return _first_valid(prefix, serial, width=4)


# --- БИН -------------------------------------------------------------------------------

# 5th digit: 4 resident legal entity, 5 non-resident legal entity, 6 individual
# entrepreneur in joint venture form. 6th digit: 0 head organisation, 1 branch,
# 2 representative office, 3 peasant (farm) enterprise in joint venture form.
BIN_KINDS = frozenset({4, 5, 6})
BIN_DIVISIONS = frozenset({0, 1, 2, 3})


def validate_bin(s: str) -> str | None:
    """Check a БИН; return an error code or None if it is valid.

    Layout: YYMM of registration, kind digit, division digit, 5 serial digits, check digit.
    """
    if not _is_digits(s, 12):
        return BIN_LENGTH
    if not 1 <= int(s[2:4]) <= 12 or int(s[4]) not in BIN_KINDS or int(s[5]) not in BIN_DIVISIONS:
        return BIN_FORMAT
    if not _checksum_ok(s):
        return BIN_CHECKSUM
    return None


def make_bin(year: int, month: int, serial: int, kind: int = 4, division: int = 0) -> str:
    """A valid БИН registered in this year and month; `serial` (0-99999) starts the search."""
    if not 1 <= month <= 12:
        raise ValueError("month must be in 1..12")
    if kind not in BIN_KINDS:
        raise ValueError("kind must be 4, 5 or 6")
    if division not in BIN_DIVISIONS:
        raise ValueError("division must be 0, 1, 2 or 3")
    if not 0 <= serial <= 99999:
        raise ValueError("serial must be in 0..99999")
    prefix = f"{year % 100:02d}{month:02d}{kind}{division}"
    return _first_valid(prefix, serial, width=5)


# --- IBAN KZ ---------------------------------------------------------------------------

# KZ, 2 check digits, 3-digit bank code, 13 alphanumeric characters of the account (ISO 13616).
_IBAN_KZ = re.compile(r"KZ[0-9]{2}[0-9]{3}[0-9A-Z]{13}")
_ACCOUNT = re.compile(r"[0-9A-Z]{1,13}")
_WHITESPACE = re.compile(r"\s+")


def normalize_iban(s: str) -> str:
    """Drop all whitespace and upper-case: IBANs are printed in groups of four and typed freely."""
    return _WHITESPACE.sub("", s).upper()


def _mod97(iban: str) -> int:
    # ISO 13616: move country code and check digits to the end, letters become 10..35.
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97


def validate_iban_kz(s: str) -> str | None:
    """Check a Kazakh IBAN after normalising it; return an error code or None if valid."""
    if not isinstance(s, str):
        return IBAN_FORMAT
    iban = normalize_iban(s)
    # Non-ASCII upper-case letters must not slip through the character classes.
    if not iban.isascii() or _IBAN_KZ.fullmatch(iban) is None:
        return IBAN_FORMAT
    if _mod97(iban) != 1:
        return IBAN_CHECKSUM
    return None


def make_iban_kz(bank_code: str, account: str) -> str:
    """A valid IBAN KZ for this bank code and account (left-padded with zeros to 13 characters)."""
    if not _is_digits(bank_code, 3):
        raise ValueError("bank_code must be 3 digits")
    account = normalize_iban(account)
    if not account.isascii() or _ACCOUNT.fullmatch(account) is None:
        raise ValueError("account must be 1-13 letters or digits")
    bban = f"{bank_code}{account:0>13}"
    check = 98 - _mod97(f"KZ00{bban}")
    return f"KZ{check:02d}{bban}"
