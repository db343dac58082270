"""Pure rules on unsaved instances: transitions, validity, deadlines, evidence, income test."""

from __future__ import annotations

import datetime as dt

import pytest

from qamqor.core.workdays import WorkCalendar
from qamqor.eligibility.forms import school_year_end
from qamqor.eligibility.models import (
    BOARD_CATEGORIES,
    EXPECTED_EVIDENCE,
    Category,
    CategoryAssignment,
    EvidenceKind,
)
from qamqor.eligibility.selectors import IncomeTest, due_of
from qamqor.registry.models import Family

S = CategoryAssignment.Status
D = dt.date
CAL = WorkCalendar()


def assignment(**kw) -> CategoryAssignment:
    kw.setdefault("category", Category.ASP)
    kw.setdefault("status", S.APPLIED)
    kw.setdefault("due_date", D(2026, 4, 14))
    return CategoryAssignment(**kw)


@pytest.mark.parametrize(
    ("status", "target", "allowed"),
    [
        (S.APPLIED, S.CONFIRMED, True),
        (S.APPLIED, S.REFUSED, True),
        (S.APPLIED, S.APPLIED, False),
        (S.CONFIRMED, S.REFUSED, False),
        (S.CONFIRMED, S.APPLIED, False),
        (S.REFUSED, S.CONFIRMED, False),
        (S.REFUSED, S.APPLIED, False),
    ],
)
def test_transition_table(status, target, allowed):
    assert assignment(status=status).can_become(target) is allowed


def test_is_valid_on_needs_confirmation_and_the_period():
    a = assignment(status=S.CONFIRMED, valid_from=D(2026, 4, 1), valid_to=D(2026, 5, 31))
    assert not a.is_valid_on(D(2026, 3, 31))
    assert a.is_valid_on(D(2026, 4, 1))
    assert a.is_valid_on(D(2026, 5, 31))
    assert not a.is_valid_on(D(2026, 6, 1))
    a.status = S.APPLIED
    assert not a.is_valid_on(D(2026, 4, 10))
    a.status = S.REFUSED
    assert not a.is_valid_on(D(2026, 4, 10))


def test_is_overdue_only_when_applied_and_past_due():
    a = assignment()
    assert not a.is_overdue(D(2026, 4, 14))  # the due day itself is still in time
    assert a.is_overdue(D(2026, 4, 15))
    a.status = S.CONFIRMED
    assert not a.is_overdue(D(2026, 5, 1))


@pytest.mark.parametrize("category", list(Category))
def test_missing_evidence(category):
    a = assignment(category=category)
    expected = [str(k) for k in EXPECTED_EVIDENCE[category]]
    assert [str(k) for k in a.missing_evidence(set())] == expected
    assert a.missing_evidence(set(expected)) == []
    assert a.missing_evidence({EvidenceKind.OTHER}) == a.missing_evidence(set())


def test_board_categories():
    assert {c for c in Category if assignment(category=c).needs_board_decision} == BOARD_CATEGORIES
    assert BOARD_CATEGORIES == {Category.EMERGENCY, Category.OTHER}


def test_per_capita_rounds_down_and_survives_no_members():
    assert Family.per_capita(100_000, 3) == 33_333
    assert Family.per_capita(0, 4) == 0
    assert Family.per_capita(50_000, 0) == 0


@pytest.mark.parametrize(
    ("income", "members", "minimum", "below", "known"),
    [
        (90_000, 3, 50_851, True, True),  # 30,000 per member
        (152_550, 3, 50_851, True, True),  # 50,850: one tenge below
        (152_553, 3, 50_851, False, True),  # 50,851: equal is not below
        (0, 4, 50_851, True, True),  # no income at all
        (10_000, 0, 50_851, False, False),  # no members: no test
        (10_000, 2, None, False, False),  # no minimum for the year: no test
    ],
)
def test_income_test(income, members, minimum, below, known):
    test = IncomeTest(year=2026, income=income, members=members, minimum=minimum)
    assert test.below is below
    assert test.known is known
    if known:
        assert test.gap == minimum - test.per_capita


def test_due_states_in_working_days():
    a = assignment(due_date=D(2026, 4, 14))  # Tuesday
    assert due_of(a, D(2026, 4, 14), CAL).state == "today"
    upcoming = due_of(a, D(2026, 4, 10), CAL)  # Friday: Mon 13 and Tue 14 remain
    assert (upcoming.state, upcoming.days) == ("upcoming", 2)
    late = due_of(a, D(2026, 4, 20), CAL)  # Monday next week: 15, 16, 17, 20
    assert (late.state, late.days, late.overdue) == ("overdue", 4, True)
    a.status = S.CONFIRMED
    assert due_of(a, D(2026, 4, 20), CAL).state == ""


def test_overdue_on_the_weekend_after_a_friday_due_date():
    a = assignment(due_date=D(2026, 4, 10))  # Friday
    due = due_of(a, D(2026, 4, 11), CAL)  # Saturday: late, but no working day has passed
    assert (due.state, due.days) == ("overdue", 0)


def test_school_year_end():
    assert school_year_end(D(2026, 4, 1)) == D(2026, 5, 31)
    assert school_year_end(D(2026, 9, 1)) == D(2027, 5, 31)
