"""Service hours and the incident clock, including the March and October clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from backoffice.clocks import (
    LONDON,
    CalendarSet,
    ClockError,
    EventOrderError,
    IncidentClock,
    IncidentEvent,
    IncidentEventKind,
    InvalidSequenceError,
    Nation,
    ServiceHours,
    ServiceTarget,
)

AWAIT, RESPONDED, RESOLVED = IncidentEventKind


@pytest.fixture(scope="module")
def plus(calendars: CalendarSet) -> ServiceHours:
    """Plus and Premium service hours: 08:00-18:30 Mon-Fri, England and Wales bank holidays."""
    return ServiceHours.weekdays(time(8), time(18, 30), calendars[Nation.ENGLAND_AND_WALES])


def london(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


H = timedelta(hours=1)


def test_opening_hours_follow_the_wall_clock_across_bst(plus: ServiceHours) -> None:
    # last Sunday of March 2026 is the 29th: 08:00 is 08:00Z the Friday before and 07:00Z the Monday after
    assert plus.window_on(london("2026-03-27").date()) == (utc("2026-03-27 08:00"), utc("2026-03-27 18:30"))
    assert plus.window_on(london("2026-03-30").date()) == (utc("2026-03-30 07:00"), utc("2026-03-30 17:30"))
    # last Sunday of October 2026 is the 25th
    assert plus.window_on(london("2026-10-23").date()) == (utc("2026-10-23 07:00"), utc("2026-10-23 17:30"))
    assert plus.window_on(london("2026-10-26").date()) == (utc("2026-10-26 08:00"), utc("2026-10-26 18:30"))
    assert plus.window_on(london("2026-03-28").date()) is None  # Saturday
    assert plus.window_on(london("2026-04-03").date()) is None  # Good Friday


def test_a_week_of_service_is_the_same_length_across_either_change(plus: ServiceHours) -> None:
    for monday in ("2026-03-23", "2026-10-19", "2026-06-08"):
        start = london(f"{monday} 00:00")
        assert plus.elapsed(start, start + timedelta(days=7)) == 52.5 * H


def test_add_service_time_over_the_march_change(plus: ServiceHours) -> None:
    received = london("2026-03-27 17:30")  # Friday, GMT
    assert plus.add(received, 8 * H) == utc("2026-03-30 14:00")  # 1h Friday, 7h Monday (BST: 15:00 local)
    assert plus.elapsed(received, utc("2026-03-30 08:00")) == 2 * H


def test_add_service_time_over_the_october_change(plus: ServiceHours) -> None:
    received = london("2026-10-23 18:00")  # Friday, BST
    assert plus.add(received, 4 * H) == utc("2026-10-26 11:30")  # 0.5h Friday, 3.5h Monday (GMT)


def test_add_ends_at_closing_not_next_opening(plus: ServiceHours) -> None:
    assert plus.add(london("2026-03-02 08:00"), timedelta(hours=10, minutes=30)) == utc("2026-03-02 18:30")
    assert plus.add(london("2026-03-02 08:00"), timedelta(0)) == utc("2026-03-02 08:00")


def test_next_opening(plus: ServiceHours) -> None:
    assert plus.next_opening(london("2026-03-02 09:15")) == utc("2026-03-02 09:15")  # open: now
    assert plus.next_opening(london("2026-03-02 19:00")) == utc("2026-03-03 08:00")
    assert plus.next_opening(london("2026-03-28 10:00")) == utc("2026-03-30 07:00")  # Saturday -> Monday BST
    assert plus.next_opening(london("2026-04-03 09:00")) == utc("2026-04-07 07:00")  # Good Friday -> Tuesday
    assert not plus.is_open(london("2026-03-02 18:30"))
    assert plus.is_open(london("2026-03-02 18:29"))


def test_naive_datetimes_are_refused(plus: ServiceHours) -> None:
    with pytest.raises(ClockError, match="timezone-aware"):
        plus.elapsed(datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 10, tzinfo=UTC))


def test_out_of_hours_incident_starts_at_next_opening(plus: ServiceHours) -> None:
    clock = IncidentClock.compute(plus, london("2026-03-28 22:00"))  # Saturday night before the change
    assert clock.started_at == utc("2026-03-30 07:00")
    assert clock.due_at(ServiceTarget.parse("4h")) == utc("2026-03-30 11:00")
    assert clock.elapsed(as_of=london("2026-03-30 09:00")) == 1 * H


def test_paused_incident(plus: ServiceHours) -> None:
    clock = IncidentClock.compute(
        plus,
        london("2026-03-02 09:00"),
        [
            IncidentEvent(AWAIT, london("2026-03-02 10:00")),
            IncidentEvent(RESPONDED, london("2026-03-03 12:00")),
            IncidentEvent(RESOLVED, london("2026-03-03 15:00")),
        ],
    )
    assert clock.paused == ((utc("2026-03-02 10:00"), utc("2026-03-03 12:00")),)
    assert clock.stopped_at == utc("2026-03-03 15:00")
    assert clock.elapsed() == 4 * H
    four = clock.assess(ServiceTarget(4, "hours"))
    assert (four.due_at, four.outcome, four.met) == (utc("2026-03-03 15:00"), "met", True)
    three = clock.assess(ServiceTarget(3, "hours"))
    assert (three.due_at, three.outcome, three.breached) == (utc("2026-03-03 14:00"), "breached", True)


def test_incident_still_awaiting_customer(plus: ServiceHours) -> None:
    clock = IncidentClock.compute(plus, london("2026-03-02 09:00"), [IncidentEvent(AWAIT, london("2026-03-02 10:00"))])
    assert clock.is_paused
    assert clock.due_at(ServiceTarget(4, "hours")) is None
    assert clock.due_at(ServiceTarget(1, "hours")) == utc("2026-03-02 10:00")
    assessment = clock.assess(ServiceTarget(4, "hours"), as_of=london("2026-03-09 09:00"))
    assert (assessment.elapsed, assessment.remaining, assessment.outcome) == (1 * H, 3 * H, "open")
    with pytest.raises(ClockError, match="as_of"):
        clock.elapsed()


def test_incident_paused_across_the_october_change(plus: ServiceHours) -> None:
    clock = IncidentClock.compute(
        plus,
        london("2026-10-23 16:30"),  # Friday, BST
        [IncidentEvent(AWAIT, london("2026-10-23 17:30")), IncidentEvent(RESPONDED, london("2026-10-26 10:00"))],
    )
    target = ServiceTarget(8, "hours")
    # 1h Friday; Monday (GMT) from 10:00 local the remaining 7h -> 17:00 local = 17:00Z
    assert clock.due_at(target) == utc("2026-10-26 17:00")
    assert clock.assess(target, as_of=utc("2026-10-26 18:00")).outcome == "breached"


def test_working_day_targets_are_service_days_of_time(plus: ServiceHours) -> None:
    assert ServiceTarget.parse("2wd").duration(plus) == 21 * H
    clock = IncidentClock.compute(plus, london("2026-03-02 10:00"))
    assert clock.due_at(ServiceTarget.parse("2 wd")) == utc("2026-03-04 10:00")
    # over Easter 2026 (Good Friday 3 Apr, Easter Monday 6 Apr) and into BST
    easter = IncidentClock.compute(plus, london("2026-04-02 10:00"))
    assert easter.due_at(ServiceTarget(2, "working_days")) == london("2026-04-08 10:00").astimezone(UTC)


def test_incident_event_refusals(plus: ServiceHours) -> None:
    start = london("2026-03-02 09:00")
    with pytest.raises(InvalidSequenceError, match="not awaiting"):
        IncidentClock.compute(plus, start, [IncidentEvent(RESPONDED, start + H)])
    with pytest.raises(InvalidSequenceError, match="already awaiting"):
        IncidentClock.compute(plus, start, [IncidentEvent(AWAIT, start + H), IncidentEvent(AWAIT, start + 2 * H)])
    with pytest.raises(InvalidSequenceError, match="after the incident was resolved"):
        IncidentClock.compute(plus, start, [IncidentEvent(RESOLVED, start + H), IncidentEvent(AWAIT, start + 2 * H)])
    with pytest.raises(EventOrderError):
        IncidentClock.compute(plus, start, [IncidentEvent(AWAIT, start - H)])
    with pytest.raises(ClockError, match="must look like"):
        ServiceTarget.parse("four hours")


def test_resolving_while_awaiting_customer_ends_the_wait(plus: ServiceHours) -> None:
    clock = IncidentClock.compute(
        plus,
        london("2026-03-02 09:00"),
        [IncidentEvent(AWAIT, london("2026-03-02 10:00")), IncidentEvent(RESOLVED, london("2026-03-02 12:00"))],
    )
    assert clock.elapsed() == 1 * H
    assert not clock.is_paused
