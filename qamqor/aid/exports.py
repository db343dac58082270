"""The payment register as files: XLSX for the school's records and a CSV register for the bank.

The bank's CSV (docs/aid.md, "The bank register"): one line per payment, in this order —
№; recipient's full name; recipient's IIN; IBAN; amount (whole tenge, digits only); purpose of
payment (Kazakh / Russian). UTF-8 with a byte-order mark and ';' between fields: Kazakh
letters (ә ғ қ ң ө ұ ү һ і) are not in Windows-1251, so the file must be UTF-8, and Excel on a
Windows machine set to Kazakh or Russian opens a CSV correctly only when the BOM announces
UTF-8 and splits fields on ';' (the list separator there, since ',' is the decimal comma).
Only ready lines are written; blocked ones are listed on the XLSX's second sheet.
"""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from qamqor.core.tabular import csv_bytes, sheet_from_rows, workbook, xlsx_bytes

from .models import PaymentLine, PaymentRegister

CSV_COLUMNS_KK = ["№", "Алушының аты-жөні", "ЖСН", "IBAN", "Сомасы", "Төлем мақсаты"]
CSV_COLUMNS_RU = ["№", "ФИО получателя", "ИИН", "IBAN", "Сумма", "Назначение платежа"]


def payment_purpose(register: PaymentRegister) -> str:
    """The purpose the bank prints on the family's statement: Kazakh, then Russian."""
    return (
        f"Жалпыға бірдей білім беру қорынан материалдық көмек, {register.year} ж., "
        f"тізілім № {register.pk} / "
        f"Материальная помощь из фонда всеобуча за {register.year} г., реестр № {register.pk}"
    )


def ready_lines(register: PaymentRegister) -> list[PaymentLine]:
    return list(register.lines.filter(problem="").order_by("recipient_name", "id"))


def register_csv(register: PaymentRegister) -> bytes:
    purpose = payment_purpose(register)
    head = [f"{kk} / {ru}" for kk, ru in zip(CSV_COLUMNS_KK, CSV_COLUMNS_RU, strict=True)]
    lines = (
        [n, line.recipient_name, line.recipient_iin, line.iban, line.amount, purpose]
        for n, line in enumerate(ready_lines(register), start=1)
    )
    return csv_bytes([head, *lines])


def register_xlsx(register: PaymentRegister) -> bytes:
    wb = workbook()
    ws = wb.active
    ws.title = _("Register")[:31]
    state = (
        _("paid on %(date)s") % {"date": date_format(register.paid_on, "d.m.Y")}
        if register.paid_on
        else _("not paid yet")
    )
    lines = ready_lines(register)
    sheet_from_rows(
        ws,
        (
            [
                n,
                line.recipient_name,
                line.recipient_iin,
                line.iban,
                line.amount,
                line.pupil.full_name,
                str(line.pupil.school_class or ""),
            ]
            for n, line in enumerate(lines, start=1)
        ),
        title=[
            _("Payment register № %(number)s · %(school)s")
            % {"number": register.pk, "school": register.school.name},
            _("Universal education fund aid, %(year)s: %(amount)s ₸ per child; %(state)s")
            % {"year": register.year, "amount": register.amount_per_child, "state": state},
        ],
        header=[
            _("№"),
            _("Recipient"),
            _("IIN"),
            _("IBAN"),
            _("Amount, ₸"),
            _("Pupil"),
            _("Class"),
        ],
        total=[None, _("Total"), None, None, sum(ln.amount for ln in lines)],
        widths=(6, 40, 15, 26, 12, 36, 8),
    )
    blocked = list(register.lines.exclude(problem="").select_related("pupil"))
    if blocked:
        sheet_from_rows(
            wb.create_sheet(_("Not paid")[:31]),
            (
                [line.pupil.full_name, line.recipient_name, str(line.get_problem_display())]
                for line in blocked
            ),
            header=[_("Pupil"), _("Recipient"), _("Why it cannot be paid")],
            widths=(36, 36, 60),
        )
    return xlsx_bytes(wb)


def filename(register: PaymentRegister, extension: str) -> str:
    return f"aid-register-{register.pk}-{register.school.bin}.{extension}"
