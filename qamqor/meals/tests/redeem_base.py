"""Shared set-up of the redemption tests: an operator running school A's programme for
November and December 2026, active vouchers, canteen terminal tokens, a frozen clock."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from zoneinfo import ZoneInfo

import time_machine

from qamqor.accounts.models import Membership, Role
from qamqor.accounts.tokens import issue_token as issue_api_token
from qamqor.core import ids, signing
from qamqor.core.workdays import get_calendar
from qamqor.meals.models import (
    MealDay,
    MealType,
    Operator,
    Programme,
    ProgrammeMeal,
    PupilRef,
    Redemption,
    Voucher,
)
from qamqor.meals.tokens import issue_token
from qamqor.testing import PersonaTestCase, make_user

ALMATY = ZoneInfo("Asia/Almaty")
NOV = dt.date(2026, 11, 1)
DEC = dt.date(2026, 12, 1)
# A Friday of November 2026, lunch time at the school.
NOW = dt.datetime(2026, 11, 20, 12, 30, tzinfo=ALMATY)
URL = "/api/v1/canteen/redemptions"
BATCH_URL = "/api/v1/canteen/redemptions/batch"


def make_operator(n: int, name: str = "Социум пит") -> Operator:
    return Operator.objects.create(name_kk=name, name_ru=name, bin=ids.make_bin(2010, n, n))


def make_programme(school, month: dt.date, operator: Operator) -> Programme:  # noqa: ANN001
    """A programme whose meal days are the month's working days (holidays excluded)."""
    programme = Programme.objects.create(school=school, month=month, operator=operator)
    ProgrammeMeal.objects.create(programme=programme, meal_type=MealType.LUNCH, price=900)
    calendar = get_calendar()
    day, days = month, []
    while day.month == month.month:
        if calendar.is_working_day(day):
            days.append(MealDay(programme=programme, date=day))
        day += dt.timedelta(days=1)
    MealDay.objects.bulk_create(days)
    return programme


def make_voucher(pupil, month: dt.date, status: str = Voucher.Status.ACTIVE) -> Voucher:  # noqa: ANN001
    PupilRef.objects.get_or_create(pupil=pupil)
    return Voucher.objects.create(
        school_id=pupil.school_id,
        pupil=pupil,
        month=month,
        meal_type=MealType.LUNCH,
        status=status,
        activated_at=NOW if status == Voucher.Status.ACTIVE else None,
    )


class RedeemCase(PersonaTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.operator = make_operator(1)
        cls.rival = make_operator(2, "Басқа ас")
        Membership.objects.filter(user=cls.canteen, role=Role.CANTEEN).update(
            organisation=cls.operator.name_kk, organisation_bin=cls.operator.bin
        )
        # A second terminal of the same operator and school, and one of school B.
        cls.canteen2 = make_user("canteen2", Role.CANTEEN, cls.school)
        Membership.objects.filter(user=cls.canteen2).update(organisation_bin=cls.operator.bin)
        cls.canteen_b = make_user("canteen_b", Role.CANTEEN, cls.other_school)
        Membership.objects.filter(user=cls.canteen_b).update(organisation_bin=cls.rival.bin)
        for month in (NOV, DEC):
            make_programme(cls.school, month, cls.operator)
        make_programme(cls.other_school, NOV, cls.rival)
        cls.voucher = make_voucher(cls.pupil, NOV)  # 3А, Аружан Ахметова
        cls.voucher_dec = make_voucher(cls.pupil, DEC)
        cls.sibling_voucher = make_voucher(cls.sibling, NOV)
        cls.stranger_voucher = make_voucher(cls.stranger, NOV)
        cls.other_voucher = make_voucher(cls.other_pupil, NOV)  # school B
        cls.key = issue_api_token(cls.canteen, label="terminal 1")
        cls.key2 = issue_api_token(cls.canteen2, label="terminal 2")
        cls.key_b = issue_api_token(cls.canteen_b, label="school B")
        cls.pedagog_key = issue_api_token(cls.pedagog)

    def setUp(self) -> None:
        super().setUp()
        signing.invalidate_cache()
        self.addCleanup(signing.invalidate_cache)
        traveller = time_machine.travel(NOW, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    # --- helpers -----------------------------------------------------------------------

    def qr(self, voucher: Voucher, at: dt.datetime | None = None, **kw) -> str:  # noqa: ANN003
        ref = PupilRef.objects.get(pupil_id=voucher.pupil_id).ref
        return issue_token(
            school_id=voucher.school_id,
            pupil_ref=ref,
            voucher_id=voucher.pk,
            meal_type=voucher.meal_type,
            now=at or NOW,
            **kw,
        ).text

    def scan(
        self,
        voucher: Voucher | None = None,
        *,
        token: str | None = None,
        at: dt.datetime | None = None,
        issued: dt.datetime | None = None,
        client_id: uuid.UUID | None = None,
        key: str | None = None,
        terminal: str = "door 1",
    ) -> dict:
        at = at or NOW
        return {
            "token": token if token is not None else self.qr(voucher, issued or at),  # type: ignore[arg-type]
            "client_id": str(client_id or uuid.uuid4()),
            "terminal": terminal,
            "scanned_at": at.isoformat(),
        }

    def post(self, body: dict, key: str | None = None, url: str = URL):  # noqa: ANN201
        return self.client.post(
            url,
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {key or self.key}"},
        )

    def redeem(self, voucher: Voucher | None = None, key: str | None = None, **kw):  # noqa: ANN003, ANN201
        return self.post(self.scan(voucher, **kw), key=key)

    def batch(self, scans: list[dict], key: str | None = None):  # noqa: ANN201
        return self.post({"scans": scans}, key=key, url=BATCH_URL)

    def served(self, voucher: Voucher) -> int:
        return Redemption.objects.filter(voucher=voucher, status=Redemption.Status.SERVED).count()
