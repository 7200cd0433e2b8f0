"""The incident clocks on the body's calendar, with worked examples and properties.

Worked examples are in London wall-clock time; each is one a duty manager could check with a calendar.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from backoffice.clocks import CalendarSet, IncidentClock, IncidentEvent, IncidentEventKind, Nation, ServiceHours
from backoffice.incidents import clock
from backoffice.incidents import incidents as steps
from backoffice.incidents import service_levels as levels
from backoffice.incidents.times import parse_instant, parse_london
from backoffice.organisation import bank_holidays
from backoffice.organisation.body import set_nation
from shared.errors import InvalidInput
from tests.factories import SYSTEM

LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2027, 1, 20, 12, 0, tzinfo=dt.UTC)


def london(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=LONDON).astimezone(dt.UTC)


def raised(db: Session, received: str, priority: str = "P2", service: str = "capture") -> steps.Incident:
    return steps.raise_incident(db, SYSTEM, service=service, priority=priority, title="Worked example",
                                received_at=london(received))


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(("received", "priority", "response", "resolve"), [
    # Thursday before Easter 2026, 16:00: P2 8 h = 2.5 h Thu, then Good Friday and Easter Monday closed, 5.5 h Tue.
    ("2026-04-02 16:00", "P2", "2026-04-02 18:00", "2026-04-07 13:30"),
    # Christmas Eve 2026 (Thu), 17:00: P1 4 h = 1.5 h Thu, Christmas Day and Boxing Day (Mon 28 substitute) closed.
    ("2026-12-24 17:00", "P1", "2026-12-24 18:00", "2026-12-29 10:30"),
    # Friday before the March change, 17:00: P2 respond 1.5 h Fri + 0.5 h Mon, resolve 1.5 h + 6.5 h (BST now).
    ("2026-03-27 17:00", "P2", "2026-03-30 08:30", "2026-03-30 14:30"),
    # Friday before the October change.
    ("2026-10-23 17:00", "P2", "2026-10-26 08:30", "2026-10-26 14:30"),
    # Out of hours in the repeated hour of the October change (the first 1:30am, BST): starts Monday 08:00;
    # 3 wd = 31.5 h ends at Wednesday's closing, not Thursday's opening.
    ("2026-10-25 01:30", "P3", "2026-10-26 10:00", "2026-10-28 18:30"),
    # P4, 50 working days of 10.5 h each: ten whole weeks, no bank holiday before Good Friday.
    ("2026-01-05 08:00", "P4", "2026-01-05 10:00", "2026-03-13 18:30"),
])
def test_worked_examples_in_england(db: Session, received: str, priority: str, response: str, resolve: str) -> None:
    incident = raised(db, received, priority)
    assert (incident.response_due_at, incident.resolve_due_at) == (london(response), london(resolve))


@time_machine.travel(NOW, tick=False)
def test_p3_three_working_days_read_as_service_days_of_time(db: Session) -> None:
    incident = raised(db, "2026-01-05 10:00", "P3")  # Monday
    assert incident.resolve_due_at == london("2026-01-08 10:00")  # Thursday, 31.5 service hours later
    assert "3 working days (31 hours 30 minutes of service time)" in clock.compute(db, incident).resolve.explanation


@time_machine.travel(NOW, tick=False)
def test_scottish_and_northern_irish_days_close_the_service_where_the_body_is(db: Session) -> None:
    # St Andrew's Day (Monday 30 Nov 2026) is a Scottish bank holiday only.
    english = raised(db, "2026-11-27 17:00", "P1")
    set_nation(db, SYSTEM, Nation.SCOTLAND.value)
    scottish = raised(db, "2026-11-27 17:00", "P1")
    assert english.resolve_due_at == london("2026-11-30 10:30")
    assert scottish.resolve_due_at == london("2026-12-01 10:30")
    set_nation(db, SYSTEM, Nation.NORTHERN_IRELAND.value)
    # St Patrick's Day, Tuesday 17 March 2026.
    irish = raised(db, "2026-03-16 17:00", "P1")
    assert irish.resolve_due_at == london("2026-03-18 10:30")


@time_machine.travel(NOW, tick=False)
def test_a_pause_over_a_night_and_a_weekend_keeps_only_service_time(db: Session) -> None:
    incident = raised(db, "2027-01-08 09:00", "P2")  # Friday
    steps.pause(db, SYSTEM, incident, at=london("2027-01-08 16:00"))  # 7 h used
    assert incident.resolve_due_at is None
    steps.resume(db, SYSTEM, incident, at=london("2027-01-11 09:00"))  # Monday: 1 h left
    assert incident.resolve_due_at == london("2027-01-11 10:00")
    computed = clock.compute(db, incident)
    assert computed.paused_time == dt.timedelta(hours=3, minutes=30)  # Fri 16:00-18:30, Mon 08:00-09:00
    assert "3 hours 30 minutes of service time awaiting the customer is not counted" in computed.resolve.explanation


@time_machine.travel(NOW, tick=False)
def test_an_administrators_bank_holiday_moves_open_deadlines_and_says_why(db: Session) -> None:
    incident = raised(db, "2027-01-20 09:00", "P3")  # Wednesday; 3 wd -> Monday 25 Jan 09:00... via Fri
    before = incident.resolve_due_at
    bank_holidays.add_bank_holiday(db, SYSTEM, Nation.ENGLAND_AND_WALES.value, dt.date(2027, 1, 22), "Jubilee")
    assert incident.resolve_due_at is not None and before is not None and incident.resolve_due_at > before
    moves = [e for e in clock.timeline(db, incident) if e.kind == steps.DEADLINE_MOVED]
    assert moves and "Jubilee" in moves[-1].text


def test_times_from_forms_refuse_the_missing_and_repeated_hours() -> None:
    with pytest.raises(InvalidInput, match="did not happen"):
        parse_london("2026-03-29", "01:30", "at", now=NOW)
    with pytest.raises(InvalidInput, match="happened twice"):
        parse_london("2026-10-25", "01:30", "at", now=NOW)
    assert parse_london("2026-10-25", "02:30", "at", now=NOW) == dt.datetime(2026, 10, 25, 2, 30, tzinfo=dt.UTC)
    assert parse_london("29/3/2026", "02:30", "at", now=NOW) == dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC)
    for bad in ("", "2026-02-30", "yesterday"):
        with pytest.raises(InvalidInput):
            parse_london(bad, "10:00", "at", now=NOW)
    with pytest.raises(InvalidInput):
        parse_london("2026-01-01", "25:00", "at", now=NOW)


@pytest.mark.parametrize("bad", ["2026-12-01T10:00:00", "1969-12-31T23:59:59Z", "2099-01-01T00:00:00Z", "soon", 7,
                                 None, "2026-12-01T10:00:00+01:00" + "x" * 40])
def test_api_times_need_an_offset_and_a_possible_moment(bad: object) -> None:
    with pytest.raises(InvalidInput):
        parse_instant(bad, "received_at", now=NOW)


def test_api_times_are_kept_in_utc_to_the_second() -> None:
    assert parse_instant("2026-06-01T10:00:00.7+01:00", "at", now=NOW) == dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


PLUS = ServiceHours.weekdays(dt.time(8), dt.time(18, 30), CalendarSet().calendar(Nation.ENGLAND_AND_WALES))
instants = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 12, 31),
                        timezones=st.just(dt.UTC))
targets = st.sampled_from([levels.TERMS[m].resolve[p] for m in (levels.ServiceModel.PLUS, levels.ServiceModel.PREMIUM)
                           for p in levels.TERMS[m].resolve])


def _inside_hours(moment: dt.datetime) -> bool:
    """Open at the instant, or exactly at a closing time (a target ending at closing is due then)."""
    window = PLUS.window_on(moment.astimezone(LONDON).date())
    return window is not None and window[0] <= moment <= window[1]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(received=instants, target=targets)
def test_a_due_time_never_lands_outside_service_hours(received: dt.datetime, target: levels.ServiceTarget) -> None:
    due = IncidentClock.compute(PLUS, received).due_at(target)
    assert due is not None and _inside_hours(due)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(received=instants, target=targets, wait_after=st.integers(0, 20_000), waited=st.integers(0, 20_000))
def test_pausing_never_brings_a_deadline_earlier(received: dt.datetime, target: levels.ServiceTarget,
                                                 wait_after: int, waited: int) -> None:
    plain = IncidentClock.compute(PLUS, received).due_at(target)
    begin = received + dt.timedelta(minutes=wait_after)
    paused = IncidentClock.compute(PLUS, received, [
        IncidentEvent(IncidentEventKind.AWAITING_CUSTOMER, begin),
        IncidentEvent(IncidentEventKind.CUSTOMER_RESPONDED, begin + dt.timedelta(minutes=waited))]).due_at(target)
    assert plain is not None and paused is not None and paused >= plain
