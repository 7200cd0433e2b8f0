"""Undelivered case email: shown on the case, the owner told once, and a once-a-day digest of the London day before."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from backoffice.cases.models import Case
from backoffice.notifications import Notice, notify, undelivered_for_case
from backoffice.notifications.undelivered import (
    DIGEST_KIND,
    SWEEP_KIND,
    UndeliveredDigest,
    london_day_bounds,
    send_digest,
    tell_owners,
)
from backoffice.organisation.contacts import save_contacts
from shared import jobs
from shared.mail import UNDELIVERED, OutboxMessage, send_email
from shared.worker import job_kinds, schedules
from tests.backoffice.conftest import SYSTEM, Office
from tests.conftest import SPECS

UTC = dt.UTC


def context(settings) -> jobs.JobContext:
    return jobs.JobContext(settings=settings, job_id=0, attempts=1)


def bounce(message: OutboxMessage, at: dt.datetime, error: str = "550 No such user") -> OutboxMessage:
    message.status, message.failed_at, message.last_error = UNDELIVERED, at, error
    return message


def told(office: Office, case: Case) -> list[OutboxMessage]:
    return list(office.db.scalars(select(OutboxMessage).where(
        OutboxMessage.related_id == case.reference, OutboxMessage.subject == f"Undelivered email on {case.reference}")))


def test_the_owner_is_told_once_and_the_case_lists_it(office: Office, settings) -> None:
    case = office.new_case("foi")
    case.owner_id = office.caseworker.id
    [reply] = notify(office.db, settings, Notice.REQUESTER_CASE_CLOSED, case, ["sam@example.com"])
    assert undelivered_for_case(office.db, case.reference) == []
    bounce(reply, dt.datetime.now(UTC))
    office.db.flush()
    assert undelivered_for_case(office.db, case.reference) == [reply]
    tell_owners(office.db, {}, context(settings))
    tell_owners(office.db, {}, context(settings))  # a second sweep (or worker) tells nobody again
    [notice] = told(office, case)
    assert notice.to_address == "caseworker@example.gov.uk"
    assert f"Your request {case.reference} is closed" in notice.body_text and "550 No such user" in notice.body_text
    # The notice to the owner bouncing too does not start a loop of notices to the same address.
    bounce(notice, dt.datetime.now(UTC))
    office.db.flush()
    tell_owners(office.db, {}, context(settings))
    assert len(told(office, case)) == 1


def test_nobody_is_told_when_the_case_has_no_owner_or_the_notice_is_off(office: Office, settings) -> None:
    case = office.new_case("foi")
    message = send_email(office.db, "sam@example.com", "Hello", "Hi", related_type="case", related_id=case.reference)
    bounce(message, dt.datetime.now(UTC))
    office.db.flush()
    tell_owners(office.db, {}, context(settings))
    case.owner_id = office.caseworker.id  # owned later: the message was already dealt with
    tell_owners(office.db, {}, context(settings))
    assert told(office, case) == []


def test_london_days_are_23_24_or_25_hours() -> None:
    assert london_day_bounds(dt.date(2025, 7, 10)) == (dt.datetime(2025, 7, 9, 23, tzinfo=UTC),
                                                       dt.datetime(2025, 7, 10, 23, tzinfo=UTC))
    assert london_day_bounds(dt.date(2025, 12, 10)) == (dt.datetime(2025, 12, 10, tzinfo=UTC),
                                                        dt.datetime(2025, 12, 11, tzinfo=UTC))
    start, end = london_day_bounds(dt.date(2025, 10, 26))
    assert end - start == dt.timedelta(hours=25)
    start, end = london_day_bounds(dt.date(2025, 3, 30))
    assert end - start == dt.timedelta(hours=23)


def _failed_at(office: Office, case: Case, *instants: dt.datetime) -> None:
    for number, at in enumerate(instants):
        message = send_email(office.db, f"person{number}@example.com", f"Message {number}", "Hi",
                             related_type="case", related_id=case.reference)
        bounce(message, at)
    office.db.flush()


def _digests(office: Office) -> list[OutboxMessage]:
    return list(office.db.scalars(select(OutboxMessage).where(OutboxMessage.related_type == "undelivered_digest")
                                  .order_by(OutboxMessage.id)))


def test_the_digest_covers_the_london_day_before_once(office: Office, settings, time_machine) -> None:
    save_contacts(office.db, SYSTEM, "", {"undelivered_digest_recipients": "ig@example.gov.uk\nlead@example.gov.uk"})
    case = office.new_case("foi")
    _failed_at(office, case,
               dt.datetime(2025, 7, 9, 22, 59, tzinfo=UTC),   # 23:59 BST on the 9th: the day before
               dt.datetime(2025, 7, 9, 23, 0, tzinfo=UTC),    # 00:00 BST on the 10th
               dt.datetime(2025, 7, 10, 22, 59, tzinfo=UTC),  # 23:59 BST on the 10th
               dt.datetime(2025, 7, 10, 23, 0, tzinfo=UTC))   # 00:00 BST on the 11th: tomorrow's digest
    time_machine.move_to(dt.datetime(2025, 7, 10, 23, 5, tzinfo=UTC), tick=False)  # 00:05 on the 11th in London
    send_digest(office.db, {}, context(settings))
    send_digest(office.db, {}, context(settings))  # the next run, or a second worker: nothing more
    mail = _digests(office)
    assert sorted(m.to_address for m in mail) == ["ig@example.gov.uk", "lead@example.gov.uk"]
    assert mail[0].subject == "Undelivered emails on 10 July 2025: 2"
    assert "Message 1" in mail[0].body_text and "Message 2" in mail[0].body_text
    assert "Message 0" not in mail[0].body_text and "Message 3" not in mail[0].body_text
    assert f"case {case.reference}" in mail[0].body_text and "00:00 to person1@example.com" in mail[0].body_text
    time_machine.move_to(dt.datetime(2025, 7, 11, 12, 0, tzinfo=UTC), tick=False)
    send_digest(office.db, {}, context(settings))
    assert len(_digests(office)) == 2
    time_machine.move_to(dt.datetime(2025, 7, 12, 0, 30, tzinfo=UTC), tick=False)  # 01:30 on the 12th
    send_digest(office.db, {}, context(settings))
    assert [m.subject for m in _digests(office)[2:]] == ["Undelivered emails on 11 July 2025: 1"] * 2


def test_the_digest_in_winter_and_on_a_quiet_day(office: Office, settings, time_machine) -> None:
    save_contacts(office.db, SYSTEM, "", {"undelivered_digest_recipients": "ig@example.gov.uk"})
    case = office.new_case("foi")
    _failed_at(office, case,
               dt.datetime(2025, 10, 25, 22, 59, tzinfo=UTC),  # 23:59 BST on the 25th
               dt.datetime(2025, 10, 25, 23, 0, tzinfo=UTC),   # 00:00 BST on the 26th (the clocks go back)
               dt.datetime(2025, 10, 26, 23, 59, tzinfo=UTC),  # 23:59 GMT on the 26th
               dt.datetime(2025, 10, 27, 0, 0, tzinfo=UTC))    # 00:00 GMT on the 27th
    time_machine.move_to(dt.datetime(2025, 10, 27, 0, 1, tzinfo=UTC), tick=False)
    send_digest(office.db, {}, context(settings))
    [digest] = _digests(office)
    assert digest.subject == "Undelivered emails on 26 October 2025: 2"
    assert "Message 1" in digest.body_text and "Message 2" in digest.body_text
    time_machine.move_to(dt.datetime(2025, 10, 29, 9, 0, tzinfo=UTC), tick=False)  # nothing failed on the 28th
    send_digest(office.db, {}, context(settings))
    assert len(_digests(office)) == 1
    assert office.db.get(UndeliveredDigest, dt.date(2025, 10, 28)) is not None


def test_the_worker_knows_the_jobs_and_their_schedules() -> None:
    kinds, timetable = job_kinds(SPECS), {s.kind: s.every_seconds for s in schedules(SPECS)}
    assert {SWEEP_KIND, DIGEST_KIND, "backoffice.notifications.send", "backoffice.tidy"} <= set(kinds)
    assert timetable[SWEEP_KIND] <= 300 and timetable[DIGEST_KIND] <= 3600


LEGACY_ADDRESS = "a..b@example.com"  # passed intake's old, looser check; the mailer refuses it


def test_a_stored_unmailable_requester_address_is_undelivered_on_the_case_not_a_job_retried_for_ever(
        runtime, smtp) -> None:
    from backoffice.cases.case_types import seed_built_in_types
    from backoffice.intake.new_cases import NewCase, Requester, create_case
    from backoffice.notifications.sending import send
    from backoffice.staff.accounts import Role, create_user
    from shared.db import transaction

    settings = smtp.configure(runtime.settings)
    with transaction(runtime.factory) as session:
        seed_built_in_types(session, SYSTEM)
        owner = create_user(session, SYSTEM, email="owner@example.gov.uk", name="Owner", role=Role.CASEWORKER,
                            password=None)
        case = create_case(session, SYSTEM, NewCase(case_type="foi", subject="Bus timetables", description="2025",
                                                    requester=Requester(name="Sam Jones", email="sam@example.com")))
        case.owner_id = owner.id
        case.requester_email = LEGACY_ADDRESS  # a row from before the one email rule
        reference = case.reference
        send(session, Notice.REQUESTER_ACKNOWLEDGEMENT, case, [case.requester_email])  # the worker renders it
    worker = jobs.Worker(settings=settings, factory=runtime.factory, kinds=job_kinds(SPECS))
    worker.run_until_idle()
    with transaction(runtime.factory) as session:
        jobs.enqueue(session, SWEEP_KIND)  # the scheduled sweep that tells owners
    worker.run_until_idle()
    with runtime.factory() as session:
        assert set(session.scalars(select(jobs.Job.status))) == {jobs.DONE}  # nothing failed, nothing waits to retry
        [message] = undelivered_for_case(session, reference)
        assert message.to_address == LEGACY_ADDRESS and message.subject.startswith("We have received your request")
        assert "InvalidEmailAddress" in (message.last_error or "")
        [notice] = session.scalars(select(OutboxMessage).where(
            OutboxMessage.subject == f"Undelivered email on {reference}"))
        assert notice.to_address == "owner@example.gov.uk" and notice.status == "sent"
        assert LEGACY_ADDRESS in notice.body_text
    assert [r.rcpt_tos for r in smtp.wait_for(1)] == [["owner@example.gov.uk"]]


def test_a_staff_action_on_a_case_with_an_unmailable_address_still_succeeds(office: Office, settings) -> None:
    case = office.new_case("foi")
    case.requester_email = LEGACY_ADDRESS
    [message] = notify(office.db, settings, Notice.REQUESTER_CASE_CLOSED, case, [case.requester_email])
    assert message.status == UNDELIVERED and undelivered_for_case(office.db, case.reference) == [message]
    assert office.db.scalar(select(jobs.Job.id).where(jobs.Job.kind == "mail.send")) is None
