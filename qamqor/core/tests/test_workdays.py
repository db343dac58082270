"""The working-day calendar: the holidays of Kazakhstan, decrees, hours and deadlines."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qamqor.core.workdays import LUNCH, TZ, WORK_END, WORK_START, WorkCalendar

CAL = WorkCalendar()
UTC = dt.UTC
D = dt.date


def almaty(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def test_constants():
    assert (WORK_START, WORK_END) == (dt.time(9, 0), dt.time(18, 30))
    assert LUNCH == (dt.time(13, 0), dt.time(14, 30))
    assert ZoneInfo("Asia/Almaty") == TZ


# --- days ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        # Nauryz 2024: Thu 21, Fri 22, Sat 23 -> the Saturday moves to Monday 25.
        (D(2024, 3, 20), True),
        (D(2024, 3, 21), False),
        (D(2024, 3, 22), False),
        (D(2024, 3, 23), False),
        (D(2024, 3, 25), False),
        (D(2024, 3, 26), True),
        # Nauryz 2025: Fri 21 - Sun 23 -> Mon 24 and Tue 25 off.
        (D(2025, 3, 24), False),
        (D(2025, 3, 25), False),
        (D(2025, 3, 26), True),
        # Independence Day: one day since 2022 (17 December was also off up to 2021).
        (D(2024, 12, 16), False),
        (D(2024, 12, 17), True),
        (D(2021, 12, 17), False),
        # May 2024: 1, 7, 9 May, and 8 May off by decree for Saturday 4 May.
        (D(2024, 5, 1), False),
        (D(2024, 5, 2), True),
        (D(2024, 5, 4), True),
        (D(2024, 5, 7), False),
        (D(2024, 5, 8), False),
        (D(2024, 5, 9), False),
        (D(2024, 5, 10), True),
        # Capital Day 2024 on Saturday 6 July -> Monday 8 July off.
        (D(2024, 7, 6), False),
        (D(2024, 7, 8), False),
        (D(2024, 7, 9), True),
        # Capital Day 2026 on Monday.
        (D(2026, 7, 6), False),
        # Constitution Day: Friday 30 Aug 2024; Saturday 30 Aug 2025 -> Monday 1 Sep.
        (D(2024, 8, 30), False),
        (D(2025, 9, 1), False),
        (D(2025, 9, 2), True),
        # Republic Day: Friday 25 Oct 2024.
        (D(2024, 10, 25), False),
        (D(2024, 10, 28), True),
        # New Year 2025: Wed 1, Thu 2, Fri 3 off by decree for Sunday 5 January.
        (D(2025, 1, 1), False),
        (D(2025, 1, 2), False),
        (D(2025, 1, 3), False),
        (D(2025, 1, 4), False),
        (D(2025, 1, 5), True),
        (D(2025, 1, 6), True),
        # Orthodox Christmas: off, but not moved when it falls on a weekend.
        (D(2025, 1, 7), False),
        (D(2024, 1, 7), False),
        (D(2024, 1, 8), True),
        # 8 March.
        (D(2024, 3, 8), False),
        # Kurban ait: Friday 6 June 2025; Sunday 16 June 2024 is not moved.
        (D(2025, 6, 6), False),
        (D(2024, 6, 16), False),
        (D(2024, 6, 17), True),
        # A plain week.
        (D(2025, 6, 2), True),
        (D(2025, 6, 5), True),
        (D(2025, 6, 7), False),
        (D(2025, 6, 8), False),
    ],
)
def test_is_working_day(day, working):
    assert CAL.is_working_day(day) is working


def test_holiday_names_are_kazakh():
    assert CAL.holiday_name(D(2024, 3, 22)) == "Наурыз мейрамы"
    assert CAL.holiday_name(D(2024, 12, 16)) == "Тәуелсіздік күні"
    assert CAL.holiday_name(D(2024, 3, 26)) is None


def test_decree_day_off_and_working_saturday():
    # A decree of the kind issued yearly: Friday 2 Jan 2026 is a holiday already; say a
    # decree moves the day off from Saturday 10 January to Monday 5 January.
    decree = WorkCalendar(days_off={D(2026, 1, 5)}, working_days={D(2026, 1, 10)})
    assert CAL.is_working_day(D(2026, 1, 5)) and not CAL.is_working_day(D(2026, 1, 10))
    assert not decree.is_working_day(D(2026, 1, 5))
    assert decree.is_working_day(D(2026, 1, 10))
    assert decree.next_working_day(D(2026, 1, 2)) == D(2026, 1, 6)
    assert decree.counted_from(almaty(2026, 1, 9, 20, 0)) == D(2026, 1, 10)
    assert decree.is_working_time(almaty(2026, 1, 10, 10, 0))


def test_explicit_overrides_beat_the_package():
    # A correction, e.g. if Kurban ait is announced a day off from the estimate.
    fixed = WorkCalendar(days_off={D(2024, 5, 4)}, working_days={D(2024, 12, 16)})
    assert fixed.is_working_day(D(2024, 12, 16))
    assert not fixed.is_working_day(D(2024, 5, 4))


def test_a_day_cannot_be_both_off_and_working():
    with pytest.raises(ValueError, match="both"):
        WorkCalendar(days_off={D(2026, 1, 5)}, working_days={D(2026, 1, 5)})


def test_the_package_decree_saturday_of_another_year_does_not_leak():
    # holidays puts 2013-12-28 into every year's weekend_workdays; it is still a working
    # Saturday of 2013 (decree for 3 January 2014), and nothing else.
    assert CAL.is_working_day(D(2013, 12, 28))
    assert not CAL.is_working_day(D(2024, 12, 28))


def test_years_are_loaded_lazily_and_once(monkeypatch):
    calls = []
    real = holidays.country_holidays

    def spy(*args, **kwargs):
        calls.append(kwargs["years"])
        return real(*args, **kwargs)

    monkeypatch.setattr(holidays, "country_holidays", spy)
    cal = WorkCalendar()
    assert calls == []
    cal.is_working_day(D(2024, 3, 22))
    cal.add_working_days(D(2024, 3, 1), 40)
    cal.is_working_day(D(2025, 1, 1))
    assert calls == [2024, 2025]


# --- hours ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clock", "working"),
    [
        ((8, 59), False),
        ((9, 0), True),
        ((12, 59), True),
        ((13, 0), False),  # lunch
        ((14, 29), False),  # lunch
        ((14, 30), True),
        ((18, 29), True),
        ((18, 30), False),
        ((23, 0), False),
    ],
)
def test_is_working_time_on_a_working_day(clock, working):
    assert CAL.is_working_time(almaty(2025, 6, 4, *clock)) is working


def test_is_working_time_on_days_off():
    assert not CAL.is_working_time(almaty(2025, 6, 7, 10, 0))  # Saturday
    assert not CAL.is_working_time(almaty(2024, 3, 22, 10, 0))  # Nauryz


def test_is_working_time_converts_to_almaty():
    # Kazakhstan is on UTC+5 since 1 March 2024 (needs tzdata 2024a or later).
    assert CAL.is_working_time(dt.datetime(2025, 6, 4, 4, 0, tzinfo=UTC))  # 9:00
    assert not CAL.is_working_time(dt.datetime(2025, 6, 4, 3, 59, tzinfo=UTC))
    assert not CAL.is_working_time(dt.datetime(2025, 6, 4, 8, 0, tzinfo=UTC))  # 13:00


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        CAL.is_working_time(dt.datetime(2025, 6, 4, 10, 0))  # noqa: DTZ001
    with pytest.raises(ValueError, match="aware"):
        CAL.counted_from(dt.datetime(2025, 6, 4, 10, 0))  # noqa: DTZ001


# --- counted from --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "counted"),
    [
        (almaty(2025, 6, 4, 7, 0), D(2025, 6, 4)),  # a portal application before opening
        (almaty(2025, 6, 4, 13, 30), D(2025, 6, 4)),  # during lunch
        (almaty(2025, 6, 4, 18, 29), D(2025, 6, 4)),
        (almaty(2025, 6, 4, 18, 30), D(2025, 6, 4)),
        (almaty(2025, 6, 4, 18, 30, 1), D(2025, 6, 5)),
        (almaty(2025, 6, 4, 18, 31), D(2025, 6, 5)),
        (almaty(2025, 6, 6, 10, 0), D(2025, 6, 9)),  # Kurban ait, a Friday
        (almaty(2025, 6, 7, 10, 0), D(2025, 6, 9)),  # Saturday -> Monday
        (almaty(2025, 6, 8, 23, 59), D(2025, 6, 9)),  # Sunday night
        # Friday evening before a Monday holiday: Independence Day 2024 -> Tuesday.
        (almaty(2024, 12, 13, 19, 0), D(2024, 12, 17)),
        # ... and before a Monday observed holiday: Capital Day 2024 -> Tuesday.
        (almaty(2024, 7, 5, 18, 45), D(2024, 7, 9)),
        # Saturday before Nauryz 2025's observed Monday and Tuesday -> Wednesday.
        (almaty(2025, 3, 22, 12, 0), D(2025, 3, 26)),
        # The decree Sunday 5 January 2025 is a working day.
        (almaty(2025, 1, 4, 12, 0), D(2025, 1, 5)),
    ],
)
def test_counted_from(received, counted):
    assert CAL.counted_from(received) == counted


def test_counted_from_uses_the_almaty_date_and_time():
    assert CAL.counted_from(dt.datetime(2025, 6, 4, 13, 29, tzinfo=UTC)) == D(2025, 6, 4)
    assert CAL.counted_from(dt.datetime(2025, 6, 4, 13, 31, tzinfo=UTC)) == D(2025, 6, 5)
    # 20:00 UTC on Wednesday is 01:00 on Thursday in Almaty: counted that Thursday.
    assert CAL.counted_from(dt.datetime(2025, 6, 4, 20, 0, tzinfo=UTC)) == D(2025, 6, 5)


# --- counting ------------------------------------------------------------------------------


def test_add_working_days():
    assert CAL.add_working_days(D(2025, 6, 7), 0) == D(2025, 6, 7)  # n=0: start, even a Saturday
    assert CAL.add_working_days(D(2025, 6, 4), 1) == D(2025, 6, 5)
    assert CAL.add_working_days(D(2025, 6, 5), 1) == D(2025, 6, 9)  # over Kurban ait + weekend
    assert CAL.add_working_days(D(2024, 3, 20), 1) == D(2024, 3, 26)  # over Nauryz
    assert CAL.add_working_days(D(2024, 4, 30), 5) == D(2024, 5, 10)  # 2, 3, 4 (Sat), 6, 10
    assert CAL.add_working_days(D(2025, 6, 9), -1) == D(2025, 6, 5)
    assert CAL.next_working_day(D(2024, 12, 13)) == D(2024, 12, 17)
    assert CAL.previous_working_day(D(2024, 12, 17)) == D(2024, 12, 13)


def test_working_days_between():
    assert CAL.working_days_between(D(2025, 6, 4), D(2025, 6, 4)) == 0
    assert CAL.working_days_between(D(2025, 6, 4), D(2025, 6, 5)) == 1  # (a, b]
    assert CAL.working_days_between(D(2025, 6, 5), D(2025, 6, 9)) == 1
    assert CAL.working_days_between(D(2025, 6, 9), D(2025, 6, 5)) == -1
    # Overdue: due Wednesday 26 March 2025, today Monday 31 March -> 3 working days late.
    assert CAL.working_days_between(D(2025, 3, 26), D(2025, 3, 31)) == 3


def test_due_date_fifteen_working_days():
    # seed 001: category confirmation is reviewed within 15 working days.
    # Thursday 20 March 2025, 19:00: after hours; Fri 21 Nauryz, weekend, Mon 24 and Tue 25
    # observed -> counted from Wednesday 26 March; 15 working days later is 16 April.
    assert CAL.due_date(almaty(2025, 3, 20, 19, 0), 15) == (D(2025, 3, 26), D(2025, 4, 16))
    assert CAL.due_date(almaty(2025, 6, 4, 10, 0), 0) == (D(2025, 6, 4), D(2025, 6, 4))


# --- properties ----------------------------------------------------------------------------

days = st.dates(min_value=D(2015, 1, 1), max_value=D(2028, 12, 31))
counts = st.integers(min_value=0, max_value=60)


@given(days, st.integers(min_value=1, max_value=60))
def test_add_working_days_lands_on_a_working_day(start, n):
    assert CAL.is_working_day(CAL.add_working_days(start, n))
    assert CAL.is_working_day(CAL.add_working_days(start, -n))


@given(days, counts, counts)
def test_add_working_days_is_monotonic_in_n(start, n, m):
    a, b = CAL.add_working_days(start, n), CAL.add_working_days(start, m)
    assert (a < b) == (n < m) and (a == b) == (n == m)


@given(days, days, counts)
def test_add_working_days_is_monotonic_in_start(s, t, n):
    if s <= t:
        assert CAL.add_working_days(s, n) <= CAL.add_working_days(t, n)


@given(days, counts)
def test_working_days_between_inverts_add(start, n):
    assert CAL.working_days_between(start, CAL.add_working_days(start, n)) == n


@given(days, st.integers(min_value=1, max_value=60))
def test_working_days_between_inverts_add_backwards(start, n):
    # Backwards the interval (end, start] holds start itself, so a day off as start
    # counts one fewer: 1 January 2015 minus one working day is 31 December 2014, and no
    # working day lies in (31 Dec, 1 Jan].
    expected = -n if CAL.is_working_day(start) else -n + 1
    assert CAL.working_days_between(start, CAL.add_working_days(start, -n)) == expected


@given(days, days)
def test_working_days_between_is_antisymmetric(a, b):
    assert CAL.working_days_between(a, b) == -CAL.working_days_between(b, a)


@given(
    st.datetimes(
        min_value=dt.datetime(2015, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
        max_value=dt.datetime(2028, 12, 31),  # noqa: DTZ001
        timezones=st.sampled_from([TZ, UTC, ZoneInfo("Europe/Moscow")]),
    )
)
def test_counted_from_is_a_working_day_not_before_the_local_date(received):
    counted = CAL.counted_from(received)
    local = received.astimezone(TZ)
    assert CAL.is_working_day(counted)
    assert counted >= local.date()
    # Never later than needed: no working day is skipped between receipt and counting.
    assert CAL.working_days_between(local.date(), counted) <= 1


decree_days = st.sets(st.dates(min_value=D(2026, 1, 1), max_value=D(2026, 3, 31)), max_size=20)


@given(decree_days, decree_days, st.dates(D(2026, 1, 1), D(2026, 3, 31)), counts)
def test_add_working_days_with_decrees(off, working, start, n):
    cal = WorkCalendar(days_off=off - working, working_days=working)
    end = cal.add_working_days(start, n)
    assert n == 0 or cal.is_working_day(end)
    assert cal.working_days_between(start, end) == n
    for day in working:
        assert cal.is_working_day(day)
    for day in off - working:
        assert not cal.is_working_day(day)
