"""Django validators over the pure identifier checks in `ids`, with translated messages."""

from __future__ import annotations

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
}


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
