"""A missed target escalates the case once and tells the owner and the escalation group; task targets and
milestones are reminded (and task targets breached) like the case's own."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from backoffice.cases.models import Case, Task
from backoffice.cases.tasks import DONE, finish_task
from tests.backoffice.automation.conftest import actions, addresses, drop_tasks, firing_keys, london, run
from tests.backoffice.conftest import Office

IG = ["administrator@example.gov.uk", "caseworker@example.gov.uk", "manager@example.gov.uk",
      "read-only@example.gov.uk"]


def test_a_breached_target_escalates_once_and_notifies_owner_and_escalation_group(auto: Office, clock,
                                                                                  settings) -> None:
    auto.info_governance.email = "ig-team@example.gov.uk"
    case = auto.new_case("foi")
    case.owner_id = auto.outsider.id  # an owner outside the escalation group, so both audiences are visible
    drop_tasks(auto.db)
    clock.move_to(london(2026, 3, 31, 23, 59))
    run(auto.db, settings)
    assert not case.escalated and addresses(auto.db, "Overdue") == []
    clock.move_to(london(2026, 4, 1, 0, 0))  # the due day has ended
    assert run(auto.db, settings).done["breach"] == 1
    assert case.escalated
    assert addresses(auto.db, "Overdue: " + case.reference) == sorted(
        [*IG, "ig-team@example.gov.uk", "outsider@example.gov.uk"])
    assert len(actions(auto.db, case.reference, "case.escalated")) == 1
    clock.move_to(london(2026, 4, 1, 0, 5))
    assert run(auto.db, settings).total == 0
    clock.move_to(london(2026, 4, 9, 0, 5))
    assert run(auto.db, settings).total == 0
    assert len(addresses(auto.db, "Overdue")) == 6


def test_task_targets_are_reminded_then_breached(auto: Office, clock, settings) -> None:
    case = auto.new_case("foi")
    search = auto.db.scalar(select(Task).where(Task.case_id == case.id, Task.title == "Search for the information"))
    assert search is not None and search.due_on == dt.date(2026, 3, 16)
    search.assignee_id = auto.manager.id
    other = auto.db.scalar(select(Task).where(Task.case_id == case.id, Task.id != search.id))
    assert other is not None
    finish_task(auto.db, auto.actor(auto.admin), auto.admin, case, other.id, DONE)
    clock.move_to(london(2026, 3, 13, 8, 0))  # one working day before
    run(auto.db, settings)
    sent = [e.detail for e in actions(auto.db, case.reference, "automation.reminder_sent")]
    assert [d["to"] for d in sent if d["target"] == f"task:{search.id}"] == [["manager@example.gov.uk"]]
    assert ("reminder", f"task:{search.id}") in {k[:2] for k in firing_keys(auto.db)}
    clock.move_to(london(2026, 3, 17, 0, 0))
    run(auto.db, settings)
    assert case.escalated
    assert "manager@example.gov.uk" in addresses(auto.db, "was due 16 March 2026")
    assert [k[:2] for k in firing_keys(auto.db) if k[0] == "breach"] == [("breach", f"task:{search.id}")]
    assert run(auto.db, settings).total == 0


def test_milestones_are_computed_on_the_case_calendar_and_reminded(auto: Office, clock, settings) -> None:
    from backoffice.automation.targets import case_targets, milestones_of

    case = auto.new_case("foi")
    case.owner_id = auto.caseworker.id
    drop_tasks(auto.db)
    assert milestones_of(auto.db, case) == [("Draft response due", dt.date(2026, 3, 16))]
    clock.move_to(london(2026, 3, 13, 7, 59))
    run(auto.db, settings)
    assert addresses(auto.db, "is due 16 March 2026") == []
    clock.move_to(london(2026, 3, 13, 8, 0))
    run(auto.db, settings)
    assert addresses(auto.db, "is due 16 March 2026") == ["caseworker@example.gov.uk"]
    assert run(auto.db, settings).total == 0
    shown = case_targets(auto.db, case)
    assert [t.name for t in shown.targets] == ["Milestone: Draft response due", "Statutory target"]


def test_a_closed_case_is_left_alone(auto: Office, clock, settings) -> None:
    from backoffice.cases.workflow import close

    case = auto.new_case("foi")
    drop_tasks(auto.db)
    close(auto.db, auto.actor(auto.admin), auto.admin, case, outcome="granted_in_full")
    clock.move_to(london(2026, 5, 1, 9, 0))
    assert run(auto.db, settings).total == 0
    assert auto.db.get(Case, case.id).escalated is False  # type: ignore[union-attr]
