"""The monthly табель (seed 004, step 8), its submission and amendments, and what it pays.

The табель is the grid of meals actually served: the month's scans with status `served`
(never a refusal or a conflict), one mark per pupil, meal type and day. While the month is
open the grid is live. Once the pedagogue submits it it is **locked**: from then on it is the
served scans *received before the submission* plus the recorded amendments, applied in
order. A scan that arrives later (an offline terminal flushing days after) does not change a
submitted табель; the payment statement shows it as a difference, and an amendment takes it
in if the pedagogue agrees. The scans themselves are never edited.

Two ways to the same numbers: `tabel_summary` here counts with aggregate queries (the API,
the payment statement, the stored totals; cheap for a district), `tabel_grid.build_tabel`
loads the grid (pages and printouts of one school). Tests hold them equal.

Pure rules (deadline, lateness, applying amendments) are plain functions taking `today`:
the shared models module stays as it is while four engineers build on it.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from qamqor.accounts.types import User, signed_in
from qamqor.audit.services import record
from qamqor.core.clock import now, today
from qamqor.core.errors import ServiceError
from qamqor.registry.models import School

from ..models import (
    MealDay,
    MealType,
    Programme,
    ProgrammeMeal,
    Redemption,
    TabelAmendment,
    TabelSubmission,
    Voucher,
)

Key = tuple[int, dt.date, str]  # pupil id, day, meal type
SERVED = Redemption.Status.SERVED
# seed 004: "by the 5th of the following month the social pedagogue uploads the табель".
DEADLINE_DAY = 5


class TabelError(ServiceError):
    pass


# --- months and the deadline (pure) ------------------------------------------------------


def parse_month(value: str | None) -> dt.date | None:
    """'2026-10' → 2026-10-01; None when it is not a month."""
    year, sep, month = (value or "").partition("-")
    if not sep or len(year) != 4 or not (year.isdigit() and month.isdigit()):
        return None
    try:
        return dt.date(int(year), int(month), 1)
    except ValueError:
        return None


def month_last_day(month: dt.date) -> dt.date:
    return month.replace(day=_calendar.monthrange(month.year, month.month)[1])


def next_month(month: dt.date) -> dt.date:
    return month_last_day(month) + dt.timedelta(days=1)


def previous_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def tabel_deadline(month: dt.date) -> dt.date:
    """The last day the табель of `month` is on time: the 5th of the following month.

    The seed names a calendar date, not working days, so a 5th on a Sunday stays the 5th.
    """
    return next_month(month).replace(day=DEADLINE_DAY)


@dataclass(frozen=True)
class Deadline:
    date: dt.date
    state: str  # "submitted" | "submitted_late" | "not_due" | "open" | "overdue"
    days_left: int

    @property
    def late(self) -> bool:
        return self.state in {"submitted_late", "overdue"}


def deadline_state(
    month: dt.date, submitted_on: dt.date | None, today: dt.date, last_meal_day: dt.date
) -> Deadline:
    """Where the табель of `month` stands against its deadline on `today`.

    `not_due`: the month still has meal days ahead; `open`: it may be submitted and is on
    time; `overdue`: past the 5th and not submitted. A submission is late when its local
    date is after the deadline (the 5th itself is on time).
    """
    deadline = tabel_deadline(month)
    days_left = (deadline - today).days
    if submitted_on is not None:
        state = "submitted_late" if submitted_on > deadline else "submitted"
    elif today <= last_meal_day:
        state = "not_due"
    elif today > deadline:
        state = "overdue"
    else:
        state = "open"
    return Deadline(deadline, state, days_left)


def apply_amendments(
    base: set[Key], amendments: Iterable[tuple[int, dt.date, str, str]]
) -> tuple[set[Key], set[Key], set[Key]]:
    """The табель after the amendments, in order: (marks, added, removed).

    `added`/`removed` are the net differences from `base`: a meal removed and added back is
    neither.
    """
    marks = set(base)
    for pupil_id, day, meal_type, action in amendments:
        key = (pupil_id, day, meal_type)
        if action == TabelAmendment.Action.ADD:
            marks.add(key)
        else:
            marks.discard(key)
    return marks, marks - base, base - marks


# --- reading ------------------------------------------------------------------------------


def programme_for(school: School, month: dt.date) -> Programme | None:
    return (
        Programme.objects.filter(school=school, month=month)
        .select_related("operator")
        .prefetch_related("meals")
        .first()
    )


def submission_for(school: School, month: dt.date) -> TabelSubmission | None:
    return (
        TabelSubmission.objects.filter(school=school, month=month)
        .select_related("submitted_by")
        .first()
    )


def meal_days(programme: Programme | None) -> list[dt.date]:
    if programme is None:
        return []
    return list(MealDay.objects.filter(programme=programme).values_list("date", flat=True))


def served_scans(
    school_id: int, month: dt.date, received_by: dt.datetime | None = None
) -> QuerySet[Redemption]:
    """The month's served scans; for a submitted табель, those received before it was sent.

    The scan row's own `pupil_id`, `day` and `meal_type` are the facts: no join on the hot
    table (indexed by school, day, status).
    """
    qs = Redemption.objects.filter(
        school_id=school_id,
        day__gte=month,
        day__lte=month_last_day(month),
        status=SERVED,
        pupil_id__isnull=False,
    )
    if received_by is not None:
        qs = qs.filter(received_at__lte=received_by)
    return qs


def amendment_rows(submission: TabelSubmission | None) -> list[tuple[int, dt.date, str, str]]:
    if submission is None:
        return []
    return list(
        submission.amendments.order_by("at", "id").values_list(
            "pupil_id", "day", "meal_type", "action"
        )
    )


def amendments_for(submission: TabelSubmission | None) -> list[TabelAmendment]:
    if submission is None:
        return []
    return list(submission.amendments.select_related("pupil", "by").order_by("-at", "-id"))


def _prices(programme: Programme | None) -> dict[str, ProgrammeMeal]:
    if programme is None:
        return {}
    return {m.meal_type: m for m in programme.meals.all()}


@dataclass
class MealTotals:
    meal_type: str
    label: str
    meals: int = 0
    pupils: int = 0
    price: int = 0
    state_share: int = 0
    state_price: int = 0
    scans: int = 0  # every served scan of the month, whenever it arrived
    late: int = 0  # served scans received after the submission: not in the locked табель
    added: int = 0
    removed: int = 0

    @property
    def amount(self) -> int:
        return self.meals * self.state_price

    @property
    def difference(self) -> int:
        """Табель minus scans: what the amendments and late scans account for."""
        return self.meals - self.scans


@dataclass
class TabelSummary:
    school: School
    month: dt.date
    programme: Programme | None
    submission: TabelSubmission | None
    days: list[tuple[dt.date, int]]
    per_meal: list[MealTotals]
    pupils: int
    excluded: dict[str, int] = field(default_factory=dict)  # refused / conflict scans

    @property
    def meals(self) -> int:
        return sum(m.meals for m in self.per_meal)

    @property
    def amount(self) -> int:
        return sum(m.amount for m in self.per_meal)

    @property
    def scans(self) -> int:
        return sum(m.scans for m in self.per_meal)

    @property
    def difference(self) -> int:
        return self.meals - self.scans

    @property
    def deadline(self) -> dt.date:
        return tabel_deadline(self.month)


def meal_label(meal_type: str) -> str:
    try:
        return capfirst(str(MealType(meal_type).label))
    except ValueError:
        return meal_type


def meal_order(meal_type: str) -> int:
    values = list(MealType.values)
    return values.index(meal_type) if meal_type in values else len(values)


def tabel_summary(
    school: School,
    month: dt.date,
    *,
    programme: Programme | None = None,
    submission: TabelSubmission | None = None,
    received_by: dt.datetime | None = None,
    lookup: bool = True,
) -> TabelSummary:
    """Totals of the табель with aggregate queries: per meal type, per day, pupils, amount.

    `received_by` overrides the submission's cut-off (used while submitting). With
    `lookup` the programme and submission are fetched when not given.
    """
    if lookup:
        programme = programme or programme_for(school, month)
        submission = submission or submission_for(school, month)
    cutoff = received_by or (submission.submitted_at if submission else None)
    base = served_scans(school.pk, month, cutoff)
    per_day: dict[tuple[dt.date, str], int] = {
        (r["day"], r["meal_type"]): r["n"]  # type: ignore[misc]  # served scans have a day
        for r in base.values("day", "meal_type").annotate(n=Count("pupil_id", distinct=True))
    }
    pupils_by_meal: dict[str, int] = {
        r["meal_type"]: r["n"]
        for r in base.values("meal_type").annotate(n=Count("pupil_id", distinct=True))
    }
    pupils_total = base.aggregate(n=Count("pupil_id", distinct=True))["n"] or 0
    amendments = amendment_rows(submission)
    added_by_meal: dict[str, int] = defaultdict(int)
    removed_by_meal: dict[str, int] = defaultdict(int)
    if amendments:
        # Only the amended pupils can differ from the aggregates: recount them exactly.
        touched = {a[0] for a in amendments}
        before = set(base.filter(pupil_id__in=touched).values_list("pupil_id", "day", "meal_type"))
        after, added, removed = apply_amendments(before, amendments)  # type: ignore[arg-type]  # served scans have a pupil and a day
        for _p, day, meal_type in added:
            per_day[(day, meal_type)] = per_day.get((day, meal_type), 0) + 1
            added_by_meal[meal_type] += 1
        for _p, day, meal_type in removed:
            per_day[(day, meal_type)] -= 1
            removed_by_meal[meal_type] += 1
        meal_types = {k[2] for k in before | after}
        for meal_type in meal_types:
            had = {p for p, _d, m in before if m == meal_type}
            has = {p for p, _d, m in after if m == meal_type}
            pupils_by_meal[meal_type] = pupils_by_meal.get(meal_type, 0) + len(has) - len(had)
        pupils_total += len({p for p, _d, _m in after}) - len({p for p, _d, _m in before})

    all_scans = dict(
        served_scans(school.pk, month)
        .values("meal_type")
        .annotate(n=Count("id"))
        .values_list("meal_type", "n")
    )
    in_tabel_scans = (
        dict(base.values("meal_type").annotate(n=Count("id")).values_list("meal_type", "n"))
        if cutoff
        else all_scans
    )
    prices = _prices(programme)
    meal_types = set(prices) | {m for _d, m in per_day} | set(all_scans)
    per_meal = []
    for meal_type in sorted(meal_types, key=meal_order):
        price = prices.get(meal_type)
        per_meal.append(
            MealTotals(
                meal_type=meal_type,
                label=meal_label(meal_type),
                meals=sum(n for (_d, m), n in per_day.items() if m == meal_type),
                pupils=pupils_by_meal.get(meal_type, 0),
                price=price.price if price else 0,
                state_share=price.state_share if price else 0,
                state_price=price.state_price if price else 0,
                scans=all_scans.get(meal_type, 0),
                late=all_scans.get(meal_type, 0) - in_tabel_scans.get(meal_type, 0),
                added=added_by_meal.get(meal_type, 0),
                removed=removed_by_meal.get(meal_type, 0),
            )
        )
    day_list = sorted(set(meal_days(programme)) | {d for d, _m in per_day})
    days = [(d, sum(n for (dd, _m), n in per_day.items() if dd == d)) for d in day_list]
    excluded = dict(
        Redemption.objects.filter(
            school_id=school.pk, day__gte=month, day__lte=month_last_day(month)
        )
        .exclude(status=SERVED)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return TabelSummary(
        school=school,
        month=month,
        programme=programme,
        submission=submission,
        days=days,
        per_meal=per_meal,
        pupils=pupils_total,
        excluded=excluded,
    )


# --- writes -------------------------------------------------------------------------------


def _last_meal_day(programme: Programme | None, month: dt.date) -> dt.date:
    days = meal_days(programme)
    return max(days) if days else month_last_day(month)


def tabel_deadline_state(summary: TabelSummary, day: dt.date) -> Deadline:
    sub = summary.submission
    submitted_on = None
    if sub is not None:
        submitted_on = timezone.localdate(sub.submitted_at)
    return deadline_state(
        summary.month, submitted_on, day, _last_meal_day(summary.programme, summary.month)
    )


@transaction.atomic
def submit_tabel(user: User | None, school: School, month: dt.date) -> TabelSubmission:
    """Submit (and lock) the табель of `month`, storing its totals; late ones are flagged.

    Refused before the month's last meal day (the sheet is not complete yet), without a
    programme (no prices), and a second time (the unique constraint decides a race).
    """
    programme = programme_for(school, month)
    if programme is None:
        raise TabelError(
            "no_programme",
            _("There is no meal programme for %(month)s.") % {"month": date_format(month, "F Y")},
        )
    if TabelSubmission.objects.filter(school=school, month=month).exists():
        raise TabelError("already_submitted", _("This табель is already submitted."))
    last = _last_meal_day(programme, month)
    if today() <= last:
        raise TabelError(
            "month_not_over",
            _("The табель can be submitted after the last meal day of the month, %(day)s.")
            % {"day": date_format(last)},
        )
    at = now()
    summary = tabel_summary(school, month, programme=programme, received_by=at, lookup=False)
    try:
        with transaction.atomic():
            submission = TabelSubmission.objects.create(
                school=school,
                month=month,
                deadline=tabel_deadline(month),
                submitted_at=at,
                submitted_by=signed_in(user),
                meals=summary.meals,
                pupils=summary.pupils,
                amount=summary.amount,
            )
    except IntegrityError as exc:
        raise TabelError("already_submitted", _("This табель is already submitted.")) from exc
    record(
        user,
        "create",
        submission,
        fields=["month", "meals", "pupils", "amount"],
        school_id=school.pk,
        label=f"{month:%Y-%m}",
    )
    return submission


@transaction.atomic
def amend_tabel(
    user: User | None,
    school: School,
    month: dt.date,
    *,
    pupil_id: int,
    day: dt.date,
    meal_type: str,
    action: str,
    reason: str,
) -> TabelAmendment:
    """Record a correction of a submitted табель: add or remove one meal, with a reason."""
    submission = (
        TabelSubmission.objects.select_for_update().filter(school=school, month=month).first()
    )
    if submission is None:
        raise TabelError(
            "not_submitted",
            _("Only a submitted табель is amended; until then it follows the scans."),
        )
    reason = TabelError.required(
        reason, "reason_required", _("Say why the табель is corrected."), "reason"
    )
    if action not in TabelAmendment.Action.values:
        raise TabelError("action_invalid", _("Choose to add or to remove a meal."), "action")
    if not (month <= day <= month_last_day(month)):
        raise TabelError("day_outside_month", _("The day is not in this month."), "day")
    programme = programme_for(school, month)
    if meal_type not in _prices(programme):
        raise TabelError("meal_type_invalid", _("This meal is not in the programme."), "meal_type")
    has_voucher = Voucher.objects.filter(
        school=school, month=month, meal_type=meal_type, pupil_id=pupil_id
    ).exists()
    if not has_voucher:
        raise TabelError(
            "no_voucher", _("The pupil has no voucher for this meal in this month."), "pupil"
        )
    before = set(
        served_scans(school.pk, month, submission.submitted_at)
        .filter(pupil_id=pupil_id)
        .values_list("pupil_id", "day", "meal_type")
    )
    rows = [a for a in amendment_rows(submission) if a[0] == pupil_id]
    marks, _added, _removed = apply_amendments(before, rows)  # type: ignore[arg-type]  # served scans have a pupil and a day
    key = (pupil_id, day, meal_type)
    if action == TabelAmendment.Action.ADD:
        if key in marks:
            raise TabelError("already_in_tabel", _("This meal is already in the табель."), "day")
        if day not in set(meal_days(programme)):
            raise TabelError("not_a_meal_day", _("No meals are served on this day."), "day")
    elif key not in marks:
        raise TabelError("not_in_tabel", _("This meal is not in the табель."), "day")
    amendment = TabelAmendment.objects.create(
        submission=submission,
        pupil_id=pupil_id,
        day=day,
        meal_type=meal_type,
        action=action,
        reason=reason,
        by=signed_in(user),
        at=now(),
    )
    record(
        user,
        "create",
        amendment,
        fields=["pupil", "day", "meal_type", "action", "reason"],
        school_id=school.pk,
        label=f"{month:%Y-%m} {day:%d} {action}",
    )
    return amendment
