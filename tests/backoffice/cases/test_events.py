"""Case events reach their subscribers in the change's own transaction, and a change rolled back tells nobody."""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice import plugin
from backoffice.automation import status_entries
from backoffice.cases import events, tasks, workflow
from backoffice.cases.case_types import seed_built_in_types
from backoffice.cases.models import CaseNote
from backoffice.intake.new_cases import NewCase, Requester, create_case
from backoffice.notifications import subscribers
from shared import jobs
from shared.db import transaction
from shared.errors import InvalidInput
from shared.mail.models import OutboxMessage
from shared.runtime import Runtime
from tests.backoffice.conftest import SYSTEM, Office

EVERY_EVENT = (events.CaseCreated, events.CaseAssigned, events.CaseClaimed, events.StatusChanged,
               events.ClockChanged, events.NoteAdded, events.CaseClosed, events.CaseReopened, events.TaskAssigned,
               events.TaskFinished, events.RequesterContacted, events.ContactDetailsChanged, events.AttachmentAdded)


@pytest.fixture
def heard() -> Iterator[list[events.CaseEvent]]:
    """Every case event published while the test runs, in order."""
    got: list[events.CaseEvent] = []

    def listen(_session: Session, event: events.CaseEvent) -> None:
        got.append(event)

    for event_type in EVERY_EVENT:
        events.subscribe(event_type, listen)
        events.subscribe(event_type, listen)  # twice is once
    yield got
    for event_type in EVERY_EVENT:
        events.unsubscribe(event_type, listen)


def test_case_changes_reach_the_subscriber_as_ids_and_facts(office: Office, heard: list[events.CaseEvent]) -> None:
    case = office.new_case("foi")
    me, actor = office.manager, office.actor(office.manager)
    workflow.assign(office.db, actor, me, case, group_id=None, owner_id=office.caseworker.id)
    note = workflow.add_note(office.db, actor, me, case, "Called them")
    with pytest.raises(InvalidInput):
        workflow.add_note(office.db, actor, me, case, "   ")  # a refusal publishes nothing
    for task in tasks.tasks_of(office.db, case):
        tasks.finish_task(office.db, actor, me, case, task.id, tasks.CANCELLED)
    workflow.close(office.db, actor, me, case, outcome="not_held")
    workflow.close(office.db, actor, me, case, outcome="not_held")  # a repeat changes nothing and says nothing
    assert [type(e) for e in heard] == [events.CaseCreated, events.CaseAssigned, events.NoteAdded,
                                        events.TaskFinished, events.TaskFinished, events.CaseClosed]
    created, assigned, added, *_, closed = heard
    assert created == events.CaseCreated(case.id, SYSTEM, acknowledge=False)
    assert assigned == events.CaseAssigned(case.id, actor, by_user_id=me.id, new_owner_id=office.caseworker.id,
                                           new_group_id=None)
    assert isinstance(added, events.NoteAdded) and added.note_id == note.id and not added.visible_to_requester
    assert closed == events.CaseClosed(case.id, actor, by_user_id=me.id, status_id=case.status_id,
                                       outcome="not_held", outcome_label="Information not held")
    with pytest.raises(dataclasses.FrozenInstanceError):
        closed.outcome = "granted"  # type: ignore[misc]


def test_a_subscriber_runs_in_the_publishers_session_and_its_failure_fails_the_change(office: Office) -> None:
    case = office.new_case("foi")
    seen: list[str] = []

    def read_the_note(session: Session, event: events.NoteAdded) -> None:
        note = session.get(CaseNote, event.note_id)  # not yet committed: only the same transaction sees it
        seen.append(note.body if note is not None else "missing")

    def refuse(_session: Session, _event: events.NoteAdded) -> None:
        raise RuntimeError("subscriber failed")

    events.subscribe(events.NoteAdded, read_the_note)
    try:
        workflow.add_note(office.db, office.actor(office.manager), office.manager, case, "Called them")
        events.subscribe(events.NoteAdded, refuse)
        with pytest.raises(RuntimeError):
            workflow.add_note(office.db, office.actor(office.manager), office.manager, case, "Again")
    finally:
        events.unsubscribe(events.NoteAdded, read_the_note)
        events.unsubscribe(events.NoteAdded, refuse)
    assert seen == ["Called them", "Again"]


def test_the_plugin_subscribes_notifications_and_automation_at_start_up() -> None:
    assert set(plugin.SUBSCRIBERS) == {*subscribers.SUBSCRIBERS, *status_entries.SUBSCRIBERS}
    created = events.subscribers_of(events.CaseCreated)
    assert subscribers.case_created in created and status_entries.case_created in created
    assert status_entries.status_changed in events.subscribers_of(events.StatusChanged)


def test_a_rolled_back_change_sends_nothing_and_a_committed_one_does(runtime: Runtime) -> None:
    worker = jobs.Worker(settings=runtime.settings, factory=runtime.factory, kinds=plugin.job_kinds())
    with transaction(runtime.factory) as session:
        seed_built_in_types(session, SYSTEM)
    new = NewCase(case_type="foi", subject="Bus timetables", description="2025",
                  requester=Requester(name="Sam Jones", email="sam@example.com"))
    with runtime.factory() as session:
        refused = create_case(session, SYSTEM, new, acknowledge=True)
        assert session.scalars(select(jobs.Job).where(jobs.Job.kind == "backoffice.notifications.send")).all()
        refused_reference = refused.reference
        session.rollback()
    worker.run_until_idle()
    with runtime.factory() as session:
        assert session.scalars(select(jobs.Job)).all() == []
        assert session.scalars(select(OutboxMessage)).all() == []
    with transaction(runtime.factory) as session:
        reference = create_case(session, SYSTEM, new, acknowledge=True).reference
    assert reference == refused_reference  # the rolled-back case left not even its number behind
    worker.run_until_idle()
    with runtime.factory() as session:
        told = session.scalars(select(OutboxMessage.to_address).where(OutboxMessage.related_id == reference)).all()
        assert told == ["sam@example.com"]  # the acknowledgement (nobody is in the FOI team yet)


def test_the_case_core_calls_no_subscriber() -> None:
    """Notifications and automation listen; the case functions and intake never import them."""
    root = Path(__file__).resolve().parents[3] / "backoffice"
    core = [*sorted((root / "cases").glob("*.py")), root / "intake" / "new_cases.py"]
    for path in core:
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else (
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else [])
            for name in names:
                assert not name.startswith(("backoffice.notifications", "backoffice.automation")), (path, name)


def test_a_clock_change_is_published_with_the_due_dates_either_side(office: Office,
                                                                    heard: list[events.CaseEvent]) -> None:
    from backoffice.deadlines import actions as clock

    case = office.new_case("foi")
    before = case.due_on
    heard.clear()
    clock.extend(office.db, SYSTEM, case, "Public interest test")
    [changed] = heard
    assert isinstance(changed, events.ClockChanged)
    assert (changed.case_id, changed.change, changed.previous_due_on) == (case.id, "extended", before)
    assert changed.due_on == case.due_on != before
