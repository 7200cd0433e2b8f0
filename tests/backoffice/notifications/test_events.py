"""Each event sends the right notice to the right people, never to the person who acted."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.cases import tasks, workflow
from backoffice.cases.models import Case
from backoffice.intake.new_cases import NewCase, Requester, create_case
from backoffice.notifications import Notice, NotificationSetting, acknowledges
from backoffice.notifications.options import group_emails_on, set_group_emails
from backoffice.notifications.sending import JOB_KIND, handle_send
from backoffice.staff.accounts import StaffUser
from backoffice.staff.groups import Group
from shared import audit, jobs
from shared.errors import InvalidInput
from shared.mail.models import OutboxMessage
from shared.settings import Settings
from tests.backoffice.conftest import SYSTEM, Office, run_notification_jobs

EVERYONE = {"administrator@example.gov.uk", "manager@example.gov.uk", "caseworker@example.gov.uk",
            "read-only@example.gov.uk"}


def sent(office: Office, settings: Settings, case: Case) -> list[tuple[str, str]]:
    """(to, subject) of every email about the case, in order, once the worker has run; then forgotten."""
    run_notification_jobs(office.db, settings)
    rows = office.db.scalars(select(OutboxMessage).where(OutboxMessage.related_id == case.reference)
                             .order_by(OutboxMessage.id)).all()
    out = [(m.to_address, m.subject) for m in rows]
    for row in rows:
        office.db.delete(row)
    office.db.flush()
    return out


def to(office: Office, settings: Settings, case: Case) -> set[str]:
    return {address for address, _subject in sent(office, settings, case)}


def switch_off(office: Office, case: Case, notice: Notice) -> None:
    office.db.add(NotificationSetting(case_type_id=case.case_type_id, notice=notice.value, enabled=False))
    office.db.flush()


def owned(office: Office, settings: Settings, owner: StaffUser | None = None) -> Case:
    """An FOI owned by the caseworker, the team's "new case" emails already sent and forgotten."""
    case = office.new_case("foi")
    case.owner_id = (owner or office.caseworker).id
    office.db.flush()
    sent(office, settings, case)
    return case


def test_a_new_case_tells_the_team_and_its_mailbox_not_whoever_raised_it(office: Office, settings) -> None:
    office.info_governance.email = "ig-team@example.gov.uk"
    new = NewCase(case_type="foi", subject="Parking fines", description="How many?",
                  requester=Requester(name="Sam Jones", email="sam@example.com"), channel="email")
    case = create_case(office.db, office.actor(office.manager), new)
    mail = sent(office, settings, case)
    assert {a for a, _ in mail} == EVERYONE - {"manager@example.gov.uk"} | {"ig-team@example.gov.uk"}
    assert {s for _, s in mail} == {f"New Freedom of Information request: {case.reference}"}
    assert "sam@example.com" not in {a for a, _ in mail}  # no acknowledgement from intake itself

    assert set_group_emails(office.db, SYSTEM, False) and not group_emails_on(office.db)
    assert not set_group_emails(office.db, SYSTEM, False)  # a repeat changes (and audits) nothing
    quiet = create_case(office.db, office.actor(office.manager), new)
    assert sent(office, settings, quiet) == []
    assert [e.summary for e in audit.history(office.db, "organisation", 1)
            if e.action == "notifications.group_emails_changed"] == ["Group emails on new and reassigned cases turned off"]


def test_an_event_queues_a_job_the_worker_renders_with_its_settings(office: Office, settings) -> None:
    case = office.new_case("foi")  # no settings anywhere: the one way to send is the worker's job
    assert office.db.scalars(select(OutboxMessage).where(OutboxMessage.related_id == case.reference)).all() == []
    job = office.db.scalars(select(jobs.Job).where(jobs.Job.kind == JOB_KIND)).one()
    handle_send(office.db, dict(job.payload), jobs.JobContext(settings=settings, job_id=job.id, attempts=1))
    mail = office.db.scalars(select(OutboxMessage).where(OutboxMessage.related_id == case.reference)).all()
    assert {m.to_address for m in mail} == EVERYONE
    assert all("http://testserver/backoffice/cases/" + case.reference in m.body_text for m in mail)


def test_a_case_type_can_switch_a_notice_off(office: Office, settings) -> None:
    case = owned(office, settings)
    switch_off(office, case, Notice.NOTE_BY_STAFF)
    workflow.add_note(office.db, office.actor(office.manager), office.manager, case, "Called them")
    assert sent(office, settings, case) == []
    other = office.new_case("eir")  # another type is unaffected
    sent(office, settings, other)
    other.owner_id = office.caseworker.id
    workflow.add_note(office.db, office.actor(office.manager), office.manager, other, "Called them")
    assert to(office, settings, other) == {"caseworker@example.gov.uk"}


def test_assignment_tells_the_new_owner_in_the_types_wording(office: Office, settings) -> None:
    case = office.new_case("foi")
    sent(office, settings, case)
    office.db.add(NotificationSetting(case_type_id=case.case_type_id, notice=Notice.CASE_ASSIGNED.value,
                                      subject="Yours: {reference}", body="{actor} gave you {reference}."))
    manager = office.actor(office.manager)
    workflow.assign(office.db, manager, office.manager, case, group_id=None, owner_id=office.caseworker.id)
    run_notification_jobs(office.db, settings)
    mail = office.db.scalars(select(OutboxMessage).where(OutboxMessage.related_id == case.reference)).all()
    assert [(m.to_address, m.subject, m.body_text) for m in mail] == [
        ("caseworker@example.gov.uk", f"Yours: {case.reference}", f"Manager gave you {case.reference}.")]
    sent(office, settings, case)
    workflow.assign(office.db, manager, office.manager, case, group_id=None, owner_id=office.manager.id)
    assert sent(office, settings, case) == []  # assigning to yourself tells nobody


def test_handing_to_a_team_tells_the_team_when_group_emails_are_on(office: Office, settings) -> None:
    case = office.new_case("foi")
    sent(office, settings, case)
    parks = office.db.scalar(select(Group).where(Group.name == "Parks"))
    assert parks is not None
    from backoffice.cases.models import CaseTypeGroup

    office.db.add(CaseTypeGroup(case_type_id=case.case_type_id, group_id=parks.id))
    office.db.flush()
    workflow.assign(office.db, office.actor(office.manager), office.manager, case,
                    group_id=parks.id, owner_id=None)
    assert to(office, settings, case) == {"outsider@example.gov.uk"}
    set_group_emails(office.db, SYSTEM, False)
    workflow.assign(office.db, office.actor(office.manager), office.manager, case,
                    group_id=office.info_governance.id, owner_id=None)
    assert sent(office, settings, case) == []


def test_tasks_tell_the_owner_and_the_assignee_but_not_the_actor(office: Office, settings) -> None:
    case = owned(office, settings)
    sent(office, settings, case)
    task = tasks.add_task(office.db, office.actor(office.manager), office.manager, case, title="Find the files",
                          assignee_id=office.admin.id)
    mail = sent(office, settings, case)
    assert {a for a, _ in mail} == {"caseworker@example.gov.uk", "administrator@example.gov.uk"}
    assert {s for _, s in mail} == {f"Task on {case.reference}: Find the files"}
    tasks.finish_task(office.db, office.actor(office.admin), office.admin, case, task.id, tasks.DONE)
    assert sent(office, settings, case) == [("caseworker@example.gov.uk", f"Task completed on {case.reference}")]
    other = tasks.add_task(office.db, office.actor(office.caseworker), office.caseworker, case, title="Check")
    assert sent(office, settings, case) == []  # the owner added it for themselves
    tasks.finish_task(office.db, office.actor(office.manager), office.manager, case, other.id, tasks.CANCELLED)
    assert sent(office, settings, case) == [("caseworker@example.gov.uk", f"Task cancelled on {case.reference}")]


def test_changed_contact_details_tell_the_owner_and_both_addresses(office: Office, settings) -> None:
    case = owned(office, settings)
    sent(office, settings, case)
    manager = office.actor(office.manager)
    with pytest.raises(InvalidInput) as refused:
        workflow.update_requester(office.db, manager, office.manager, case, name="", email="not-an-address")
    assert set(refused.value.errors) == {"name", "email"}
    workflow.update_requester(office.db, manager, office.manager, case, name="Sam Jones", email="Sam.New@example.com")
    assert case.requester_email == "sam.new@example.com"
    mail = sent(office, settings, case)
    assert {a for a, _ in mail} == {"caseworker@example.gov.uk", "sam@example.com", "sam.new@example.com"}
    assert (f"Your contact details have been updated: {case.reference}") in {s for _, s in mail}
    entry = [e for e in audit.history(office.db, "case", case.reference) if e.action == "case.requester_updated"]
    assert entry[0].detail["changed"] == ["email"] and entry[0].actor_label == "manager@example.gov.uk"
    workflow.update_requester(office.db, manager, office.manager, case, name="Sam Jones", email="sam.new@example.com")
    assert sent(office, settings, case) == []  # nothing changed, nobody told
    workflow.update_requester(office.db, office.actor(office.caseworker), office.caseworker, case, name="Sam Jones",
                              email="sam.new@example.com", phone="01632 960 001")
    assert to(office, settings, case) == {"sam.new@example.com"}  # the owner changed it: only the requester hears


def test_contacting_the_requester_tells_watchers_and_the_owner(office: Office, settings) -> None:
    case = owned(office, settings)
    workflow.watch(office.db, office.actor(office.admin), office.admin, case)
    workflow.watch(office.db, office.actor(office.manager), office.manager, case)
    sent(office, settings, case)
    workflow.email_requester(office.db, office.actor(office.manager), office.manager, case, subject="Update",
                             body="Soon.")
    mail = sent(office, settings, case)
    assert sorted(a for a, _ in mail) == ["administrator@example.gov.uk", "caseworker@example.gov.uk", "sam@example.com"]
    assert ("administrator@example.gov.uk", f"Sam Jones was contacted about {case.reference}") in mail


def test_notes_by_others_tell_the_owner_or_else_the_team(office: Office, settings) -> None:
    case = owned(office, settings)
    sent(office, settings, case)
    workflow.add_note(office.db, office.actor(office.caseworker), office.caseworker, case, "Mine")
    assert sent(office, settings, case) == []
    workflow.add_note(office.db, office.actor(office.manager), office.manager, case, "Theirs")
    assert sent(office, settings, case) == [("caseworker@example.gov.uk", f"Note added to {case.reference}")]
    case.owner_id = None
    workflow.add_note(office.db, office.actor(office.manager), office.manager, case, "Nobody's")
    assert to(office, settings, case) == EVERYONE - {"manager@example.gov.uk"}


def test_closing_tells_owner_watchers_and_requester(office: Office, settings) -> None:
    case = owned(office, settings)
    workflow.watch(office.db, office.actor(office.admin), office.admin, case)
    for task in tasks.tasks_of(office.db, case):
        task.status = tasks.CANCELLED
    sent(office, settings, case)
    workflow.close(office.db, office.actor(office.manager), office.manager, case, outcome="not_held")
    run_notification_jobs(office.db, settings)
    mail = office.db.scalars(select(OutboxMessage).where(OutboxMessage.related_id == case.reference)).all()
    assert sorted(m.to_address for m in mail) == ["administrator@example.gov.uk", "caseworker@example.gov.uk",
                                                  "sam@example.com"]
    requester = next(m for m in mail if m.to_address == "sam@example.com")
    assert requester.subject == f"Your request {case.reference} is closed" and "Testshire Council" in requester.body_text
    staff = next(m for m in mail if m.to_address == "caseworker@example.gov.uk")
    assert "closed by Manager" in staff.body_text


def test_acknowledgement_only_when_asked_and_the_requester_has_email(office: Office, settings) -> None:
    quiet = office.new_case("sar")  # an import does not ask
    assert "sam@example.com" not in to(office, settings, quiet)
    new = NewCase(case_type="sar", subject="My records", description="All of them",
                  requester=Requester(name="Sam Jones", email="sam@example.com"), channel="email")
    case = create_case(office.db, SYSTEM, new, acknowledge=True)
    assert acknowledges(office.db, case)
    assert ("sam@example.com", f"We have received your request: {case.reference}") in sent(office, settings, case)
    by_post = create_case(office.db, SYSTEM, NewCase(case_type="foi", subject="Buses", description="Timetables",
                                                     requester=Requester(name="Pat", address="1 High Street")),
                          acknowledge=True)
    assert not acknowledges(office.db, by_post)
    switch_off(office, case, Notice.REQUESTER_ACKNOWLEDGEMENT)
    assert not acknowledges(office.db, case)
