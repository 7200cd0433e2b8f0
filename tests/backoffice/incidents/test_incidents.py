"""Raising and working incidents on a real database: the clocks, the timeline and the contacts told."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.incidents import incidents as steps
from backoffice.incidents import service_levels as levels
from backoffice.incidents.models import IncidentEvent
from backoffice.organisation.body import get_organisation
from shared.errors import Conflict, InvalidInput
from shared.mail.models import OutboxMessage
from tests.factories import SYSTEM

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    """A London wall-clock time (winter, so the same as UTC unless the text gives an offset)."""
    return dt.datetime.fromisoformat(text).astimezone(UTC)


@pytest.fixture
def contacts(db: Session) -> list[str]:
    people = ["duty@example.gov.uk", "cio@example.gov.uk"]
    get_organisation(db).contacts = {"major_incident_contacts": people}
    db.flush()
    return people


def kinds(db: Session, incident_id: int) -> list[str]:
    return list(db.scalars(select(IncidentEvent.kind).where(IncidentEvent.incident_id == incident_id)
                           .order_by(IncidentEvent.at, IncidentEvent.id)))


@time_machine.travel(dt.datetime(2026, 12, 7, 15, 0, tzinfo=UTC), tick=False)
def test_a_p2_raised_in_hours_is_due_in_service_hours_and_tells_the_contacts(db: Session, contacts: list[str]) -> None:
    incident = steps.raise_incident(db, SYSTEM, service="secure_share", priority="P2", title="Downloads slow",
                                    affected="Every download", received_at=at("2026-12-07T10:00:00+00:00"))
    assert incident.reference.startswith("INC-")
    assert incident.service_model == "plus"
    assert incident.response_due_at == at("2026-12-07T12:00:00+00:00")  # 2 service hours
    assert incident.resolve_due_at == at("2026-12-07T18:00:00+00:00")  # 8 service hours: 10:00-18:00
    mails = db.scalars(select(OutboxMessage).where(OutboxMessage.related_id == incident.reference)).all()
    assert sorted(m.to_address for m in mails) == sorted(contacts)
    assert "P2 incident raised" in mails[0].subject


@time_machine.travel(dt.datetime(2026, 12, 8, 12, 0, tzinfo=UTC), tick=False)
def test_out_of_hours_arrival_starts_at_the_next_service_period_and_says_so(db: Session) -> None:
    incident = steps.raise_incident(db, SYSTEM, service="capture", priority="P1", title="Forms down",
                                    received_at=at("2026-12-05T23:00:00+00:00"))  # a Saturday night
    assert incident.response_due_at == at("2026-12-07T09:00:00+00:00")  # Monday 08:00 + 1 h
    assert incident.resolve_due_at == at("2026-12-07T12:00:00+00:00")
    from backoffice.incidents.clock import compute
    words = compute(db, incident).explanation
    assert "out of service hours" in words and "8:00am on Mon 7 Dec 2026" in words


@time_machine.travel(dt.datetime(2026, 12, 9, 12, 0, tzinfo=UTC), tick=False)
def test_awaiting_the_customer_pauses_the_resolve_clock_only_and_records_the_move(db: Session) -> None:
    incident = steps.raise_incident(db, SYSTEM, service="capture", priority="P2", title="Postcode look-up down",
                                    received_at=at("2026-12-07T16:00:00+00:00"))
    assert incident.resolve_due_at == at("2026-12-08T13:30:00+00:00")  # 2.5 h Mon, 5.5 h Tue
    steps.pause(db, SYSTEM, incident, reason="Waiting for the browser version", at=at("2026-12-07T17:00:00+00:00"))
    assert incident.resolve_due_at is None and incident.status == "awaiting_customer"
    with pytest.raises(Conflict):
        steps.pause(db, SYSTEM, incident)
    steps.resume(db, SYSTEM, incident, at=at("2026-12-08T10:00:00+00:00"))
    # 1 h used before the pause; 7 h left from Tue 10:00: 17:00.
    assert incident.resolve_due_at == at("2026-12-08T17:00:00+00:00")
    assert incident.response_due_at == at("2026-12-07T18:00:00+00:00")  # never paused
    assert steps.DEADLINE_MOVED in kinds(db, incident.id)


@time_machine.travel(dt.datetime(2026, 12, 9, 12, 0, tzinfo=UTC), tick=False)
def test_reprioritising_runs_the_new_targets_from_the_original_start(db: Session) -> None:
    incident = steps.raise_incident(db, SYSTEM, service="disclosure_log", priority="P3", title="Search slow",
                                    received_at=at("2026-12-07T09:00:00+00:00"))
    steps.reprioritise(db, SYSTEM, incident, priority="P1", reason="No search works", at=at("2026-12-07T10:00:00+00:00"))
    assert incident.priority == "P1"
    assert incident.resolve_due_at == at("2026-12-07T13:00:00+00:00")
    with pytest.raises(InvalidInput):
        steps.reprioritise(db, SYSTEM, incident, priority="P1", reason="again")


@time_machine.travel(dt.datetime(2026, 12, 9, 12, 0, tzinfo=UTC), tick=False)
def test_a_p1_cannot_be_closed_without_its_major_outage_report(db: Session) -> None:
    incident = steps.raise_incident(db, SYSTEM, service="secure_share", priority="P1", title="No downloads",
                                    received_at=at("2026-12-08T09:00:00+00:00"))
    with pytest.raises(Conflict):
        steps.close(db, SYSTEM, incident)
    steps.resolve(db, SYSTEM, incident, text="Restarted the store", at=at("2026-12-08T10:00:00+00:00"))
    assert incident.responded_at == at("2026-12-08T10:00:00+00:00")
    with pytest.raises(Conflict, match="major outage report"):
        steps.close(db, SYSTEM, incident)
    with pytest.raises(InvalidInput) as missing:
        steps.write_report(db, SYSTEM, incident, {"timeline": "09:00 down"})
    assert set(missing.value.errors) == {"impact", "cause", "actions", "changes"}
    steps.write_report(db, SYSTEM, incident, dict.fromkeys(steps.REPORT_FIELDS, "Written"))
    steps.close(db, SYSTEM, incident)
    assert incident.status == "closed"
    with pytest.raises(Conflict):
        steps.resolve(db, SYSTEM, incident)


@time_machine.travel(dt.datetime(2026, 12, 9, 12, 0, tzinfo=UTC), tick=False)
def test_steps_in_the_future_or_before_the_last_step_are_refused(db: Session) -> None:
    with pytest.raises(InvalidInput):
        steps.raise_incident(db, SYSTEM, service="capture", priority="P3", title="x",
                             received_at=at("2026-12-10T09:00:00+00:00"))
    with pytest.raises(InvalidInput):
        steps.raise_incident(db, SYSTEM, service="nowhere", priority="P3", title="x")
    with pytest.raises(InvalidInput):
        steps.raise_incident(db, SYSTEM, service="capture", priority="P9", title="x")
    incident = steps.raise_incident(db, SYSTEM, service="capture", priority="P3", title="x",
                                    received_at=at("2026-12-08T09:00:00+00:00"))
    with pytest.raises(InvalidInput):
        steps.respond(db, SYSTEM, incident, at=at("2026-12-08T08:00:00+00:00"))
    with pytest.raises(Conflict):
        steps.resume(db, SYSTEM, incident)


@time_machine.travel(dt.datetime(2026, 12, 9, 12, 0, tzinfo=UTC), tick=False)
def test_the_service_model_raised_under_is_kept(db: Session) -> None:
    incident = steps.raise_incident(db, SYSTEM, service="capture", priority="P2", title="Slow",
                                    received_at=at("2026-12-08T09:00:00+00:00"))
    levels.set_service_model(db, SYSTEM, "basic")
    steps.post_update(db, SYSTEM, incident, text="Looking", public=True, status="identified")
    assert incident.service_model == "plus" and incident.resolve_due_at == at("2026-12-08T17:00:00+00:00")
    assert steps.raise_incident(db, SYSTEM, service="capture", priority="P2", title="Slow again").resolve_due_at is None
