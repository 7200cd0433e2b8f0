"""Complaint stages: acknowledgement and response clocks."""

from __future__ import annotations

import pytest

from backoffice.clocks import DeadlineEngine, ExtensionError, InvalidSequenceError, UnsupportedEventError

from .conftest import d, ev


def test_stage1_without_acknowledgement_counts_from_the_ack_due_date(engine: DeadlineEngine) -> None:
    deadline = engine.compute("complaint_stage1", d("2026-03-02"), nation="england-and-wales")
    assert deadline.acknowledge_by == d("2026-03-09")
    assert deadline.acknowledged_on is None
    assert deadline.due_on == d("2026-03-23")


def test_stage1_counts_from_the_actual_acknowledgement(engine: DeadlineEngine) -> None:
    deadline = engine.compute(
        "complaint_stage1", d("2026-03-02"), [ev("acknowledged", "2026-03-04")], nation="scotland"
    )
    assert (deadline.acknowledge_by, deadline.acknowledged_on, deadline.due_on) == (
        d("2026-03-09"),
        d("2026-03-04"),
        d("2026-03-18"),
    )
    late = engine.compute("complaint_stage1", d("2026-03-02"), [ev("acknowledged", "2026-03-12")], nation="scotland")
    assert late.due_on == d("2026-03-26")
    assert "Acknowledged Thu 12 Mar 2026, 3 working days late." in late.explanation


def test_stage2_twenty_days_over_easter(engine: DeadlineEngine) -> None:
    deadline = engine.compute("complaint_stage2", d("2026-03-02"), nation="england-and-wales")
    assert deadline.acknowledge_by == d("2026-03-09")
    assert deadline.due_on == d("2026-04-08")  # Good Friday 3 Apr and Easter Monday 6 Apr not counted
    scotland = engine.compute("complaint_stage2", d("2026-03-02"), nation="scotland")
    assert scotland.due_on == d("2026-04-07")  # Easter Monday works in Scotland


def test_each_stage_extends_once_by_its_own_further_working_days(engine: DeadlineEngine) -> None:
    one = engine.compute("complaint_stage1", d("2026-03-02"), [ev("extended", "2026-03-10", "site visit")],
                         nation="england-and-wales")
    assert one.extended and one.due_on == d("2026-04-08")  # 23 Mar + 10, over Good Friday and Easter Monday
    assert "Extended Tue 10 Mar 2026: 10 further working days; reason: site visit." in one.explanation
    two = engine.compute("complaint_stage2", d("2026-03-02"), [ev("extended", "2026-03-10", "investigator")],
                         nation="scotland")
    assert two.due_on == d("2026-05-06")  # 7 Apr + 20 working days; Scotland's 4 May holiday not counted


def test_complaint_refusals(engine: DeadlineEngine) -> None:
    with pytest.raises(ExtensionError, match="only once"):
        engine.compute("complaint_stage1", d("2026-03-02"),
                       [ev("extended", "2026-03-03", "x"), ev("extended", "2026-03-04", "y")], nation="scotland")
    with pytest.raises(ExtensionError, match="too late"):
        engine.compute("complaint_stage1", d("2026-03-02"), [ev("extended", "2026-03-30", "x")], nation="scotland")
    with pytest.raises(UnsupportedEventError):
        engine.compute("complaint_stage1", d("2026-03-02"), [ev("paused", "2026-03-03")], nation="scotland")
    with pytest.raises(InvalidSequenceError, match="already acknowledged"):
        engine.compute(
            "complaint_stage2",
            d("2026-03-02"),
            [ev("acknowledged", "2026-03-03"), ev("acknowledged", "2026-03-04")],
            nation="scotland",
        )
