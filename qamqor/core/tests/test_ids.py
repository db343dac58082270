"""ИИН, БИН and IBAN KZ: known examples, every error code, and what the check digits guarantee."""

from __future__ import annotations

import datetime as dt
import string

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from qamqor.core.ids import (
    BIN_CHECKSUM,
    BIN_FORMAT,
    BIN_LENGTH,
    IBAN_CHECKSUM,
    IBAN_FORMAT,
    IIN_CHECKSUM,
    IIN_DATE,
    IIN_LENGTH,
    IinResult,
    check_digit,
    make_bin,
    make_iban_kz,
    make_iin,
    normalize_iban,
    validate_bin,
    validate_iban_kz,
    validate_iin,
)


def first_sum(digits: str) -> int:
    """The first-pass remainder (weights 1..11), to tell when the fallback weights are used."""
    return sum(w * int(c) for w, c in zip(range(1, 12), digits[:11], strict=True)) % 11


# --- ИИН: worked examples ----------------------------------------------------------------


def test_iin_worked_example_first_pass():
    # 9*1 + 0*2 + 0*3 + 1*4 + 0*5 + 1*6 + 3*7 + 0*8 + 0*9 + 0*10 + 0*11 = 40; 40 mod 11 = 7.
    assert validate_iin("900101300007") == IinResult(
        valid=True, birth_date=dt.date(1990, 1, 1), sex="M", error=None
    )


def test_iin_worked_example_second_pass():
    # First pass: 9+4+6+21+8*10+1*11 = 131 = 11*11 + 10 -> fall back to weights 3..11,1,2:
    # 9*3 + 1*6 + 1*8 + 3*9 + 8*1 + 1*2 = 78 = 7*11 + 1 -> check digit 1.
    assert first_sum("90010130081") == 10
    assert check_digit("90010130081") == 1
    assert validate_iin("900101300811").valid


def test_iin_prefix_with_no_possible_check_digit():
    # Both passes give 10: no 12th digit makes this a valid number.
    assert check_digit("90010130080") is None
    for last in string.digits:
        assert validate_iin("90010130080" + last).error == IIN_CHECKSUM


@pytest.mark.parametrize(
    ("iin", "birth_date", "sex"),
    [
        ("900101300007", dt.date(1990, 1, 1), "M"),
        (make_iin(dt.date(1990, 1, 1), "F", 0), dt.date(1990, 1, 1), "F"),
        (make_iin(dt.date(2015, 9, 1), "F", 123), dt.date(2015, 9, 1), "F"),
        (make_iin(dt.date(2010, 2, 28), "M", 9999), dt.date(2010, 2, 28), "M"),
        (make_iin(dt.date(1899, 12, 31), "F", 5), dt.date(1899, 12, 31), "F"),
        (make_iin(dt.date(1800, 1, 1), "M", 5), dt.date(1800, 1, 1), "M"),
        # 2000 was a leap year, 1900 was not (see the date errors below).
        (make_iin(dt.date(2000, 2, 29), "M", 42), dt.date(2000, 2, 29), "M"),
    ],
)
def test_iin_valid_examples(iin, birth_date, sex):
    result = validate_iin(iin)
    assert result.valid and result.error is None
    assert (result.birth_date, result.sex) == (birth_date, sex)


def test_make_iin_century_digits_and_layout():
    assert make_iin(dt.date(1990, 1, 1), "M", 0) == "900101300007"
    assert make_iin(dt.date(2015, 9, 1), "F", 123) == "150901601233"
    assert make_iin(dt.date(1899, 12, 31), "F", 0)[:7] == "9912312"
    assert make_iin(dt.date(1899, 12, 31), "M", 0)[6] == "1"
    assert make_iin(dt.date(1950, 6, 15), "F", 0)[6] == "4"
    assert make_iin(dt.date(2024, 6, 15), "M", 0)[6] == "5"
    assert make_iin(dt.date(2024, 6, 15), "M", 77)[7:11] == "0077"


def test_make_iin_skips_serials_without_check_digit_and_wraps():
    # Serial 0080 has no check digit (see above): the next serial is used.
    assert make_iin(dt.date(1990, 1, 1), "M", 80) == "900101300811"
    # Deterministic.
    assert make_iin(dt.date(1990, 1, 1), "M", 80) == make_iin(dt.date(1990, 1, 1), "M", 80)
    # Wraps from 9999 to 0000: 9003223 + 9999 has no check digit.
    assert check_digit("90032239999") is None
    assert make_iin(dt.date(1990, 3, 22), "M", 9999)[7:11] == "0000"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"birth_date": dt.date(1990, 1, 1), "sex": "X", "serial": 0}, "sex"),
        ({"birth_date": dt.date(1799, 12, 31), "sex": "M", "serial": 0}, "1800-2099"),
        ({"birth_date": dt.date(2100, 1, 1), "sex": "M", "serial": 0}, "1800-2099"),
        ({"birth_date": dt.date(1990, 1, 1), "sex": "M", "serial": -1}, "serial"),
        ({"birth_date": dt.date(1990, 1, 1), "sex": "M", "serial": 10000}, "serial"),
    ],
)
def test_make_iin_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_iin(**kwargs)


# --- ИИН: error codes --------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "",
        "90010130000",  # 11 digits
        "9001013000071",  # 13 digits
        " 900101300007",  # not stripped here: forms strip
        "90010130000a",
        "9001-0130000",
        "９００１０１３０００７",  # full-width digits pass str.isdigit()
        "٩٠٠١٠١٣٠٠٠٠٧",  # Arabic-Indic digits too
        None,
        900101300007,
    ],
)
def test_iin_length_error(value):
    assert validate_iin(value) == IinResult(valid=False, error=IIN_LENGTH)


@pytest.mark.parametrize(
    "value",
    [
        "901301300000",  # month 13
        "900001300000",  # month 00
        "900230300000",  # 30 February
        "900100300000",  # day 00
        "000229300000",  # 29 February 1900: not a leap year
        "900101000000",  # century digit 0
        "900101700000",  # century digit 7
        "900101900000",  # century digit 9
    ],
)
def test_iin_date_error(value):
    result = validate_iin(value)
    assert result == IinResult(valid=False, error=IIN_DATE)


def test_iin_checksum_error_hides_the_parsed_fields():
    result = validate_iin("900101300008")
    assert result == IinResult(valid=False, birth_date=None, sex=None, error=IIN_CHECKSUM)


def test_iin_result_is_frozen():
    result = validate_iin("900101300007")
    with pytest.raises(AttributeError):
        result.valid = False  # type: ignore[misc]


def test_check_digit_needs_eleven_digits():
    with pytest.raises(ValueError):
        check_digit("123")


# --- ИИН: properties ---------------------------------------------------------------------

birth_dates = st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2099, 12, 31))
sexes = st.sampled_from(["M", "F"])
iin_serials = st.integers(min_value=0, max_value=9999)


@given(birth_dates, sexes, iin_serials)
def test_make_iin_validates_and_round_trips(birth_date, sex, serial):
    iin = make_iin(birth_date, sex, serial)
    assert validate_iin(iin) == IinResult(valid=True, birth_date=birth_date, sex=sex)
    assert iin == make_iin(birth_date, sex, serial)


def test_the_11th_digit_is_not_protected_by_the_first_pass():
    # Weight 11 is 0 mod 11: 900101300007 and 900101300017 are both valid.
    assert first_sum("900101300007") != 10
    assert validate_iin("900101300017").valid


@given(birth_dates, sexes, iin_serials, st.integers(0, 11), st.integers(1, 9))
def test_single_digit_change(birth_date, sex, serial, position, shift):
    """What the ИИН check digit guarantees against one wrong digit -- exactly.

    - the check digit (12th): always caught;
    - the 11th digit: caught if and only if the first sum was 10 (only the second weights
      give it a non-zero weight, 2);
    - digits 1-10: caught unless the first sum is 10 before or after the change.
    """
    iin = make_iin(birth_date, sex, serial)
    new_digit = (int(iin[position]) + shift) % 10
    mutated = f"{iin[:position]}{new_digit}{iin[position + 1 :]}"
    caught = not validate_iin(mutated).valid
    if position == 11:
        assert caught
    elif position == 10:
        assert caught == (first_sum(iin) == 10)
    elif first_sum(iin) != 10 and first_sum(mutated) != 10:
        assert caught


# --- БИН -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "971240001315",  # published БИНs of two large Kazakh banks
        "940140000385",
        make_bin(2024, 5, 1),
        make_bin(2001, 12, 99999, kind=5),
        make_bin(2019, 1, 0, kind=6, division=3),
    ],
)
def test_bin_valid(value):
    assert validate_bin(value) is None


def test_make_bin_layout():
    assert make_bin(2024, 5, 1) == "240540000016"
    value = make_bin(1998, 11, 12345, kind=5, division=1)
    assert value[:6] == "981151"
    assert value[6:11] == "12345" or check_digit("981151" + "12345") is None


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("", BIN_LENGTH),
        ("24054000001", BIN_LENGTH),
        ("2405400000160", BIN_LENGTH),
        ("24054000001x", BIN_LENGTH),
        (None, BIN_LENGTH),
        ("240040000016", BIN_FORMAT),  # month 00
        ("241340000016", BIN_FORMAT),  # month 13
        ("240530000016", BIN_FORMAT),  # kind 3
        ("240570000016", BIN_FORMAT),  # kind 7
        ("240544000016", BIN_FORMAT),  # division 4
        ("240540000017", BIN_CHECKSUM),
        ("971240001316", BIN_CHECKSUM),
    ],
)
def test_bin_errors(value, error):
    assert validate_bin(value) == error


@pytest.mark.parametrize(
    "kwargs",
    [
        {"year": 2024, "month": 0, "serial": 1},
        {"year": 2024, "month": 13, "serial": 1},
        {"year": 2024, "month": 1, "serial": 1, "kind": 7},
        {"year": 2024, "month": 1, "serial": 1, "division": 4},
        {"year": 2024, "month": 1, "serial": 100000},
        {"year": 2024, "month": 1, "serial": -1},
    ],
)
def test_make_bin_rejects_bad_input(kwargs):
    with pytest.raises(ValueError):
        make_bin(**kwargs)


@given(
    st.integers(1990, 2099),
    st.integers(1, 12),
    st.integers(0, 99999),
    st.sampled_from([4, 5, 6]),
    st.sampled_from([0, 1, 2, 3]),
)
def test_make_bin_always_validates(year, month, serial, kind, division):
    value = make_bin(year, month, serial, kind=kind, division=division)
    assert validate_bin(value) is None
    assert value[:6] == f"{year % 100:02d}{month:02d}{kind}{division}"


# --- IBAN KZ -------------------------------------------------------------------------------

REGISTRY_EXAMPLE = "KZ86125KZT5004100100"  # the SWIFT IBAN registry's example for Kazakhstan


def test_iban_registry_example():
    assert validate_iban_kz(REGISTRY_EXAMPLE) is None
    assert make_iban_kz("125", "KZT5004100100") == REGISTRY_EXAMPLE


def test_iban_is_normalised_before_checking():
    printed = "kz86 125k zt50 0410 0100"
    assert normalize_iban(printed) == REGISTRY_EXAMPLE
    assert normalize_iban("KZ86\t125KZT5004100100\n") == REGISTRY_EXAMPLE
    assert validate_iban_kz(printed) is None


def test_make_iban_pads_the_account():
    iban = make_iban_kz("722", "s123")
    assert iban[4:] == "722000000000S123"
    assert len(iban) == 20
    assert validate_iban_kz(iban) is None


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("", IBAN_FORMAT),
        (None, IBAN_FORMAT),
        ("DE89370400440532013000", IBAN_FORMAT),  # a valid German IBAN is not a KZ one
        ("KZ86125KZT500410010", IBAN_FORMAT),  # 19 characters
        ("KZ86125KZT50041001000", IBAN_FORMAT),  # 21 characters
        ("KZ8A125KZT5004100100", IBAN_FORMAT),  # letter in the check digits
        ("KZ861A5KZT5004100100", IBAN_FORMAT),  # letter in the bank code
        ("KZ86125KZT500410010-", IBAN_FORMAT),
        ("KZ86125KZT50041001ß0", IBAN_FORMAT),  # upper-cases to two letters ("SS")
        ("KZ86125KZT500410010Ä", IBAN_FORMAT),  # non-ASCII letter
        ("KZ87125KZT5004100100", IBAN_CHECKSUM),
        ("KZ86125KZT5004100101", IBAN_CHECKSUM),
    ],
)
def test_iban_errors(value, error):
    assert validate_iban_kz(value) == error


@pytest.mark.parametrize(
    ("bank_code", "account"),
    [("12", "1"), ("1234", "1"), ("12a", "1"), ("125", ""), ("125", "1" * 14), ("125", "12-3")],
)
def test_make_iban_rejects_bad_input(bank_code, account):
    with pytest.raises(ValueError):
        make_iban_kz(bank_code, account)


bank_codes = st.text(string.digits, min_size=3, max_size=3)
accounts = st.text(string.digits + string.ascii_uppercase, min_size=1, max_size=13)


@given(bank_codes, accounts)
def test_make_iban_always_validates(bank_code, account):
    iban = make_iban_kz(bank_code, account)
    assert validate_iban_kz(iban) is None
    assert iban[4:7] == bank_code


@given(bank_codes, accounts, st.data())
def test_iban_same_kind_substitution_is_always_caught(bank_code, account, data):
    # Mod 97 catches every substitution of a digit by a digit or a letter by a letter:
    # the number changes by (a - b) * 10^k with 0 < |a - b| < 97, and 97 is prime.
    iban = make_iban_kz(bank_code, account)
    position = data.draw(st.integers(2, 19))
    old = iban[position]
    alphabet = string.digits if old.isdigit() else string.ascii_uppercase
    new = data.draw(st.sampled_from(alphabet).filter(lambda c: c != old))
    mutated = f"{iban[:position]}{new}{iban[position + 1 :]}"
    assert validate_iban_kz(mutated) is not None


def test_iban_digit_letter_substitution_can_slip_through():
    # A letter stands for two digits, so swapping a digit for a letter shifts the rest of
    # the number; about one such change in 97 keeps the remainder 1. Honest counterexample:
    assert validate_iban_kz("KZ86125KZTQ004100100") is None  # '5' -> 'Q' at position 10


@given(bank_codes, accounts, st.data())
def test_iban_any_substitution_in_fixed_digit_fields_is_caught(bank_code, account, data):
    # Country code, check digits and bank code admit no letters-for-digits games:
    # a change there is a format error or a digit-for-digit change.
    iban = make_iban_kz(bank_code, account)
    position = data.draw(st.integers(0, 6))
    new = data.draw(st.sampled_from(string.digits + string.ascii_uppercase))
    assume(new != iban[position])
    mutated = f"{iban[:position]}{new}{iban[position + 1 :]}"
    assert validate_iban_kz(mutated) is not None
