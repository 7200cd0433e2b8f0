"""Availability from time, on a real database: worked examples in and out of the availability hours.

Every example is in December 2026 (London is on GMT, so the wall-clock times are UTC) with a probe every
minute of the day unless it says otherwise; "now" is in January, after the period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from sqlalchemy import insert
from sqlalchemy.orm import Session

from backoffice.incidents.availability import STALE, Availability, availability, availability_by_day
from backoffice.incidents.models import Incident, Maintenance, ProbeResult

UTC = dt.UTC
MINUTE = dt.timedelta(minutes=1)
SERVICE = "capture"


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(autouse=True)
def after_the_period() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2027, 1, 10, 12, tzinfo=UTC), tick=False):
        yield


def probes(db: Session, first: str, last: str, *, failing: tuple[tuple[str, str], ...] = (),
           missing: tuple[tuple[str, str], ...] = (), service: str = SERVICE) -> None:
    """A result every minute from ``first`` to ``last`` (inclusive): "fail" inside a ``failing`` span
    (start inclusive, end exclusive), none inside a ``missing`` one, else "pass"."""
    rows = []
    moment, end = at(first), at(last)
    fails = [(at(a), at(b)) for a, b in failing]
    gaps = [(at(a), at(b)) for a, b in missing]
    while moment <= end:
        if not any(a <= moment < b for a, b in gaps):
            outcome = "fail" if any(a <= moment < b for a, b in fails) else "pass"
            rows.append({"service": service, "at": moment, "outcome": outcome, "duration_ms": 120})
        moment += MINUTE
    db.execute(insert(ProbeResult), rows)


def p1(db: Session, received: str, resolved: str | None, *, external: str = "", service: str = SERVICE,
       priority: str = "P1") -> None:
    db.add(Incident(reference=f"INC-T{received[-8:]}", service=service, priority=priority, title="Down",
                    status="resolved" if resolved else "investigating", service_model="plus",
                    received_at=at(received), resolved_at=at(resolved) if resolved else None,
                    external_cause=external, raised_by="tests"))
    db.flush()


def day(db: Session, date: str) -> Availability:
    return availability(db, SERVICE, at(f"{date}T00:00:00"), at(f"{date}T00:00:00") + dt.timedelta(days=1))


def minutes(value: dt.timedelta) -> float:
    return value.total_seconds() / 60


def test_a_ten_minute_failure_inside_hours_is_ten_minutes_down(db: Session) -> None:
    probes(db, "2026-12-07T00:00:00", "2026-12-07T23:59:00", failing=(("2026-12-07T10:00:00", "2026-12-07T10:10:00"),))
    figures = day(db, "2026-12-07")
    assert minutes(figures.scheduled) == 630  # 08:00-18:30
    assert minutes(figures.downtime) == 10
    assert figures.maintenance == figures.no_data == dt.timedelta(0)
    assert figures.availability == pytest.approx(1 - 10 / 630)
    assert figures.percent == "98.41%" and figures.met is False
    assert minutes(figures.budget) == pytest.approx(0.63)
    assert minutes(figures.budget_left) == pytest.approx(0.63 - 10)


def test_a_failure_from_six_to_seven_counts_only_the_half_hour_before_closing(db: Session) -> None:
    probes(db, "2026-12-07T00:00:00", "2026-12-07T23:59:00", failing=(("2026-12-07T18:00:00", "2026-12-07T19:00:00"),))
    assert minutes(day(db, "2026-12-07").downtime) == 30


def test_the_same_minutes_count_the_same_as_one_result_each(db: Session) -> None:
    """Time, not checks: two results five seconds apart count five seconds of failure, not one check."""
    rows = [{"service": SERVICE, "at": at("2026-12-07T10:00:00") + dt.timedelta(seconds=s), "outcome": o,
             "duration_ms": 1} for s, o in ((0, "pass"), (60, "fail"), (65, "pass"), (120, "pass"))]
    db.execute(insert(ProbeResult), rows)
    figures = availability(db, SERVICE, at("2026-12-07T10:00:00"), at("2026-12-07T10:02:00"))
    assert figures.downtime == dt.timedelta(seconds=5)
    assert figures.no_data == dt.timedelta(0) and figures.scheduled == dt.timedelta(minutes=2)


def test_a_failure_at_the_weekend_or_on_a_bank_holiday_counts_nothing(db: Session) -> None:
    probes(db, "2026-12-05T00:00:00", "2026-12-05T23:59:00", failing=(("2026-12-05T09:00:00", "2026-12-05T17:00:00"),))
    saturday = day(db, "2026-12-05")
    assert saturday.scheduled == saturday.downtime == dt.timedelta(0) and saturday.availability is None
    probes(db, "2026-12-25T00:00:00", "2026-12-25T23:59:00", failing=(("2026-12-25T09:00:00", "2026-12-25T17:00:00"),))
    christmas = day(db, "2026-12-25")  # a Friday
    assert christmas.scheduled == christmas.downtime == dt.timedelta(0)
    p1(db, "2026-12-28T09:00:00", "2026-12-28T12:00:00")  # the Boxing Day bank holiday, moved to Monday
    assert day(db, "2026-12-28").downtime == dt.timedelta(0)


def test_maintenance_is_shown_apart_and_not_measured(db: Session) -> None:
    probes(db, "2026-12-08T00:00:00", "2026-12-08T23:59:00", failing=(("2026-12-08T12:00:00", "2026-12-08T13:30:00"),))
    db.add(Maintenance(service=SERVICE, title="Database upgrade", starts_at=at("2026-12-08T12:00:00"),
                       ends_at=at("2026-12-08T13:00:00"), created_by="tests"))
    db.add(Maintenance(service="", title="Cancelled", starts_at=at("2026-12-08T15:00:00"),
                       ends_at=at("2026-12-08T16:00:00"), created_by="tests", cancelled_at=at("2026-12-01T09:00:00")))
    db.add(Maintenance(service="secure_share", title="Not ours", starts_at=at("2026-12-08T09:00:00"),
                       ends_at=at("2026-12-08T10:00:00"), created_by="tests"))
    db.flush()
    figures = day(db, "2026-12-08")
    assert minutes(figures.maintenance) == 60
    assert minutes(figures.downtime) == 30  # only the failure after the window
    assert minutes(figures.measured) == 630 - 60


def test_maintenance_for_every_service_applies_to_this_one(db: Session) -> None:
    probes(db, "2026-12-08T00:00:00", "2026-12-08T23:59:00")
    db.add(Maintenance(service="", title="Network", starts_at=at("2026-12-08T07:00:00"),
                       ends_at=at("2026-12-08T09:00:00"), created_by="tests"))
    db.flush()
    assert minutes(day(db, "2026-12-08").maintenance) == 60  # 08:00-09:00 of it is inside the hours


def test_a_gap_in_the_probe_data_is_shown_apart(db: Session) -> None:
    probes(db, "2026-12-09T00:00:00", "2026-12-09T23:59:00",
           missing=(("2026-12-09T14:00:00", "2026-12-09T14:30:00"),),
           failing=(("2026-12-09T13:59:00", "2026-12-09T14:00:00"),))
    figures = day(db, "2026-12-09")
    # The 13:59 result (a failure) stands for STALE; after that nothing is known until 14:30.
    assert minutes(figures.downtime) == minutes(STALE)
    assert minutes(figures.no_data) == 31 - minutes(STALE)
    assert minutes(figures.measured) == 630 - figures.no_data.total_seconds() / 60


def test_a_period_with_no_probes_at_all_is_all_no_data(db: Session) -> None:
    figures = day(db, "2026-12-10")
    assert minutes(figures.no_data) == 630 and figures.measured == dt.timedelta(0) and figures.availability is None


def test_an_open_p1_is_downtime_but_not_one_caused_by_another_party(db: Session) -> None:
    probes(db, "2026-12-07T00:00:00", "2026-12-07T23:59:00",
           failing=(("2026-12-07T11:10:00", "2026-12-07T11:30:00"),))
    p1(db, "2026-12-07T11:00:00", "2026-12-07T11:20:00")  # overlaps the failure: counted once
    p1(db, "2026-12-07T15:00:00", "2026-12-07T16:00:00", external="The hosting supplier")
    p1(db, "2026-12-07T16:00:00", "2026-12-07T17:00:00", priority="P2")
    p1(db, "2026-12-07T09:00:00", "2026-12-07T10:00:00", service="secure_share")
    assert minutes(day(db, "2026-12-07").downtime) == 30  # 11:00-11:30


def test_an_unresolved_p1_runs_to_the_period_end_even_without_probe_data(db: Session) -> None:
    p1(db, "2026-12-11T17:00:00", None)
    figures = day(db, "2026-12-11")
    assert minutes(figures.downtime) == 90  # 17:00-18:30: known down, not unknown
    assert minutes(figures.no_data) == 630 - 90


def test_a_month_of_good_probes_leaves_about_thirteen_minutes_of_budget(db: Session) -> None:
    probes(db, "2026-11-01T00:00:00", "2026-11-30T23:59:00",
           failing=(("2026-11-10T09:00:00", "2026-11-10T09:05:00"),))
    figures = availability(db, SERVICE, at("2026-11-01T00:00:00"), at("2026-12-01T00:00:00"))
    assert minutes(figures.scheduled) == 21 * 630  # 21 weekdays, no bank holiday
    assert minutes(figures.budget) == pytest.approx(13.23)
    assert minutes(figures.budget_left) == pytest.approx(8.23)
    assert figures.met is True and figures.percent == "99.96%"


def test_by_day_splits_one_pass_into_london_days(db: Session) -> None:
    probes(db, "2026-12-04T00:00:00", "2026-12-07T23:59:00",
           failing=(("2026-12-04T18:20:00", "2026-12-07T08:05:00"),))  # Friday evening to Monday morning
    days = availability_by_day(db, SERVICE, dt.date(2026, 12, 4), dt.date(2026, 12, 7))
    assert [d.day.day for d in days] == [4, 5, 6, 7]
    assert [minutes(d.figures.downtime) for d in days] == [10, 0, 0, 5]


def test_summer_time_hours_are_london_hours(db: Session) -> None:
    """In June 08:00 London is 07:00 UTC: a failure 07:00-07:10 UTC is inside the hours."""
    rows = [{"service": SERVICE, "at": at("2026-06-15T06:50:00") + i * MINUTE,
             "outcome": "fail" if 10 <= i < 20 else "pass", "duration_ms": 1} for i in range(40)]
    db.execute(insert(ProbeResult), rows)
    figures = availability(db, SERVICE, at("2026-06-15T07:00:00"), at("2026-06-15T07:30:00"))
    assert minutes(figures.scheduled) == 30 and minutes(figures.downtime) == 10


def test_the_future_is_not_measured(db: Session) -> None:
    with time_machine.travel(dt.datetime(2026, 12, 7, 9, 0, tzinfo=UTC), tick=False):
        probes(db, "2026-12-07T00:00:00", "2026-12-07T08:59:00")
        figures = day(db, "2026-12-07")
    assert minutes(figures.scheduled) == 60 and figures.end == at("2026-12-07T09:00:00")


def test_the_two_scans_agree_on_irregular_results(db: Session) -> None:
    """SQLite's string scan and the windowed query find the same spans (on SQLite both can run)."""
    import random
    import re

    from backoffice.incidents import availability as measure
    from backoffice.incidents.service_levels import Service

    rng = random.Random(16)
    moment, rows = at("2026-12-07T07:00:00"), list[dict[str, Any]]()
    for _ in range(400):
        moment += dt.timedelta(seconds=rng.choice([5, 30, 60, 60, 60, 170, 180, 181, 240, 900]))
        rows.append({"service": SERVICE, "at": moment, "outcome": rng.choice(["pass", "pass", "fail", "slow"]),
                     "duration_ms": 1})
    db.execute(insert(ProbeResult), rows)
    start, end = at("2026-12-07T08:00:00"), moment - dt.timedelta(minutes=20)
    # The reference: every row, in Python.
    kept = [r for r in rows if start - STALE <= r["at"] < end]
    flags = "".join("f" if r["outcome"] == "fail" else "p" for r in kept)
    expected = measure._spans_of_rows([r["at"] for r in kept], (m.span() for m in re.finditer("f+", flags)),
                                      start, end)
    assert expected[0] and expected[1] and len(expected[0]) > 5
    assert measure._probe_spans_windowed(db, Service.CAPTURE, start, end) == expected
    if db.get_bind().dialect.name == "sqlite":
        assert measure._probe_spans_sqlite(db, Service.CAPTURE, start, end) == expected
    assert measure.probe_spans(db, Service.CAPTURE, start, end) == expected
