"""The public view of a service: its state, open incidents with public updates only, planned maintenance, the
last 90 days and the feed's incidents, as frozen records."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from sqlalchemy import insert
from sqlalchemy.orm import Session

from backoffice.incidents import incidents as steps
from backoffice.incidents.models import Maintenance, ProbeResult
from backoffice.incidents.status import DEGRADED, DOWN, OPERATIONAL, incident_feed, service_status
from tests.factories import SYSTEM

UTC = dt.UTC
NOW = dt.datetime(2026, 12, 10, 12, 0, tzinfo=UTC)  # a Thursday


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def probe(db: Session, when: dt.datetime, outcome: str, service: str = "capture") -> None:
    db.execute(insert(ProbeResult), [{"service": service, "at": when, "outcome": outcome, "duration_ms": 5}])


pytestmark = pytest.mark.usefixtures("travel")


@pytest.fixture
def travel() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_quiet_service_is_operational_with_ninety_days(db: Session) -> None:
    status = service_status(db, "capture")
    assert status.state == OPERATIONAL and status.state_name == "Operational"
    assert status.open_incidents == status.recent == status.maintenance == ()
    assert len(status.days) == 90 and status.days[0].day == dt.date(2026, 12, 10)
    assert status.days[-1].day == dt.date(2026, 9, 12)
    assert status.checked_at is None and status.target == "99.9%"
    saturday = next(d for d in status.days if d.day == dt.date(2026, 12, 5))
    assert saturday.availability == "outside hours" and saturday.worst_priority is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        status.state = DOWN  # type: ignore[misc]


def test_open_incidents_show_public_updates_only_and_set_the_state(db: Session) -> None:
    incident = steps.raise_incident(db, SYSTEM, service="capture", priority="P2", title="Forms are slow",
                                    affected="Internal: the database host db-2", received_at=at("2026-12-10T09:00:00"))
    steps.post_update(db, SYSTEM, incident, text="Internal: restarting db-2", public=False, at=at("2026-12-10T09:10:00"))
    steps.post_update(db, SYSTEM, incident, text="We know forms are slow and are fixing it", public=True,
                      status="identified", at=at("2026-12-10T09:20:00"))
    steps.raise_incident(db, SYSTEM, service="secure_share", priority="P1", title="Other service",
                         received_at=at("2026-12-10T09:00:00"))
    status = service_status(db, "capture")
    assert status.state == DEGRADED
    (shown,) = status.open_incidents
    assert shown.reference == incident.reference and shown.title == "Forms are slow"
    assert shown.status_name == "Identified" and shown.impact == "Significant disruption"
    assert [(u.text, u.status_name) for u in shown.updates] == [("We know forms are slow and are fixing it",
                                                                "Identified")]
    assert "Internal" not in repr(status)
    assert shown.updated_at == at("2026-12-10T09:20:00")
    today = status.days[0]
    assert today.worst_priority == "P2" and today.incidents == (incident.reference,)


def test_recent_failing_probes_say_down_and_old_ones_say_nothing(db: Session) -> None:
    probe(db, NOW - dt.timedelta(minutes=10), "fail")
    status = service_status(db, "capture")
    assert status.state == OPERATIONAL and status.checked_at is None  # too old to say anything
    probe(db, NOW - dt.timedelta(minutes=1), "slow")
    assert service_status(db, "capture").state == DEGRADED
    probe(db, NOW - dt.timedelta(seconds=10), "fail")
    status = service_status(db, "capture")
    assert status.state == DOWN and status.checked_at == NOW - dt.timedelta(seconds=10)
    assert status.state_name == "Not available"


def test_a_p1_marks_the_service_down_and_its_days_after_resolving(db: Session) -> None:
    incident = steps.raise_incident(db, SYSTEM, service="capture", priority="P1", title="No form can be sent",
                                    received_at=at("2026-12-08T10:00:00"))
    assert service_status(db, "capture").state == DOWN
    steps.resolve(db, SYSTEM, incident, text="Fixed the mail relay", at=at("2026-12-08T11:00:00"))
    status = service_status(db, "capture")
    assert status.state == OPERATIONAL and status.open_incidents == ()
    (recent,) = status.recent
    assert recent.status_name == "Resolved" and recent.summary == "Fixed the mail relay"
    tuesday = next(d for d in status.days if d.day == dt.date(2026, 12, 8))
    assert tuesday.worst_priority == "P1" and tuesday.state == DOWN and tuesday.downtime_minutes == 60
    assert tuesday.availability == "0.00%"  # no probes ran: the P1's hour is the only time known


def test_planned_maintenance_is_upcoming_and_not_cancelled(db: Session) -> None:
    db.add_all([
        Maintenance(service="capture", title="Upgrade", starts_at=at("2026-12-14T20:00:00"),
                    ends_at=at("2026-12-15T02:00:00"), created_by="tests"),
        Maintenance(service="", title="Network for all", starts_at=at("2026-12-10T11:00:00"),
                    ends_at=at("2026-12-10T13:00:00"), created_by="tests"),
        Maintenance(service="capture", title="Cancelled", starts_at=at("2026-12-16T20:00:00"),
                    ends_at=at("2026-12-17T02:00:00"), created_by="tests", cancelled_at=at("2026-12-09T09:00:00")),
        Maintenance(service="capture", title="Done", starts_at=at("2026-12-01T20:00:00"),
                    ends_at=at("2026-12-02T02:00:00"), created_by="tests"),
        Maintenance(service="secure_share", title="Theirs", starts_at=at("2026-12-14T20:00:00"),
                    ends_at=at("2026-12-15T02:00:00"), created_by="tests"),
    ])
    db.flush()
    shown = service_status(db, "capture").maintenance
    assert [(m.title, m.current) for m in shown] == [("Network for all", True), ("Upgrade", False)]


def test_the_feed_lists_the_service_s_incidents_newest_change_first(db: Session) -> None:
    assert incident_feed(db, "disclosure_log").updated is None
    older = steps.raise_incident(db, SYSTEM, service="disclosure_log", priority="P3", title="Search misses some",
                                 received_at=at("2026-12-01T10:00:00"))
    newer = steps.raise_incident(db, SYSTEM, service="disclosure_log", priority="P2", title="Search is slow",
                                 received_at=at("2026-12-09T10:00:00"))
    steps.post_update(db, SYSTEM, older, text="Fixed the index", public=True, at=at("2026-12-10T10:00:00"))
    feed = incident_feed(db, "disclosure_log")
    assert [e.reference for e in feed.entries] == [older.reference, newer.reference]
    assert feed.updated == at("2026-12-10T10:00:00") and feed.name == "Disclosure log"
    assert feed.entries[1].summary == "Investigating: Search is slow"


def test_a_security_incident_is_shown_by_its_impact_not_its_title(db: Session) -> None:
    breach = steps.raise_incident(db, SYSTEM, service="secure_share", priority="P2",
                                  title="Share links of the Smith SAR sent to the wrong address",
                                  received_at=at("2026-12-10T09:00:00"), security="personal_data_breach")
    steps.post_update(db, SYSTEM, breach, text="Some downloads are paused while we check them", public=True,
                      at=at("2026-12-10T09:30:00"))
    db.flush()
    shown = service_status(db, "secure_share").open_incidents
    assert [(i.reference, i.title) for i in shown] == [(breach.reference, "Significant disruption")]
    assert [u.text for u in shown[0].updates] == ["Some downloads are paused while we check them"]
    feed = incident_feed(db, "secure_share")
    assert [e.title for e in feed.entries] == ["Significant disruption"]
    assert "Smith" not in repr(feed) and "Smith" not in repr(service_status(db, "secure_share"))
