"""The fault test: the mail server refuses (451 at RCPT, then at DATA), then is gone (connection refused).

A requester's email is retried by the real worker with the queue's backoff, marked undelivered after the
last attempt, shown on its case to staff (over HTTP), listed in the next day's digest, and, once the server
is back on the same port, the digest and later mail are delivered. The clock is time-machine's, frozen and
moved to each retry's ``run_at``, so eight attempts spread over ten minutes take a second.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from starlette.testclient import TestClient

from backoffice.cases.models import Case
from backoffice.intake.new_cases import Requester
from backoffice.notifications import Notice
from backoffice.notifications.sending import send
from backoffice.notifications.undelivered import DIGEST_KIND, LONDON, SWEEP_KIND, london_day_bounds
from backoffice.organisation.contacts import save_contacts
from shared import jobs
from shared.db import transaction
from shared.mail import MAX_ATTEMPTS, SENT, UNDELIVERED, OutboxMessage
from shared.mail.outbox import JOB_KIND as MAIL_JOB
from shared.runtime import Runtime
from shared.worker import job_kinds
from tests.conftest import SPECS, starlette_app
from tests.factories import SYSTEM, seed_office, signed_in
from tests.pages import share_templates
from tests.smtp_fixture import RecordingHandler, SmtpServer, free_port

pytestmark = pytest.mark.faults

REQUESTER = "sam@example.com"
DIGEST_TO = "ig@example.gov.uk"


@dataclass
class RefusingHandler(RecordingHandler):
    """Says "try later" at RCPT for the first ``at_rcpt`` sessions, then at DATA for ``at_data`` more."""

    at_rcpt: int = 0
    at_data: int = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if self.at_rcpt > 0:
            self.at_rcpt -= 1
            return "451 4.3.2 Not accepting messages right now"
        return await super().handle_RCPT(server, session, envelope, address, options)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.at_data > 0:
            self.at_data -= 1
            return "451 4.3.0 Queue full, try later"
        return await super().handle_DATA(server, session, envelope)


@contextmanager
def _server(port: int, handler: RecordingHandler) -> Iterator[SmtpServer]:
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    try:
        yield SmtpServer(host="127.0.0.1", port=port, handler=handler)
    finally:
        controller.stop()


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def test_mail_refused_then_unreachable_is_retried_given_up_shown_and_digested(runtime: Runtime,
                                                                               time_machine: Any) -> None:
    port = free_port()
    settings = dataclasses.replace(runtime.settings, smtp_host="127.0.0.1", smtp_port=port, notify_api_key=None)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    time_machine.move_to(now, tick=False)
    with transaction(runtime.factory) as session:
        office = seed_office(session, runtime.factory)
        save_contacts(session, SYSTEM, "", {"undelivered_digest_recipients": DIGEST_TO})
    case = office.new_case("foi", requester=Requester(name="Sam Jones", email=REQUESTER))
    with transaction(runtime.factory) as session:
        owned = session.get(Case, case.id)
        assert owned is not None
        owned.owner_id = office.ids["caseworker"]
    worker = jobs.Worker(settings=settings, factory=runtime.factory, kinds=job_kinds(SPECS))
    with _server(port, RecordingHandler()):  # the new case's emails to staff go out while all is well
        worker.run_until_idle()
    with runtime.factory() as session:
        before = session.scalar(select(func.max(OutboxMessage.id))) or 0
        assert {status for (status,) in session.execute(select(jobs.Job.status))} == {jobs.DONE}
    with transaction(runtime.factory) as session:
        send(session, Notice.REQUESTER_ACKNOWLEDGEMENT, case, [REQUESTER])

    def mail_job() -> jobs.Job:
        with runtime.factory() as session:
            [job] = session.scalars(select(jobs.Job).where(jobs.Job.kind == MAIL_JOB,
                                                            jobs.Job.status != jobs.DONE))
            return job

    def message() -> OutboxMessage:
        with runtime.factory() as session:
            [row] = session.scalars(select(OutboxMessage).where(OutboxMessage.id > before))
            return row

    handler = RefusingHandler(at_rcpt=2, at_data=1)
    errors: list[str] = []
    waits: list[dt.timedelta] = []
    with _server(port, handler) as smtp:
        for attempt in (1, 2, 3):
            worker.run_until_idle()
            job = mail_job()
            assert (job.status, job.attempts) == (jobs.PENDING, attempt)
            waits.append(_aware(job.run_at) - now)
            errors.append(message().last_error or "")
            time_machine.move_to(_aware(job.run_at) - dt.timedelta(seconds=1), tick=False)
            assert worker.run_until_idle() == 0  # backing off: not due a second early
            now = _aware(job.run_at)
            time_machine.move_to(now, tick=False)
        assert smtp.received == []
    # The server is gone: the port refuses connections.
    for attempt in range(4, MAX_ATTEMPTS + 1):
        worker.run_until_idle()
        job = mail_job()
        assert job.attempts == attempt
        errors.append(message().last_error or "")
        if attempt < MAX_ATTEMPTS:
            assert job.status == jobs.PENDING
            waits.append(_aware(job.run_at) - now)
            now = _aware(job.run_at)
            time_machine.move_to(now, tick=False)
    assert waits == [jobs.backoff(n) for n in range(1, MAX_ATTEMPTS)]
    print("waits between attempts:", [int(w.total_seconds()) for w in waits])
    assert "451" in errors[0] and "451" in errors[1] and "Queue full" in errors[2], errors
    assert all("Connection refused" in error or "ConnectionRefused" in error for error in errors[3:]), errors
    assert mail_job().status == jobs.FAILED
    given_up = message()
    assert (given_up.status, given_up.attempts) == (UNDELIVERED, MAX_ATTEMPTS)
    assert given_up.failed_at is not None and "Connection refused" in (given_up.last_error or "")

    # Staff see it on the case.
    with TestClient(starlette_app("backoffice", runtime), raise_server_exceptions=False) as client:
        share_templates(client.app)
        signed_in(client, runtime.factory, settings.secret_key, office.ids["caseworker"])
        page = client.get(f"/cases/{case.reference}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "1 email about this case could not be delivered." in text
    assert f"To {REQUESTER}: “{given_up.subject}” (" in text and "Connection refused" in text

    # The next London day: the digest is written while the server is still down, then sent when it is back.
    day = _aware(given_up.failed_at).astimezone(LONDON).date()
    time_machine.move_to(london_day_bounds(day + dt.timedelta(days=1))[0] + dt.timedelta(minutes=30), tick=False)
    with transaction(runtime.factory) as session:
        jobs.enqueue(session, SWEEP_KIND)
        jobs.enqueue(session, DIGEST_KIND)
    worker.run_until_idle()
    with _server(port, RecordingHandler()) as smtp:
        with transaction(runtime.factory) as session:  # still waiting out the last backoff: now due
            for job in session.scalars(select(jobs.Job).where(jobs.Job.status == jobs.PENDING)):
                job.run_at = min(_aware(job.run_at), dt.datetime.now(dt.UTC))
        later = office.new_case("foi", requester=Requester(name="Alex Lee", email="alex@example.com"))
        with transaction(runtime.factory) as session:
            send(session, Notice.REQUESTER_ACKNOWLEDGEMENT, later, ["alex@example.com"])
        worker.run_until_idle()
        received: dict[str, list[EmailMessage]] = {}
        for mail in smtp.received:  # every send returned after the server's 250: all are here
            received.setdefault(mail.rcpt_tos[0], []).append(mail.message)
    [digest] = received[DIGEST_TO]
    body = digest.get_content()
    assert digest["Subject"] == f"Undelivered emails on {day:%-d %B %Y}: 1"
    assert f"to {REQUESTER} (case {case.reference}): {given_up.subject}" in body
    assert "Connection refused" in body
    [told] = [m for m in received["caseworker@example.gov.uk"] if m["Subject"] == f"Undelivered email on {case.reference}"]
    assert REQUESTER in told.get_content()  # the case's owner was told, once the server was back
    assert [m["Subject"] for m in received["alex@example.com"]] == [
        f"We have received your request: {later.reference}"], received["alex@example.com"]
    assert REQUESTER not in received  # given up on: never sent again
    with runtime.factory() as session:
        statuses = dict(session.execute(select(OutboxMessage.to_address, OutboxMessage.status)
                                        .where(OutboxMessage.id > before)).all())
    assert statuses.pop(REQUESTER) == UNDELIVERED and set(statuses.values()) == {SENT}, statuses
