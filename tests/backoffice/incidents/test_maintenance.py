"""Planned maintenance on a real database: six hours' notice, outside core business hours, cancelling."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from backoffice.incidents import maintenance
from backoffice.incidents.maintenance import cancel_maintenance, planned_time, schedule_maintenance
from backoffice.incidents.service_levels import Service
from shared.errors import Conflict, InvalidInput, NotFound
from tests.factories import SYSTEM

UTC = dt.UTC
#: Thursday 3 December 2026, 10:00 in London (winter: London is UTC).
NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def plan(db: Session, start: str, end: str, service: str = "secure_share", title: str = "Database upgrade"):
    return schedule_maintenance(db, SYSTEM, service=service, title=title, starts_at=at(start), ends_at=at(end),
                                now=NOW)


def test_an_evening_window_with_notice_is_scheduled_and_listed_for_its_service_and_all(db: Session) -> None:
    evening = plan(db, "2026-12-03T19:00", "2026-12-03T23:00")
    everything = plan(db, "2026-12-05T09:00", "2026-12-05T17:00", service="all", title="Network move")
    plan(db, "2026-12-04T20:00", "2026-12-05T02:00", service="capture", title="Forms upgrade")
    assert evening.service == "secure_share" and everything.service == ""
    listed = maintenance.upcoming_maintenance(db, Service.SECURE_SHARE, NOW)
    assert [m.title for m in listed] == ["Database upgrade", "Network move"]
    assert len(maintenance.upcoming_maintenance(db, None, NOW)) == 3
    # Under way is still listed; over is not.
    under_way = maintenance.upcoming_maintenance(db, "secure_share", at("2026-12-03T20:00"))
    assert under_way[0].title == "Database upgrade"
    assert [m.title for m in maintenance.upcoming_maintenance(db, "secure_share", at("2026-12-04T00:00"))] == ["Network move"]


@pytest.mark.parametrize(("start", "end", "field", "words"), [
    ("2026-12-03T15:59", "2026-12-03T23:00", "starts_at", "at least 6 hours"),  # 5 h 59 min of notice
    ("2026-12-03T19:00", "2026-12-03T19:00", "ends_at", "after the start"),
    ("2026-12-04T17:00", "2026-12-04T20:00", "starts_at", "core business hours at 5:00pm on Fri 4 Dec 2026"),
    ("2026-12-04T02:00", "2026-12-04T05:00", "starts_at", "core business hours at 4:00am on Fri 4 Dec 2026"),
    ("2026-12-05T22:00", "2026-12-07T09:00", "starts_at", "core business hours at 4:00am on Mon 7 Dec 2026"),
    ("2028-01-01T22:00", "2028-01-01T23:00", "starts_at", "within a year"),
])
def test_short_notice_core_hours_and_backwards_windows_are_refused(db: Session, start: str, end: str, field: str,
                                                                  words: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        plan(db, start, end)
    assert words in refused.value.errors[field]
    assert maintenance.upcoming_maintenance(db, None, NOW) == []


def test_a_bank_holiday_is_outside_core_hours(db: Session) -> None:
    assert plan(db, "2026-12-28T09:00", "2026-12-28T17:00").id  # the Boxing Day substitute, a Monday


@pytest.mark.parametrize(("service", "title", "field"), [("nope", "Upgrade", "service"), ("", "Upgrade", "service"),
                                                         ("capture", "  ", "title"),
                                                         ("capture", "x" * 201, "title")])
def test_unknown_services_and_bad_titles_are_refused(db: Session, service: str, title: str, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        plan(db, "2026-12-03T19:00", "2026-12-03T23:00", service=service, title=title)
    assert field in refused.value.errors


def test_cancelling_withdraws_it_once_and_never_after_it_ends(db: Session) -> None:
    row = plan(db, "2026-12-03T19:00", "2026-12-03T23:00")
    cancel_maintenance(db, SYSTEM, row.id, now=NOW)
    assert row.cancelled_at == NOW and maintenance.upcoming_maintenance(db, None, NOW) == []
    with pytest.raises(Conflict, match="already cancelled"):
        cancel_maintenance(db, SYSTEM, row.id, now=NOW)
    over = plan(db, "2026-12-03T20:00", "2026-12-03T22:00")
    with pytest.raises(Conflict, match="already ended"):
        cancel_maintenance(db, SYSTEM, over.id, now=at("2026-12-03T22:00"))
    with pytest.raises(NotFound):
        cancel_maintenance(db, SYSTEM, 999999, now=NOW)


def test_a_planned_time_may_be_ahead_but_not_in_the_hour_the_clocks_skip() -> None:
    assert planned_time("2030-06-01", "21:00", "starts_at") == dt.datetime(2030, 6, 1, 20, 0, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="did not happen"):
        planned_time("2027-03-28", "01:30", "starts_at")
