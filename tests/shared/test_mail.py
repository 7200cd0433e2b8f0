"""The outbox on real parts: a real database, a real SMTP server (aiosmtpd), real worker processes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shared import jobs
from shared.audit import SYSTEM, record
from shared.db import transaction, utcnow
from shared.jobs import Job, Worker, backoff, queue_depth
from shared.mail import (
    JOB_KIND,
    JOB_KINDS,
    MAX_ATTEMPTS,
    InvalidEmailAddress,
    MailNotConfigured,
    OutboxMessage,
    choose_transport,
    kept_messages,
    messages_for,
    send_email,
    undelivered_since,
    validate_address,
)
from shared.mail.transports import KeptTransport, NotifyTransport, SmtpTransport
from shared.runtime import Runtime
from shared.settings import Settings
from tests.smtp_fixture import (
    LOGIN,
    PASSWORD,
    Certificates,
    RecordingAuthenticator,
    SmtpServer,
    free_port,
    make_certificates,
    running_server,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
BODY = "Dear Zoë,\n\nYour request about the café costs £0 — thank you ✓\nhttps://example.org/validate?token=abc\n"


@pytest.fixture
def mail_settings(settings: Settings, smtp: SmtpServer) -> Settings:
    return smtp.configure(settings)


def worker_for(runtime: Runtime, settings: Settings, **kwargs: Any) -> Worker:
    return Worker(settings=settings, factory=runtime.factory, kinds=JOB_KINDS, **kwargs)


def queue(runtime: Runtime, to: str = "person@example.com", subject: str = "Your request", body: str = BODY,
          **kwargs: Any) -> OutboxMessage:
    with transaction(runtime.factory) as session:
        return send_email(session, to, subject, body, **kwargs)


def reload(runtime: Runtime, message_id: int) -> OutboxMessage:
    with runtime.factory() as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        return message


def mail_job(runtime: Runtime) -> Job:
    with runtime.factory() as session:
        return session.scalars(select(Job).where(Job.kind == JOB_KIND)).one()


def make_due(runtime: Runtime) -> None:
    """Skip the backoff wait (after the test has checked it) instead of sleeping through it."""
    with transaction(runtime.factory) as session:
        session.execute(update(Job).where(Job.status == jobs.PENDING).values(run_at=utcnow()))


def assert_backoff(job: Job, attempts: int) -> None:
    expected = utcnow() + backoff(attempts)
    assert job.status == jobs.PENDING and job.attempts == attempts
    assert abs((job.run_at - expected).total_seconds()) < 3


# --- enqueueing ------------------------------------------------------------------------------


def test_send_email_writes_message_and_job_in_callers_transaction(db: Session, smtp: SmtpServer) -> None:
    message = send_email(db, "  Person@Example.COM ", "Your request\r\nBcc: evil@example.com", "Hello",
                         related_type="case", related_id="FOI-2026-00001")
    job = db.scalars(select(Job)).one()
    assert job.kind == "mail.send" and job.payload == {"outbox_id": message.id} and job.max_attempts == MAX_ATTEMPTS
    assert message.status == "pending" and message.attempts == 0 and not message.kept_locally
    assert message.to_address == "Person@example.com"
    assert message.subject == "Your request Bcc: evil@example.com"  # no header injection
    assert re.fullmatch(r"<[0-9a-f]{32}@[a-z.-]+>", message.message_id)
    assert (message.related_type, message.related_id) == ("case", "FOI-2026-00001")
    assert smtp.received == []  # never sent inline


def test_rollback_leaves_neither_message_nor_job(runtime: Runtime) -> None:
    with runtime.factory() as session:
        send_email(session, "person@example.com", "Subject", "Body")
        session.rollback()
    with pytest.raises(RuntimeError), transaction(runtime.factory) as session:
        send_email(session, "person@example.com", "Subject", "Body")
        raise RuntimeError("the change that caused the email failed")
    with runtime.factory() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert session.scalar(select(func.count()).select_from(Job)) == 0


@pytest.mark.parametrize("address", ["", "person", "@example.com", "person@", "person@example", "a b@example.com",
                                     "person@exa mple.com", "person@-example.com", "person..x@example.com",
                                     "person@example.c0m", "x" * 65 + "@example.com", "p@e.com\nBcc: x@y.com"])
def test_invalid_addresses_are_refused(address: str) -> None:
    with pytest.raises(InvalidEmailAddress) as raised:
        validate_address(address)
    assert raised.value.errors == {"email": "Enter an email address in the correct format, like name@example.com"}


@pytest.mark.parametrize("address", ["a..b@example.com", "person@example", "", "p@e.com\nBcc: x@y.com"])
def test_mail_to_an_unmailable_address_is_recorded_undelivered_and_never_queued(db: Session, address: str) -> None:
    """A stored address from before the one email rule (an import, a legacy row) cannot make a job fail for ever."""
    before = utcnow()
    message = send_email(db, address, "Your request", "Body", related_type="case", related_id="FOI-2026-00001")
    assert message.id is not None and message.status == "undelivered" and message.attempts == 0
    assert message.failed_at is not None and message.failed_at >= before
    assert (message.last_error or "").startswith("InvalidEmailAddress: ")
    assert message.to_address == address
    assert db.scalar(select(func.count()).select_from(Job)) == 0
    assert [m.id for m in undelivered_since(db, before)] == [message.id]


def test_a_queued_message_to_an_unmailable_address_is_undelivered_without_a_send(
        runtime: Runtime, mail_settings: Settings, smtp: SmtpServer) -> None:
    """An outbox row written before the rule was shared is not sent, nor retried: it is undelivered at once."""
    with transaction(runtime.factory) as session:
        legacy = OutboxMessage(to_address="a..b@example.com", subject="Your request", body_text="Body",
                               message_id="<legacy@civic-correspondence.invalid>", related_type="case", related_id="7")
        session.add(legacy)
        session.flush()
        jobs.enqueue(session, JOB_KIND, {"outbox_id": legacy.id}, max_attempts=MAX_ATTEMPTS)
    assert worker_for(runtime, mail_settings).run_until_idle() == 1
    message = reload(runtime, legacy.id)
    assert message.status == "undelivered" and message.failed_at is not None
    assert "InvalidEmailAddress" in (message.last_error or "")
    assert mail_job(runtime).status == jobs.DONE
    time.sleep(0.1)
    assert smtp.received == []


def test_valid_addresses_are_normalised() -> None:
    assert validate_address("first.o'neill+foi@Sub.Example.co.uk") == "first.o'neill+foi@sub.example.co.uk"
    assert validate_address("zoe@bücher.example") == "zoe@xn--bcher-kva.example"


# --- delivery over SMTP --------------------------------------------------------------------------


def test_worker_delivers_once_with_headers_and_utf8_body(runtime: Runtime, mail_settings: Settings,
                                                          smtp: SmtpServer) -> None:
    queued = queue(runtime, subject="Your request – FOI-2026-00001", related_type="case", related_id="FOI-2026-00001")
    worker = worker_for(runtime, mail_settings)
    assert worker.run_until_idle() == 1
    [received] = smtp.wait_for(1)
    message = received.message
    assert received.mail_from == "noreply@localhost" and received.rcpt_tos == ["person@example.com"]
    assert message["From"] == "Testshire Council <noreply@localhost>"
    assert message["To"] == "person@example.com"
    assert message["Subject"] == "Your request – FOI-2026-00001"
    assert message["Message-ID"] == queued.message_id
    assert parsedate_to_datetime(message["Date"]) == queued.created_at.replace(microsecond=0)
    assert message.get_content_type() == "text/plain" and message.get_content_charset() == "utf-8"
    assert message.get_content().replace("\r\n", "\n") == BODY  # CRLF on the wire
    assert all(byte < 128 for byte in received.raw)  # 7-bit safe on the wire

    sent = reload(runtime, queued.id)
    assert sent.status == "sent" and sent.sent_at is not None and sent.attempts == 1 and not sent.kept_locally
    assert mail_job(runtime).status == jobs.DONE

    # Idempotent: a second job for a sent message (a retried job) sends nothing.
    with transaction(runtime.factory) as session:
        jobs.enqueue(session, JOB_KIND, {"outbox_id": queued.id})
    assert worker.run_until_idle() == 1
    time.sleep(0.1)
    assert len(smtp.received) == 1
    assert reload(runtime, queued.id).attempts == 1


def test_permanent_refusal_is_undelivered_without_retries(runtime: Runtime, mail_settings: Settings,
                                                          smtp: SmtpServer) -> None:
    before = utcnow()
    queued = queue(runtime, to="nobody@refuse.example", related_type="case", related_id="7")
    assert worker_for(runtime, mail_settings).run_until_idle() == 1
    message = reload(runtime, queued.id)
    assert message.status == "undelivered" and message.attempts == 1 and message.failed_at is not None
    assert "550" in (message.last_error or "") and "No such user" in (message.last_error or "")
    assert mail_job(runtime).status == jobs.DONE  # nothing left to retry
    assert smtp.received == []
    with runtime.factory() as session:
        assert [m.id for m in undelivered_since(session, before)] == [queued.id]
        assert undelivered_since(session, utcnow() + dt.timedelta(seconds=1)) == []
        assert [m.id for m in messages_for(session, "case", 7)] == [queued.id]
        assert queue_depth(session) == {"pending": 0, "running": 0, "failed": 0}


def test_transient_refusal_is_retried_with_backoff_then_delivered(runtime: Runtime, mail_settings: Settings,
                                                                  smtp: SmtpServer) -> None:
    smtp.tempfail(2)
    queued = queue(runtime, to="someone@tempfail.example")
    worker = worker_for(runtime, mail_settings)
    for attempt in (1, 2):
        assert worker.run_until_idle() == 1
        assert_backoff(mail_job(runtime), attempt)
        message = reload(runtime, queued.id)
        assert message.status == "pending" and message.attempts == attempt and "451" in (message.last_error or "")
        assert worker.run_until_idle() == 0  # not due yet
        make_due(runtime)
    assert worker.run_until_idle() == 1
    message = reload(runtime, queued.id)
    assert message.status == "sent" and message.attempts == 3 and message.last_error is None
    assert [r.message["Message-ID"] for r in smtp.wait_for(1)] == [queued.message_id]


def test_smtp_down_retries_then_gives_up(runtime: Runtime, settings: Settings) -> None:
    down = dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=free_port())
    queued = queue(runtime)
    worker = worker_for(runtime, down)
    for attempt in range(1, MAX_ATTEMPTS):
        assert worker.run_until_idle() == 1
        assert_backoff(mail_job(runtime), attempt)
        assert reload(runtime, queued.id).status == "pending"
        make_due(runtime)
    assert worker.run_until_idle() == 1
    message = reload(runtime, queued.id)
    assert message.status == "undelivered" and message.attempts == MAX_ATTEMPTS
    assert "ConnectionRefusedError" in (message.last_error or "")
    job = mail_job(runtime)
    assert job.status == jobs.FAILED and job.attempts == MAX_ATTEMPTS
    with runtime.factory() as session:
        assert [m.id for m in undelivered_since(session, queued.created_at)] == [queued.id]


# --- development and production without a mail server ------------------------------------------


def test_development_without_transport_keeps_mail_locally(runtime: Runtime, settings: Settings,
                                                          smtp: SmtpServer) -> None:
    assert settings.smtp_host is None and not settings.is_production
    first = queue(runtime, subject="First")
    second = queue(runtime, subject="Second")
    assert worker_for(runtime, settings).run_until_idle() == 2
    with runtime.factory() as session:
        kept = kept_messages(session, limit=10)
        assert [m.id for m in kept] == [second.id, first.id]  # newest first
        assert all(m.status == "sent" and m.kept_locally and m.sent_at for m in kept)
        assert [m.id for m in kept_messages(session, limit=1)] == [second.id]
    assert smtp.received == []


def test_production_without_transport_refuses_and_keeps_the_mail_queued(runtime: Runtime, settings: Settings) -> None:
    production = dataclasses.replace(settings, app_env="production")
    queued = queue(runtime)
    assert worker_for(runtime, production).run_until_idle() == 1
    message = reload(runtime, queued.id)
    assert message.status == "pending" and not message.kept_locally
    assert "MailNotConfigured" in (message.last_error or "")
    assert_backoff(mail_job(runtime), 1)
    with runtime.factory() as session:
        assert queue_depth(session)["pending"] == 1


def test_transport_choice(settings: Settings) -> None:
    assert isinstance(choose_transport(settings), KeptTransport)
    smtp_settings = dataclasses.replace(settings, smtp_host="mail.example.com")
    assert isinstance(choose_transport(smtp_settings), SmtpTransport)
    notify = dataclasses.replace(smtp_settings, notify_api_key="key", notify_template_id="template")
    assert isinstance(choose_transport(notify), NotifyTransport)  # Notify wins over SMTP
    with pytest.raises(MailNotConfigured):
        choose_transport(dataclasses.replace(settings, app_env="production"))


# --- crashes and races ---------------------------------------------------------------------------

WORKER_SCRIPT = textwrap.dedent(
    """
    import datetime as dt

    from shared.jobs import Worker
    from shared.mail import JOB_KINDS
    from shared.runtime import Runtime
    from shared.settings import load_settings

    runtime = Runtime.from_settings(load_settings())
    Worker(runtime.settings, runtime.factory, JOB_KINDS, lease=dt.timedelta(seconds=1)).run_until_idle()
    """
)


def test_worker_killed_mid_send_loses_nothing(runtime: Runtime, mail_settings: Settings, smtp: SmtpServer) -> None:
    queued = queue(runtime)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SMTP_", "NOTIFY_"))}
    env.update(APP_ENV="development", DATABASE_URL=mail_settings.database_url, DATA_DIR=str(mail_settings.data_dir),
               SECRET_KEY=mail_settings.secret_key, ORG_NAME=mail_settings.org_name,
               SMTP_HOST=smtp.host, SMTP_PORT=str(smtp.port))
    smtp.hold()  # the server takes the message, then never answers
    process = subprocess.Popen([sys.executable, "-c", WORKER_SCRIPT], cwd=REPO_ROOT, env=env)
    try:
        smtp.wait_until_holding(timeout=20)
        # While the send hangs the worker holds no database lock: the web can still write.
        started = time.monotonic()
        with transaction(runtime.factory) as session:
            record(session, SYSTEM, "test.write", "test", 1)
        assert time.monotonic() - started < 2
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    smtp.release()

    interrupted = reload(runtime, queued.id)
    assert interrupted.status == "pending" and interrupted.attempts == 0  # the message counts outcomes
    job = mail_job(runtime)
    assert job.status == jobs.RUNNING and job.locked_until is not None and job.attempts == 1  # the job, tries
    time.sleep(max(0.0, (job.locked_until - utcnow()).total_seconds()) + 0.05)  # the dead worker's lease runs out

    assert worker_for(runtime, mail_settings).run_until_idle() == 1
    delivered = reload(runtime, queued.id)
    assert delivered.status == "sent" and delivered.attempts == 1
    assert mail_job(runtime).status == jobs.DONE and mail_job(runtime).attempts == 2
    copies = smtp.wait_for(2)
    # At least once: the crash may leave the receiver a second copy, with the same Message-ID.
    assert 1 <= len(copies) <= 2, copies
    assert {c.message["Message-ID"] for c in copies} == {queued.message_id}


def test_two_workers_send_twenty_messages_exactly_once(runtime: Runtime, mail_settings: Settings,
                                                       smtp: SmtpServer) -> None:
    with transaction(runtime.factory) as session:
        queued = [send_email(session, f"person{n}@example.com", f"Message {n}", f"Body {n}") for n in range(20)]
    workers = [worker_for(runtime, mail_settings) for _ in range(2)]
    ran: list[int] = []
    errors: list[BaseException] = []

    def run(worker: Worker) -> None:
        try:
            ran.append(worker.run_until_idle())
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and sum(ran) == 20
    received = smtp.wait_for(20)
    counts = Counter(r.message["Message-ID"] for r in received)
    assert counts == Counter({m.message_id: 1 for m in queued})
    with runtime.factory() as session:
        statuses = Counter(session.scalars(select(OutboxMessage.status)))
        assert statuses == Counter({"sent": 20})
        assert set(session.scalars(select(OutboxMessage.attempts))) == {1}


# --- TLS and credentials ---------------------------------------------------------------------------

CLEAR_AUTH = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("tls"))


def through(settings: Settings, server: SmtpServer, **changes: Any) -> Settings:
    return dataclasses.replace(server.configure(settings), smtp_username=LOGIN, smtp_password=PASSWORD, **changes)


@CLEAR_AUTH
def test_credentials_are_never_sent_over_a_clear_connection(runtime: Runtime, settings: Settings) -> None:
    logins = RecordingAuthenticator()
    with running_server(authenticator=logins, auth_required=True, auth_require_tls=False) as server:
        queued = queue(runtime)
        assert worker_for(runtime, through(settings, server)).run_until_idle() == 1
        assert server.received == []
    assert logins.attempts == []  # the password never crossed the network
    message = reload(runtime, queued.id)
    assert message.status == "pending" and "MailNotConfigured" in (message.last_error or "")
    assert "SMTP_TLS" in (message.last_error or "") and PASSWORD not in (message.last_error or "")


def test_starttls_then_login(runtime: Runtime, settings: Settings, certificates: Certificates) -> None:
    logins = RecordingAuthenticator()
    with running_server(authenticator=logins, auth_required=True, tls_context=certificates.server_context(),
                        require_starttls=True) as server:
        queued = queue(runtime)
        starttls = through(settings, server, smtp_starttls=True, smtp_ca_file=str(certificates.ca_file))
        assert worker_for(runtime, starttls).run_until_idle() == 1
        assert [r.rcpt_tos for r in server.wait_for(1)] == [["person@example.com"]]
    assert reload(runtime, queued.id).status == "sent"
    assert logins.attempts == [(LOGIN, PASSWORD, True)]


@CLEAR_AUTH  # aiosmtpd's own check knows only STARTTLS; the authenticator checks the connection itself
def test_implicit_tls_smtps_then_login(runtime: Runtime, settings: Settings, certificates: Certificates) -> None:
    logins = RecordingAuthenticator()
    with running_server(authenticator=logins, auth_required=True, auth_require_tls=False,
                        ssl_context=certificates.server_context()) as server:
        queued = queue(runtime)
        smtps = through(settings, server, smtp_tls=True, smtp_ca_file=str(certificates.ca_file))
        assert worker_for(runtime, smtps).run_until_idle() == 1
        [received] = server.wait_for(1)
    assert received.message["Message-ID"] == queued.message_id
    assert reload(runtime, queued.id).status == "sent"
    assert logins.attempts == [(LOGIN, PASSWORD, True)]


@CLEAR_AUTH
@pytest.mark.parametrize("case", ["untrusted", "wrong host"])
def test_the_servers_certificate_is_always_verified(runtime: Runtime, settings: Settings,
                                                    certificates: Certificates, case: str) -> None:
    """No setting turns verification off: SMTP_CA_FILE only says which CA to trust, for the server's own name."""
    logins = RecordingAuthenticator()
    with running_server(authenticator=logins, auth_required=True, auth_require_tls=False,
                        ssl_context=certificates.server_context()) as server:
        queued = queue(runtime)
        smtps = through(settings, server, smtp_tls=True)
        if case == "wrong host":  # trusted CA, but the certificate is for 127.0.0.1, not localhost
            smtps = dataclasses.replace(smtps, smtp_host="localhost", smtp_ca_file=str(certificates.ca_file))
        assert worker_for(runtime, smtps).run_until_idle() == 1
        assert server.received == []
    assert logins.attempts == []
    message = reload(runtime, queued.id)
    assert message.status == "pending" and "SSLCertVerificationError" in (message.last_error or "")
    assert_backoff(mail_job(runtime), 1)
