"""The working-day calendar of Kazakhstan, for deadlines counted in working days.

`WorkCalendar` is the pure rule (no database): tests and scripts build one directly.
`get_calendar()` is the one the app uses: it feeds `WorkCalendar` the editable `DayOverride`
table (decree-moved days) and caches it per process until an override changes.

seed 001: the service provider works Monday-Friday 9:00-18:30 with lunch 13:00-14:30, except
weekends and holidays under the labour law; the portal accepts around the clock, and an
application made after hours, on a weekend or a holiday is counted from the next working day.

Where a day's status comes from, highest priority first:

1. `working_days` given to the constructor (a weekend day made working by decree, or a
   correction of the package);
2. `days_off` given to the constructor (a day off moved by decree, or any extra day off);
3. public holidays of the `holidays` package, `country_holidays("KZ")`;
4. the package's own decree-working weekend days (`weekend_workdays`);
5. otherwise Monday-Friday work, Saturday and Sunday rest.

What `holidays` (checked with 0.109) gives for KZ:

- The holidays of the law "On holidays": 1-2 January, 7 January (Orthodox Christmas),
  8 March, Nauryz (22 March from 2002, 21-23 March from 2010), 1 May, 7 May (from 2013),
  9 May, 6 July (from 2009), 30 August (Constitution Day, up to 2025; from 2027 it is
  15 March, and 2026 has neither), 25 October (1994-2008 and from 2022), 1 December
  (2012-2021), 16 December (and 17 December 2002-2021), and the first day of Kurban ait
  (from 2006).
- Holidays falling on a Saturday or Sunday are already moved to the next working day
  ("observed" entries, from 2002). Like the labour code, the package does not move the
  religious ones (7 January and Kurban ait).
- Days off moved by the government's yearly decree are included for 2000-2025 (e.g.
  2024-05-08, 2025-01-03), and the matching working Saturdays are in `weekend_workdays`
  (e.g. 2024-05-04, 2025-01-05). For 2026 and later there is no decree data yet: enter
  those decrees as `days_off` / `working_days`.
- Kurban ait dates are confirmed for 2006-2025; later years are astronomical estimates
  (labelled "estimated"), and the Muftiate's date may differ by a day: correct it with
  `days_off` / `working_days` once announced.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import holidays
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import DayOverride

WORK_START = dt.time(9, 0)
WORK_END = dt.time(18, 30)
LUNCH = (dt.time(13, 0), dt.time(14, 30))
TZ = ZoneInfo("Asia/Almaty")

_ONE_DAY = dt.timedelta(days=1)


class WorkCalendar:
    """Working days and hours of a Kazakh state service provider (a school)."""

    def __init__(
        self,
        days_off: Iterable[dt.date] = (),
        working_days: Iterable[dt.date] = (),
    ) -> None:
        self._days_off = frozenset(days_off)
        self._working_days = frozenset(working_days)
        both = self._days_off & self._working_days
        if both:
            # One decree table cannot say both; refusing beats silently picking one.
            raise ValueError(f"dates both off and working: {sorted(both)}")
        # year -> (public holidays, decree-working weekend days), filled lazily: building
        # a year of holidays (with the Islamic calendar) is not free, and most use touches
        # one or two years.
        self._years: dict[int, tuple[holidays.HolidayBase, frozenset[dt.date]]] = {}

    def _year(self, year: int) -> tuple[holidays.HolidayBase, frozenset[dt.date]]:
        cached = self._years.get(year)
        if cached is None:
            # The language is pinned: left unset, the package follows the process locale
            # and the names would change with the server's environment.
            public = holidays.country_holidays("KZ", years=year, language="kk")
            # The package's set also carries decree Saturdays of other years (2013-12-28
            # appears in every year); keep only this year's to keep the cache honest.
            workdays = frozenset(d for d in public.weekend_workdays if d.year == year)
            cached = self._years[year] = (public, workdays)
        return cached

    def holiday_name(self, d: dt.date) -> str | None:
        """The package's Kazakh name of the public holiday on `d`, if any."""
        return self._year(d.year)[0].get(d)

    def is_working_day(self, d: dt.date) -> bool:
        if d in self._working_days:
            return True
        if d in self._days_off:
            return False
        public, workdays = self._year(d.year)
        if d in public:
            return False
        if d in workdays:
            return True
        return d.weekday() < 5

    def is_working_time(self, moment: dt.datetime) -> bool:
        """Whether the provider is at work at `moment` (lunch is not working time).

        Intervals are half-open: 9:00 is working time, 18:30 is not.
        """
        local = _to_local(moment)
        t = local.time()
        if not self.is_working_day(local.date()):
            return False
        return WORK_START <= t < LUNCH[0] or LUNCH[1] <= t < WORK_END

    def next_working_day(self, d: dt.date) -> dt.date:
        """The first working day strictly after `d`."""
        d += _ONE_DAY
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def previous_working_day(self, d: dt.date) -> dt.date:
        """The last working day strictly before `d`."""
        d -= _ONE_DAY
        while not self.is_working_day(d):
            d -= _ONE_DAY
        return d

    def counted_from(self, received: dt.datetime) -> dt.date:
        """The working day from which an application received at `received` is counted.

        seed 001: after hours, on a weekend or a holiday it is counted from the next working
        day. Before 9:00 and during lunch on a working day the day itself counts: the portal
        accepts around the clock and nothing in the rules defers an early application.
        18:30:00 is still in time; any later instant, even 18:30:01, is after hours.
        """
        local = _to_local(received)
        day = local.date()
        if self.is_working_day(day) and local.time() <= WORK_END:
            return day
        return self.next_working_day(day)

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The n-th working day after `start` (start itself not counted; n=0 gives start).

        A negative n counts back: the |n|-th working day before `start`.
        """
        d = start
        step = self.next_working_day if n >= 0 else self.previous_working_day
        for _ in range(abs(n)):
            d = step(d)
        return d

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """The number of working days in (a, b]; negative if b is before a.

        For "overdue by N working days": working_days_between(due, today). Antisymmetric,
        and working_days_between(a, add_working_days(a, n)) == n for n >= 0.
        """
        if b < a:
            return -self.working_days_between(b, a)
        count = 0
        d = a + _ONE_DAY
        while d <= b:
            count += self.is_working_day(d)
            d += _ONE_DAY
        return count

    def due_date(self, received: dt.datetime, n: int) -> tuple[dt.date, dt.date]:
        """(counted_from, due): the due date is n working days after the counted-from day."""
        start = self.counted_from(received)
        return start, self.add_working_days(start, n)


def _to_local(moment: dt.datetime) -> dt.datetime:
    # A naive datetime has no meaning here: a server in UTC and a clerk in Almaty would read
    # it five hours apart, and a deadline would move with them.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an aware datetime is required")
    return moment.astimezone(TZ)


_cached: WorkCalendar | None = None


def get_calendar() -> WorkCalendar:
    global _cached
    if _cached is None:
        days_off: set[dt.date] = set()
        working: set[dt.date] = set()
        for day, kind in DayOverride.objects.values_list("date", "kind"):
            (days_off if kind == DayOverride.Kind.DAY_OFF else working).add(day)
        _cached = WorkCalendar(days_off=days_off, working_days=working)
    return _cached


def reset_calendar() -> None:
    global _cached
    _cached = None


@receiver(post_save, sender=DayOverride)
@receiver(post_delete, sender=DayOverride)
def _override_changed(**kwargs: object) -> None:
    reset_calendar()


def add_working_days(start: dt.date, n: int) -> dt.date:
    return get_calendar().add_working_days(start, n)


def due_date(received: dt.datetime, working_days: int) -> tuple[dt.date, dt.date]:
    """(counted_from, due) for an application received at `received`."""
    return get_calendar().due_date(received, working_days)
