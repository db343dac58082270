"""A canteen day for the scanner's tests: school A's programme this month with today as a
meal day, run by the operator of the canteen personas; active lunch vouchers; QR tokens,
valid, expired and forged."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import base45
import cbor2
from nacl.signing import SigningKey

from qamqor.accounts.models import Membership, Role
from qamqor.core import ids
from qamqor.core.clock import now, today
from qamqor.meals.models import (
    MealDay,
    MealType,
    Operator,
    Programme,
    ProgrammeMeal,
    PupilRef,
    Voucher,
    first_of_month,
)
from qamqor.meals.tokens import issue_token
from qamqor.testing import make_pupil, make_user

# Kazakh first names for a class of pupils (the roster shows first name and initial).
NAMES = (
    "Әлихан Айару Бекзат Дана Ерасыл Жания Ілияс Камила Мирас Назерке "
    "Нұрсұлтан Томирис Санжар Аяулым Темірлан Інжу Арнұр Меруерт Дамир Әсем "
    "Ернар Аружан Бауыржан Гүлнұр"
).split()


def make_operator(n: int = 1, name: str = "Социум пит") -> Operator:
    return Operator.objects.create(name_kk=name, name_ru=name, bin=ids.make_bin(2010, n, n))


def make_voucher(pupil, month: dt.date, status: str = Voucher.Status.ACTIVE) -> Voucher:  # noqa: ANN001
    PupilRef.objects.get_or_create(pupil=pupil)
    return Voucher.objects.create(
        school_id=pupil.school_id,
        pupil=pupil,
        month=month,
        meal_type=MealType.LUNCH,
        status=status,
        activated_at=now() if status == Voucher.Status.ACTIVE else None,
    )


def canteen_day(data: SimpleNamespace, pupils: int = 0, meal_day: bool = True) -> SimpleNamespace:
    """On top of PersonaTestCase's data: the programme, today as a meal day, the canteen
    personas' operator (and a second terminal user, canteen2), vouchers for the pupil, the
    sibling, the stranger (suspended) and `pupils` more in class 3А."""
    day = today()
    data.day = day
    data.month = first_of_month(day)
    data.operator = make_operator(1)
    Membership.objects.filter(user=data.canteen, role=Role.CANTEEN).update(
        organisation=data.operator.name_kk, organisation_bin=data.operator.bin
    )
    data.canteen2 = make_user("canteen2", Role.CANTEEN, data.school)
    Membership.objects.filter(user=data.canteen2).update(organisation_bin=data.operator.bin)
    data.programme = Programme.objects.create(
        school=data.school, month=data.month, operator=data.operator
    )
    ProgrammeMeal.objects.create(programme=data.programme, meal_type=MealType.LUNCH, price=900)
    if meal_day:
        MealDay.objects.create(programme=data.programme, date=day)
    data.voucher = make_voucher(data.pupil, data.month)  # Аружан А., 3А
    data.sibling_voucher = make_voucher(data.sibling, data.month)  # Нұрлан А., 7Б
    data.suspended = make_voucher(data.stranger, data.month, Voucher.Status.SUSPENDED)
    data.class_vouchers = []
    for i in range(pupils):
        pupil = make_pupil(
            data.school,
            data.klass,
            surname=f"Тестов{i:02d}",
            name=NAMES[i % len(NAMES)],
            birth_date=dt.date(2016, 1, 1) + dt.timedelta(days=i),
        )
        data.class_vouchers.append(make_voucher(pupil, data.month))
    return data


def qr(voucher: Voucher, at: dt.datetime | None = None) -> str:
    ref = PupilRef.objects.get(pupil_id=voucher.pupil_id).ref
    return issue_token(
        school_id=voucher.school_id,
        pupil_ref=ref,
        voucher_id=voucher.pk,
        meal_type=voucher.meal_type,
        now=at or now(),
    ).text


def expired_qr(voucher: Voucher) -> str:
    """Issued 10 minutes ago: it lived 5."""
    return qr(voucher, now() - dt.timedelta(minutes=10))


def forged_qr(voucher: Voucher) -> str:
    """The school's kid and a well-formed token, signed with somebody else's key."""
    genuine = cbor2.loads(base45.b45decode(qr(voucher)))
    protected, unprotected, payload, _signature = genuine.value
    to_be_signed = cbor2.dumps(["Signature1", protected, b"", payload])
    signature = SigningKey.generate().sign(to_be_signed).signature
    forged = cbor2.CBORTag(18, [protected, unprotected, payload, signature])
    return base45.b45encode(cbor2.dumps(forged)).decode("ascii")
