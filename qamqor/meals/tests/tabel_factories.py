"""Shared set-up of the табель, payment and daily-report tests.

School A runs an October 2026 programme: lunch at 800 ₸ with a 75 % state share (600 ₸ paid
by the state) and a free breakfast at 500 ₸. Meal days are October's working days: the 26th
(Republic Day moved from Sunday the 25th) is a holiday. Vouchers and scans are created
directly, as the canteen API would leave them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from qamqor.core import ids
from qamqor.core.workdays import get_calendar
from qamqor.meals.models import (
    MealDay,
    MealType,
    Operator,
    Programme,
    ProgrammeMeal,
    Redemption,
    Voucher,
)
from qamqor.testing import PersonaTestCase

ALMATY = ZoneInfo("Asia/Almaty")
SEP = dt.date(2026, 9, 1)
OCT = dt.date(2026, 10, 1)
NOV = dt.date(2026, 11, 1)
HOLIDAY = dt.date(2026, 10, 26)
LUNCH, BREAKFAST = MealType.LUNCH.value, MealType.BREAKFAST.value


def at(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ALMATY)


def working_days(month: dt.date) -> list[dt.date]:
    calendar, day, days = get_calendar(), month, []
    while day.month == month.month:
        if calendar.is_working_day(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def make_operator(n: int = 1, name: str = "«Социум пит» ЖШС") -> Operator:
    return Operator.objects.create(
        name_kk=name,
        name_ru=name,
        bin=ids.make_bin(2011, n, 40 + n),
        iban=ids.make_iban_kz("722", f"{n:013d}"),
    )


def make_programme(school, month: dt.date, operator: Operator, meals=None) -> Programme:  # noqa: ANN001
    programme = Programme.objects.create(
        school=school,
        month=month,
        operator=operator,
        contract_number="17/2026",
        contract_date=dt.date(2026, 8, 20),
    )
    for meal_type, price, share in meals or [(LUNCH, 800, 75), (BREAKFAST, 500, 100)]:
        ProgrammeMeal.objects.create(
            programme=programme, meal_type=meal_type, price=price, state_share=share
        )
    MealDay.objects.bulk_create(MealDay(programme=programme, date=d) for d in working_days(month))
    return programme


def make_voucher(
    pupil,  # noqa: ANN001
    month: dt.date = OCT,
    meal_type: str = LUNCH,
    status: str = Voucher.Status.ACTIVE,
    activated_at: dt.datetime | None = None,
) -> Voucher:
    active = status != Voucher.Status.FORMED
    return Voucher.objects.create(
        school_id=pupil.school_id,
        pupil=pupil,
        month=month,
        meal_type=meal_type,
        status=status,
        activated_at=(activated_at or at(month, 8)) if active else None,
    )


def scan(
    voucher: Voucher,
    day: dt.date,
    status: str = Redemption.Status.SERVED,
    received_at: dt.datetime | None = None,
    terminal: str = "door-1",
) -> Redemption:
    code = {"served": "", "refused": "voucher_inactive", "conflict": "already_served_today"}
    return Redemption.objects.create(
        client_id=uuid.uuid4(),
        school_id=voucher.school_id,
        voucher=voucher,
        pupil_id=voucher.pupil_id,
        meal_type=voucher.meal_type,
        day=day,
        status=status,
        code=code[status],
        terminal=terminal,
        scanned_at=at(day),
        received_at=received_at or at(day, 12, 1),
    )


class TabelCase(PersonaTestCase):
    """October 2026 at school A: three pupils on lunch, one on breakfast too, scans."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.operator = make_operator()
        cls.programme = make_programme(cls.school, OCT, cls.operator)
        cls.days = working_days(OCT)
        cls.lunch = {p.pk: make_voucher(p) for p in (cls.pupil, cls.sibling, cls.stranger)}
        cls.breakfast = make_voucher(cls.pupil, meal_type=BREAKFAST)
        # The pupil eats lunch every meal day, the sibling on the first ten, the stranger
        # never (absent all month: still on the табель, with a zero row).
        for day in cls.days:
            scan(cls.lunch[cls.pupil.pk], day)
        for day in cls.days[:10]:
            scan(cls.lunch[cls.sibling.pk], day)
        for day in cls.days[:3]:
            scan(cls.breakfast, day)
        # Never paid: a refusal and a second terminal's conflicting scan of a served meal.
        scan(cls.lunch[cls.stranger.pk], cls.days[0], Redemption.Status.REFUSED)
        scan(cls.lunch[cls.pupil.pk], cls.days[0], Redemption.Status.CONFLICT, terminal="door-2")
        # Across the month boundary: September 30 and November 2 are other months' meals.
        scan(make_voucher(cls.pupil, SEP), dt.date(2026, 9, 30))
        scan(make_voucher(cls.pupil, NOV), dt.date(2026, 11, 2))
        # School B's meal in October is school B's.
        scan(make_voucher(cls.other_pupil), cls.days[0])

    def setUp(self) -> None:
        super().setUp()
        # Pages in English: the assertions read the source strings.
        self.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    # What the fixture served in October at school A.
    LUNCH_MEALS = 21 + 10
    BREAKFAST_MEALS = 3
