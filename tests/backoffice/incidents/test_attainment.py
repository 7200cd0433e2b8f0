"""Target attainment over the preceding 12 months, from incidents worked through the real steps."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from sqlalchemy.orm import Session

from backoffice.incidents import incidents as steps
from backoffice.incidents.attainment import attainment, incidents_behind, period, year_before
from backoffice.incidents.clock import compute
from shared.errors import InvalidInput
from tests.factories import SYSTEM

UTC = dt.UTC
NOW = dt.datetime(2026, 12, 11, 12, 0, tzinfo=UTC)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def worked(db: Session, received: str, resolved: str, *, priority: str = "P2", service: str = "capture",
           responded: str | None = None, workaround: bool = False) -> str:
    incident = steps.raise_incident(db, SYSTEM, service=service, priority=priority, title=f"{priority} at {received}",
                                    received_at=at(received))
    if responded:
        steps.post_update(db, SYSTEM, incident, text="We are looking at it", public=True, at=at(responded))
    steps.resolve(db, SYSTEM, incident, workaround=workaround, at=at(resolved))
    return incident.reference


@time_machine.travel(NOW, tick=False)
def test_the_share_within_target_per_service_and_priority_with_the_incidents_behind_it(db: Session) -> None:
    # P2 under Plus: respond in 2 service hours, resolve in 8.
    met = worked(db, "2026-12-07T10:00:00", "2026-12-07T17:00:00", responded="2026-12-07T11:00:00")
    late = worked(db, "2026-12-07T10:00:00", "2026-12-08T12:00:00", responded="2026-12-07T13:00:00")
    workaround = worked(db, "2026-12-08T09:00:00", "2026-12-08T10:00:00", workaround=True)
    worked(db, "2026-12-08T09:00:00", "2026-12-08T10:00:00", priority="P5")  # no target
    worked(db, "2026-12-08T09:00:00", "2026-12-08T10:00:00", service="secure_share")
    worked(db, "2025-11-02T09:00:00", "2025-11-03T10:00:00")  # resolved more than 12 months ago
    steps.raise_incident(db, SYSTEM, service="capture", priority="P2", title="Still open",
                         received_at=at("2026-12-10T09:00:00"))

    rows = {(r.service, r.priority): r for r in attainment(db)}
    assert set(rows) == {("capture", "P2"), ("capture", "P5"), ("secure_share", "P2")}
    p2 = rows["capture", "P2"]
    assert p2.resolved == 3
    assert (p2.resolve.with_target, p2.resolve.met) == (3, 2)  # the workaround counts
    assert (p2.response.with_target, p2.response.met) == (3, 2)  # the late one answered at 13:00, due 12:00
    assert p2.resolve.share == pytest.approx(2 / 3) and p2.resolve.percent == "66.7%"
    assert p2.resolve.attained is False
    p5 = rows["capture", "P5"]
    assert p5.resolve.with_target == 0 and p5.resolve.share is None and p5.resolve.percent == "no target"
    assert p5.resolve.attained is None
    assert rows["secure_share", "P2"].resolve.attained is True

    behind = incidents_behind(db, "capture", "P2")
    assert [i.reference for i in behind] == [met, workaround, late]  # by resolution time
    assert [i.resolve_met for i in behind] == [True, True, False]
    assert [i.reference for i in incidents_behind(db, "capture", "P2", missed_only="resolve")] == [late]
    assert [i.reference for i in incidents_behind(db, "capture", "P2", missed_only="response")] == [late]
    assert [i.resolve_met for i in incidents_behind(db, "capture", "P5")] == [None]


@time_machine.travel(NOW, tick=False)
def test_the_stored_due_times_are_the_clock_s(db: Session) -> None:
    """The figures compare stored due times: they must be what the clock computes from the timeline."""
    reference = worked(db, "2026-12-04T17:00:00", "2026-12-09T10:00:00", priority="P3")
    incident = steps.get_incident(db, reference)
    steps.reprioritise(db, SYSTEM, incident, priority="P2", reason="Wider than thought", at=at("2026-12-09T10:00:00"))
    (behind,) = incidents_behind(db, "capture", "P2")
    clocks = compute(db, incident)
    assert behind.resolve_due_at == clocks.resolve.due_at and behind.response_due_at == clocks.response.due_at


@time_machine.travel(NOW, tick=False)
def test_the_period_is_the_twelve_months_before_and_can_be_a_past_one(db: Session) -> None:
    worked(db, "2025-12-01T09:00:00", "2025-12-01T10:00:00")
    assert attainment(db) == []  # resolved 1 Dec 2025: more than 12 months before 11 Dec 2026
    past = attainment(db, as_of=at("2026-06-01T00:00:00"))
    assert [(r.service, r.priority, r.resolved) for r in past] == [("capture", "P2", 1)]
    assert attainment(db, service="secure_share", as_of=at("2026-06-01T00:00:00")) == []
    assert period(at("2028-02-29T12:00:00")).start == at("2027-02-28T12:00:00")
    assert year_before(at("2026-03-01T00:00:00")) == at("2025-03-01T00:00:00")
    with pytest.raises(InvalidInput):
        attainment(db, service="nonsense")
