"""The JSON API of the meal reports: the daily report and the табель's totals.

Mounted under /api/v1/ by qamqor/api.py (`from qamqor.meals.api.meal_reports import router`).
The same services as the pages. Both answers carry counts, never names, so the school's
readers and its canteen operator may call them (`school_for_counts`); 404 `not_found`
otherwise, as on the pages.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Router, Schema

from qamqor.accounts.types import ApiRequest
from qamqor.core.api import ErrorOut
from qamqor.core.clock import today
from qamqor.core.errors import ServiceError

from ..services.daily_report import daily_report, school_for_counts
from ..services.tabel import parse_month, tabel_summary

router = Router(tags=["meal reports"])


class DailyRowOut(Schema):
    class_id: int | None
    class_label: str
    meal_type: str
    vouchers_active: int
    meals_served: int


class DailyReportOut(Schema):
    school: int
    date: dt.date
    generated_at: dt.datetime | None
    vouchers_active: int
    meals_served: int
    rows: list[DailyRowOut]


class TabelDayOut(Schema):
    date: dt.date
    meals: int


class TabelMealOut(Schema):
    meal_type: str
    pupils: int
    meals: int
    state_price: int
    amount: int


class TabelOut(Schema):
    school: int
    month: str
    pupils: int
    meals: int
    amount: int
    submitted: bool
    submitted_at: dt.datetime | None
    late: bool
    deadline: dt.date
    days: list[TabelDayOut]
    per_meal: list[TabelMealOut]


@router.get(
    "/meals/daily-report",
    response={200: DailyReportOut, 404: ErrorOut},
    summary="Daily meal report of a school",
)
def meals_daily_report(request: ApiRequest, school: int, date: dt.date | None = None):
    """Vouchers active and meals served on `date` (default today) per class and meal type.

    The stored report of the day when it was generated (`generated_at`), else the live
    figures (`generated_at: null`).
    """
    day = date or today()
    school_obj = school_for_counts(request.auth, school, day)
    report = daily_report(school_obj, day)
    return {
        "school": school_obj.pk,
        "date": day,
        "generated_at": report.generated_at,
        "vouchers_active": report.vouchers_active,
        "meals_served": report.meals_served,
        "rows": report.lines,  # DailyRowOut reads its fields off each line
    }


@router.get(
    "/meals/tabel",
    response={200: TabelOut, 404: ErrorOut},
    summary="Totals of a school's monthly табель",
)
def meals_tabel(request: ApiRequest, school: int, month: str):
    """The табель of `month` (YYYY-MM) in numbers, reflecting recorded amendments.

    ```
    {"school": 12, "month": "2026-10",
     "pupils": 1982,          # pupils with at least one meal
     "meals": 41380,          # meals served (status served only) ± amendments
     "amount": 24828000,      # tenge: meals × state price, summed over meal types
     "submitted": true, "submitted_at": "2026-11-04T10:12:00+05:00", "late": false,
     "deadline": "2026-11-05",
     "days": [{"date": "2026-10-01", "meals": 1893}, ...],   # every meal day, in order
     "per_meal": [{"meal_type": "lunch", "pupils": 1982, "meals": 41380,
                   "state_price": 600, "amount": 24828000}]}
    ```
    `days` lists every meal day of the programme (0 when nobody ate), plus any day with a
    meal outside them. Refused and conflicting scans are never counted.
    """
    first = parse_month(month)
    if first is None:
        raise ServiceError("month_invalid", _("The month must look like 2026-10."))
    school_obj = school_for_counts(request.auth, school, first)
    s = tabel_summary(school_obj, first)
    return {
        "school": school_obj.pk,
        "month": f"{first:%Y-%m}",
        "pupils": s.pupils,
        "meals": s.meals,
        "amount": s.amount,
        "submitted": s.submission is not None,
        "submitted_at": s.submission.submitted_at if s.submission else None,
        "late": bool(s.submission and s.submission.late),
        "deadline": s.deadline,
        "days": [{"date": d, "meals": n} for d, n in s.days],
        "per_meal": s.per_meal,  # TabelMealOut reads its fields off each MealTotals
    }
