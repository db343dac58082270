"""The demo school's free meals: last month fully served, this month's list verified.

Issue 3's demo: the programme (lunch; grades 1–4 universal; grades 5–11 by category), the
previous and the current month's lists formed, approved and verified through the real
services (with the sandbox state registry's failures), vouchers issued, and the canteen's
scans of the previous month and of this month up to yesterday, with realistic absences and
a few offline duplicates and refusals, so that the табель, the daily report and the payment
statement mean something. Deterministic: the same rows on every load.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q

from qamqor.core.clock import today
from qamqor.meals.models import (
    ListEntry,
    MealDay,
    MonthlyList,
    Operator,
    Redemption,
    Voucher,
    first_of_month,
)
from qamqor.meals.services.daily_report import build_daily_report
from qamqor.meals.services.lists import approve_list, form_list, submit_list
from qamqor.meals.services.programme import MealSpec, previous_month, save_programme
from qamqor.meals.services.vouchers import issue_vouchers, notify_parents
from qamqor.meals.verification import advance_verification
from qamqor.registry.models import School

ALMATY = ZoneInfo("Asia/Almaty")
LUNCH_PRICE = 650  # ₸ per lunch, paid in full by the state (free meals)
BATCH = 2000


def load_meals(
    school: School, organisation: Any, pedagog: Any, director: Any, canteen: Any
) -> dict[str, int]:
    """Everything of issue 3's demo for `school`; returns counts for the loader's summary."""
    operator, _created = Operator.objects.get_or_create(
        bin=organisation.bin,
        defaults={
            "name_kk": organisation.name_kk,
            "name_ru": organisation.name_ru,
            "iban": organisation.iban,
            "address": organisation.address_kk,
        },
    )
    current = first_of_month(today())
    months = [previous_month(current), current]
    lists = []
    for month in months:
        save_programme(
            pedagog, school, month, operator=operator,
            meals=[MealSpec("lunch", LUNCH_PRICE, 100)],
            contract_number=organisation.contract_number,
            contract_date=organisation.contract_date,
        )  # fmt: skip
        lst = form_list(pedagog, school, month)
        submit_list(pedagog, lst)
        approve_list(director, lst, "")
        while lst.status != MonthlyList.Status.VERIFIED:
            lst = advance_verification(lst.pk, budget=None)
        issue_vouchers(pedagog, lst)
        notify_parents(pedagog, lst)
        lists.append(lst)
    served = 0
    rng = random.Random(2026)
    yesterday = today() - dt.timedelta(days=1)
    for lst in lists:
        served += _serve_month(lst, rng, canteen, until=yesterday)
    days = (
        MealDay.objects.filter(programme__school=school, date__lte=yesterday)
        .values_list("date", flat=True)
        .order_by("date")
    )
    for day in days:
        build_daily_report(school, day)
    return {"meal_lists": len(lists), "meals_served": served}


def _serve_month(lst: MonthlyList, rng: random.Random, canteen: Any, until: dt.date) -> int:
    """Scans of every meal day up to `until`: most children eat, some are absent."""
    days = list(
        lst.programme.days.filter(date__lte=until).values_list("date", flat=True).order_by("date")
    )
    vouchers = list(
        Voucher.objects.filter(school_id=lst.school_id, month=lst.month)
        .filter(Q(entry__isnull=True) | Q(entry__verification=ListEntry.Verification.VERIFIED))
        .select_related("pupil__school_class")
        .order_by("pk")
    )
    rows: list[Redemption] = []
    served = 0
    for voucher in vouchers:
        # Each child has their own habit: most are nearly always there, a few often absent.
        attendance = rng.choice([0.97, 0.96, 0.95, 0.93, 0.9, 0.8])
        shift = voucher.pupil.school_class.shift if voucher.pupil.school_class else 1
        for day in days:
            if rng.random() > attendance:
                continue
            scanned = _lunch_time(day, shift, rng)
            terminal = rng.choice(["Терминал 1", "Терминал 2"])
            rows.append(_scan(voucher, day, scanned, terminal, canteen, rng))
            served += 1
            if rng.random() < 0.0015:
                # The same child scanned again at the other terminal while it was offline:
                # recorded as a conflict, never counted (the табель and payment skip it).
                other = "Терминал 2" if terminal == "Терминал 1" else "Терминал 1"
                conflict = _scan(voucher, day, scanned + dt.timedelta(seconds=40), other,
                                 canteen, rng)  # fmt: skip
                conflict.status = Redemption.Status.CONFLICT
                conflict.code = "already_served_today"
                rows.append(conflict)
    for i in range(0, len(rows), BATCH):
        Redemption.objects.bulk_create(rows[i : i + BATCH])
    return served


def _lunch_time(day: dt.date, shift: int, rng: random.Random) -> dt.datetime:
    # First shift eats in the long breaks before 13:00, the second shift after 13:30.
    start = dt.time(11, 20) if shift == 1 else dt.time(13, 40)
    moment = dt.datetime.combine(day, start, tzinfo=ALMATY)
    return moment + dt.timedelta(seconds=rng.randrange(0, 75 * 60))


def _scan(
    voucher: Voucher,
    day: dt.date,
    scanned: dt.datetime,
    terminal: str,
    canteen: Any,
    rng: random.Random,
) -> Redemption:
    return Redemption(
        client_id=uuid.UUID(int=rng.getrandbits(128), version=4),
        school_id=voucher.school_id,
        voucher=voucher,
        pupil_id=voucher.pupil_id,
        meal_type=voucher.meal_type,
        day=day,
        status=Redemption.Status.SERVED,
        terminal=terminal,
        operator_user_id=canteen.pk if canteen else None,
        scanned_at=scanned,
        received_at=scanned + dt.timedelta(seconds=rng.randrange(1, 5)),
        token_id=f"{rng.getrandbits(64):016x}",
    )
