"""Properties that must hold for every date, checked against real holiday data."""

from __future__ import annotations

from datetime import date, timedelta

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from backoffice.clocks import CalendarSet, DeadlineEngine, Nation, default_calendars

from .conftest import ev

FAST = settings(max_examples=200, deadline=None)
receipts = st.dates(min_value=date(2001, 1, 1), max_value=date(2043, 6, 30))
places = st.sampled_from([Nation.ENGLAND_AND_WALES, Nation.SCOTLAND, Nation.NORTHERN_IRELAND])
ENGINE = DeadlineEngine(default_calendars())
CALENDARS: CalendarSet = default_calendars()

_SUBDIVISIONS = {
    Nation.ENGLAND_AND_WALES: ("ENG", "WLS"),
    Nation.SCOTLAND: ("SCT",),
    Nation.NORTHERN_IRELAND: ("NIR",),
    Nation.UK: ("ENG", "WLS", "SCT", "NIR"),
}
_RAW = {
    nation: [holidays.country_holidays("GB", subdiv=s, years=range(2000, 2046)) for s in subs]
    for nation, subs in _SUBDIVISIONS.items()
}


def naive_add_working_days(nation: Nation, start: date, n: int) -> date:
    """The obvious day-by-day walk, straight off the holidays package."""
    step = timedelta(days=1 if n > 0 else -1)
    day, left = start, abs(n)
    while left:
        day += step
        if day.weekday() < 5 and not any(day in source for source in _RAW[nation]):
            left -= 1
    return day


@FAST
@given(start=receipts, n=st.integers(min_value=-60, max_value=60), nation=st.sampled_from(list(Nation)))
def test_add_working_days_agrees_with_a_day_by_day_walk(start: date, n: int, nation: Nation) -> None:
    calendar = CALENDARS[nation]
    assert calendar.add_working_days(start, n) == naive_add_working_days(nation, start, n)
    if n > 0:
        assert calendar.working_days_between(start, calendar.add_working_days(start, n)) == n


@FAST
@given(received=receipts, rule=st.sampled_from(["foi", "eir", "foisa", "foi_internal_review", "foisa_internal_review"]))
def test_working_day_due_dates_are_working_days(received: date, rule: str) -> None:
    deadline = ENGINE.compute(rule, received)
    assert deadline.due_on is not None
    assert CALENDARS[deadline.nation].is_working_day(deadline.due_on)
    assert deadline.due_on > received


@FAST
@given(received=receipts, nation=places, extended=st.booleans())
def test_sar_due_dates_are_working_days_of_the_nation(received: date, nation: Nation, extended: bool) -> None:
    events = [ev("extended", received.isoformat(), "complex")] if extended else []
    deadline = ENGINE.compute("sar", received, events, nation=nation)
    assert deadline.due_on is not None
    assert CALENDARS[nation].is_working_day(deadline.due_on)
    assert deadline.due_on >= received + timedelta(days=28 if not extended else 89)


@FAST
@given(received=receipts)
def test_foi_union_is_never_earlier_than_england_and_wales(received: date) -> None:
    due = ENGINE.compute("foi", received).due_on
    assert due is not None
    assert due >= CALENDARS[Nation.ENGLAND_AND_WALES].add_working_days(received, 20)


@FAST
@given(received=receipts, notice_after=st.integers(0, 27), waited=st.integers(0, 40))
def test_fee_wait_never_brings_the_foi_due_date_earlier(received: date, notice_after: int, waited: int) -> None:
    plain = ENGINE.compute("foi", received).due_on
    assert plain is not None
    notice = received + timedelta(days=notice_after)
    if notice > plain:
        return
    paid = notice + timedelta(days=waited)
    deadline = ENGINE.compute(
        "foi", received, [ev("fee_requested", notice.isoformat()), ev("fee_paid", paid.isoformat())]
    )
    assert deadline.due_on is not None
    assert deadline.due_on >= plain
    uk = CALENDARS[Nation.UK]
    assert deadline.due_on == uk.add_working_days(plain, deadline.paused_days)  # moves by exactly the days waited


@FAST
@given(received=receipts, nation=places, stop_after=st.integers(0, 31), stopped=st.integers(0, 60))
def test_sar_stop_never_brings_the_due_date_earlier(
    received: date, nation: Nation, stop_after: int, stopped: int
) -> None:
    plain = ENGINE.compute("sar", received, nation=nation).due_on
    assert plain is not None
    stop = received + timedelta(days=stop_after)
    if stop > plain:
        return
    resume = stop + timedelta(days=stopped)
    deadline = ENGINE.compute(
        "sar", received, [ev("paused", stop.isoformat()), ev("resumed", resume.isoformat())], nation=nation
    )
    assert deadline.due_on is not None
    assert deadline.due_on >= plain
    if stopped == 0:  # pausing for zero days changes nothing
        assert deadline.due_on == plain


@FAST
@given(received=receipts, wait_after=st.integers(0, 27))
def test_zero_working_days_waiting_changes_nothing(received: date, wait_after: int) -> None:
    uk = CALENDARS[Nation.UK]
    plain = ENGINE.compute("foi", received).due_on
    assert plain is not None
    day = received + timedelta(days=wait_after)
    if uk.is_working_day(day) or day > plain:
        return  # a fee notice and payment on the same non-working day disregard no working day
    deadline = ENGINE.compute("foi", received, [ev("fee_requested", day.isoformat()), ev("fee_paid", day.isoformat())])
    assert (deadline.due_on, deadline.paused_days) == (plain, 0)
