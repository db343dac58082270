"""Django validators over the pure identifier checks in `ids`, and the one check of typed text
for control characters, with translated messages."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import ids

MESSAGES = {
    "iin_length": _("An IIN is exactly 12 digits."),
    "iin_date": _("The first digits of the IIN are not a valid birth date and century."),
    "iin_checksum": _("The IIN check digit is wrong: the number has a typo."),
    "bin_length": _("A BIN is exactly 12 digits."),
    "bin_format": _("The BIN is not in the format of a Kazakh business identification number."),
    "bin_checksum": _("The BIN check digit is wrong: the number has a typo."),
    "iban_format": _("A Kazakh IBAN is KZ, 2 check digits, a 3-digit bank code and 13 characters."),
    "iban_checksum": _("The IBAN check digits are wrong: the account number has a typo."),
    "iin_birth_date_mismatch": _("The birth date does not agree with the IIN."),
    "iin_sex_mismatch": _("The sex does not agree with the IIN."),
    "iin_duplicate": _("A pupil with this IIN is already registered."),
    "class_unknown": _("There is no such class in this school."),
    "family_unknown": _("There is no such family in this school."),
    "status_unknown": _("Unknown status."),
    "control_characters": _(
        "The text has an invisible control character (they come with text copied from some "
        "programs). Delete it and type the text again."
    ),
}

# Text a person types holds no control characters: they are invisible, and a spreadsheet
# cannot even store most of them (one surname with U+0018 once broke every export of its
# school). Multi-line text may hold tabs and line breaks. Also refused: C1 controls, DEL,
# lone surrogates and the non-characters U+FFFE/U+FFFF.
_CONTROL_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def has_control_characters(value: str, multiline: bool = False) -> bool:
    pattern = _CONTROL_MULTILINE if multiline else _CONTROL_SINGLE_LINE
    return bool(value) and pattern.search(value) is not None


def validate_single_line(value: str) -> None:
    """For one-line text (names, addresses, phones): no control character at all."""
    if has_control_characters(value):
        raise ValidationError(MESSAGES["control_characters"], code="control_characters")


def validate_multiline(value: str) -> None:
    """For multi-line text (notes, comments): tabs and line breaks, no other control."""
    if has_control_characters(value, multiline=True):
        raise ValidationError(MESSAGES["control_characters"], code="control_characters")


def message_for(code: str) -> str:
    return str(MESSAGES.get(code, code))


def validate_iin(value: str) -> None:
    result = ids.validate_iin(value or "")
    if not result.valid:
        raise ValidationError(message_for(result.error or "iin_checksum"), code="iin_invalid")


def validate_bin(value: str) -> None:
    error = ids.validate_bin(value or "")
    if error:
        raise ValidationError(MESSAGES[error], code="bin_invalid")


def validate_iban(value: str) -> None:
    error = ids.validate_iban_kz(value or "")
    if error:
        raise ValidationError(MESSAGES[error], code="iban_invalid")
