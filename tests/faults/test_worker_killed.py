"""The fault test of issue #17: a worker SIGKILLed in the middle of each job kind, and what the next one finds.

Each case commits one kind's work, drains every other job, then starts a real worker process
(tests/faults/killed_worker.py) that takes only that kind's job and kills itself: ``before`` its handler runs
(the lease and its attempt committed), or ``after`` the handler has done everything (mail handed to the SMTP
server, bytes written or deleted, rows flushed) with the job's transaction still open. Once the half-second
lease has run out a worker of the test's own runs the queue until idle, as ``civic worker --once`` does.

Then every job is done (none running, failed or left pending), and each effect happened once. The one
exception is mail killed ``after``: the SMTP server already has the message, so it gets a second copy with
the same Message-ID, by which a receiver de-duplicates (shared/mail/delivery.py says why that is chosen over
losing mail). Nothing here is mocked: real SMTP, real clamd, real files, SQLite or PostgreSQL.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.automation.config import seed_automation
from backoffice.automation.models import Firing
from backoffice.automation.sweep import KIND as AUTOMATION_JOB
from backoffice.cases import workflow
from backoffice.cases.models import Case
from backoffice.disclosures.changes import INDEX_JOB
from backoffice.disclosures.indexing import keep_current, log_engine
from backoffice.incidents.jobs import PROBE_JOB
from backoffice.incidents.models import Incident, ProbeResult
from backoffice.intake.new_cases import Requester
from backoffice.notifications.catalogue import Notice
from backoffice.notifications.sending import JOB_KIND as NOTICE_JOB
from backoffice.notifications.sending import send as send_notice
from backoffice.releases.history import Happened, history_of
from backoffice.releases.jobs import SWEEP_JOB
from backoffice.releases.management import PURGE_JOB, files_of, revoke
from backoffice.releases.models import Share
from backoffice.releases.sending import ShareRequest, send_documents
from backoffice.reporting.exporting import EXPORT_JOB, EXPORTER, request_report
from backoffice.reporting.models import WRITTEN, ReportExport
from backoffice.reporting.periods import parse_period
from backoffice.reporting.registry import get_report
from shared import audit, clamd_local, jobs
from shared.db import transaction, utcnow
from shared.files import CLEAN, INFECTED, SCAN_JOB, StoredFile, file_path, store_upload
from shared.files.storage import sweep_orphans
from shared.mail.models import SENT, OutboxMessage
from shared.mail.outbox import JOB_KIND as MAIL_JOB
from shared.mail.outbox import send_email
from shared.runtime import Runtime
from shared.search.indexes import forget_engines
from shared.serve import create_suite
from shared.settings import Settings
from shared.worker import build_worker
from tests.conftest import SPECS
from tests.factories import SYSTEM, Office, seed_office
from tests.faults.killed_worker import LEASE, killed_at
from tests.shared.live import serving
from tests.smtp_fixture import SmtpServer

pytestmark = pytest.mark.faults

ROOT = Path(__file__).resolve().parents[2]
#: Generous: the dying worker starts Python and imports every app (about two seconds) before it kills itself.
DIE_WITHIN_SECONDS = 60


@dataclass
class World:
    runtime: Runtime
    smtp: SmtpServer
    office: Office
    stack: contextlib.ExitStack

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    def session(self) -> contextlib.AbstractContextManager[Session]:
        return transaction(self.runtime.factory)


def _environment(settings: Settings) -> dict[str, str]:
    """The settings as the environment ``civic worker`` reads (shared/settings.py)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("SMTP_", "CLAMD_"))}
    env.update({
        "APP_ENV": settings.app_env, "DATA_DIR": str(settings.data_dir), "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.secret_key, "BASE_URL": settings.base_url, "ORG_NAME": settings.org_name,
        "SMTP_HOST": settings.smtp_host or "", "SMTP_PORT": str(settings.smtp_port),
        "CLAMD_SOCKET": settings.clamd_socket or "", "PYTHONPATH": str(ROOT),
    })
    env.pop("NOTIFY_API_KEY", None)
    return env


def _kill_worker_in(settings: Settings, kind: str, when: str) -> None:
    done = subprocess.run([sys.executable, "-m", "tests.faults.killed_worker", kind, when], cwd=ROOT,
                          env=_environment(settings), capture_output=True, text=True, timeout=DIE_WITHIN_SECONDS)
    assert done.returncode == -9, (done.returncode, done.stdout, done.stderr[-3000:])
    assert killed_at(settings.data_dir, when).exists()  # killed where the test meant, not by some error


def _drain(runtime: Runtime, but: str | None = None) -> None:
    """Run every due job (but ``but``'s), so the dying worker's kind is the only work left."""
    worker = build_worker(runtime, SPECS)
    if but is not None:
        worker = dataclasses.replace(worker, kinds={k: v for k, v in worker.kinds.items() if k != but})
    worker.run_until_idle()


def _jobs(world: World, kind: str | None = None) -> list[jobs.Job]:
    with world.runtime.factory() as session:
        query = select(jobs.Job).order_by(jobs.Job.id)
        return list(session.scalars(query if kind is None else query.where(jobs.Job.kind == kind)))


def _wait_out(job: jobs.Job) -> None:
    """Sleep until the dead worker's lease has run out (the next worker takes the job only then)."""
    assert job.locked_until is not None
    until = job.locked_until if job.locked_until.tzinfo else job.locked_until.replace(tzinfo=dt.UTC)
    time.sleep(max(0.0, (until - utcnow()).total_seconds()) + LEASE.total_seconds() / 4)


# --- each kind's work, and what must be true once it has been done -------------------------------------------

def _mail(world: World) -> Callable[[str], None]:
    with world.session() as session:
        message_id = send_email(session, "sam@example.com", "Your request", "We have it.").message_id

    def check(when: str) -> None:
        copies = [r for r in world.smtp.received if r.message["Message-ID"] == message_id]
        # Killed after the server took it: a second copy, the same Message-ID. Never none.
        assert len(copies) == (2 if when == "after" else 1), len(copies)
        assert len(world.smtp.received) == len(copies)
        with world.runtime.factory() as session:
            statuses = list(session.scalars(select(OutboxMessage.status)))
        assert statuses == [SENT]
    return check


def _notice(world: World) -> Callable[[str], None]:
    case_id = dataclasses.replace(world.office, session=None).new_case("foi").id
    _drain(world.runtime)  # the new case's own notices
    with world.session() as session:
        case = session.get(Case, case_id)
        assert case is not None
        assert send_notice(session, Notice.CASE_ASSIGNED, case, ["caseworker@example.gov.uk"]) == 1
        before = set(session.scalars(select(OutboxMessage.id)))
    world.smtp.handler.reset()

    def check(_when: str) -> None:
        with world.runtime.factory() as session:
            rendered = [(m.to_address, m.status) for m in session.scalars(select(OutboxMessage))
                        if m.id not in before]
        assert rendered == [("caseworker@example.gov.uk", SENT)]  # rendered into the outbox once
        assert len(world.smtp.received) == 1
    return check


def _scan(world: World) -> Callable[[str], None]:
    with world.session() as session:
        file_id = store_upload(session, world.settings, SYSTEM, filename="letter.txt",
                               stream=io.BytesIO(b"Dear Sam,\nHere is your data.\n")).id

    def check(_when: str) -> None:
        with world.runtime.factory() as session:
            stored = session.get(StoredFile, file_id)
            assert stored is not None and stored.status == CLEAN
            scanned = [e for e in audit.history(session, "file", file_id) if e.action == "file.scanned_clean"]
        assert len(scanned) == 1
        assert file_path(world.settings.files_dir, file_id).exists()
    return check


def _scan_infected(world: World) -> Callable[[str], None]:
    with world.session() as session:
        file_id = store_upload(session, world.settings, SYSTEM, filename="invoice.txt",
                               stream=io.BytesIO(clamd_local.EICAR)).id

    def check(_when: str) -> None:
        with world.runtime.factory() as session:
            stored = session.get(StoredFile, file_id)
            assert stored is not None and stored.status == INFECTED, stored and (stored.status, stored.scan_error)
            found = [e for e in audit.history(session, "file", file_id) if e.action == "file.infected"]
        assert len(found) == 1
        assert not file_path(world.settings.files_dir, file_id).exists()
    return check


def _shared(world: World, session: Session, days: int = 30) -> Share:
    """A share of one clean attachment, sent to the requester (tests/backoffice/releases/conftest.py)."""
    office = dataclasses.replace(world.office, session=session)
    user = office.caseworker
    case = office.new_case("sar", requester=Requester(name="Sam Jones", email="sam@example.com"))
    attachment = workflow.add_attachment(session, office.actor(user), user, case, world.settings, "letter.txt",
                                         io.BytesIO(b"Dear Sam,\nHere is your data.\n"))
    stored = session.get(StoredFile, attachment.file_id)
    assert stored is not None
    stored.status = CLEAN  # what the scan does (a scan killed is its own case)
    session.flush()
    return send_documents(session, world.settings, office.actor(user), user, case,
                          ShareRequest(attachment_ids=[attachment.id], days=days, message="")).share


def _share_checker(world: World, share_id: int, *once: Happened) -> Callable[[str], None]:
    with world.runtime.factory() as session:
        share = session.get(Share, share_id)
        assert share is not None
        paths = [file_path(world.settings.files_dir, f.file_id) for f in files_of(session, share)]
    assert paths and all(p.exists() for p in paths)

    def check(_when: str) -> None:
        with world.runtime.factory() as session:
            share = session.get(Share, share_id)
            assert share is not None and share.files_deleted_at is not None
            happened = [e.kind for e in history_of(session, share, staff=True)]
        for kind in once:
            assert happened.count(kind.value) == 1, happened
        assert not any(p.exists() for p in paths)
    return check


def _purge(world: World) -> Callable[[str], None]:
    with world.session() as session:
        share = _shared(world, session)
        user = dataclasses.replace(world.office, session=session).caseworker
        case = session.get(Case, share.case_id)
        assert case is not None
        revoke(session, world.office.actor(user), user, case, share, "Sent to the wrong person")
        share_id = share.id
    return _share_checker(world, share_id, Happened.FILES_DELETED)


def _share_sweep(world: World) -> Callable[[str], None]:
    with world.session() as session:
        share = _shared(world, session)
        share.expires_at = utcnow() - dt.timedelta(minutes=1)
        jobs.enqueue(session, SWEEP_JOB)
        share_id = share.id
    check_share = _share_checker(world, share_id, Happened.EXPIRED, Happened.FILES_DELETED)

    def check(when: str) -> None:
        check_share(when)
        told = [j.payload for j in _jobs(world, NOTICE_JOB) if j.payload.get("notice") == "share_expired_undownloaded"]
        assert len(told) == 1, told
    return check


def _automation(world: World) -> Callable[[str], None]:
    with world.session() as session:
        seed_automation(session, SYSTEM)
        office = dataclasses.replace(world.office, session=session)
        office.new_case("foi", received_on=dt.date.today() - dt.timedelta(days=60))
    _drain(world.runtime)  # the case's own notices, and any sweep its creation queued
    with world.session() as session:
        jobs.enqueue(session, AUTOMATION_JOB)
    with world.runtime.factory() as session:
        before = set(session.scalars(select(OutboxMessage.id)))
    world.smtp.handler.reset()

    def check(_when: str) -> None:
        with world.runtime.factory() as session:
            fired = [(f.kind, f.target, f.slot) for f in session.scalars(select(Firing))]
            told = [(m.to_address, m.subject, m.status) for m in session.scalars(select(OutboxMessage))
                    if m.id not in before]
        assert fired and len(fired) == len(set(fired)), fired
        assert told and len(told) == len(set(told)), told  # the breach told once, not once per worker
        assert {status for *_, status in told} == {SENT}
        assert len(world.smtp.received) == len(told)
    return check


def _export(world: World) -> Callable[[str], None]:
    with world.session() as session:
        office = dataclasses.replace(world.office, session=session)
        office.new_case("foi")
        export_id = request_report(session, SYSTEM, office.manager, get_report("timeliness"),
                                   parse_period(f"{dt.date.today().year}", dt.date.today()), "csv").id

    def check(when: str) -> None:
        with world.runtime.factory() as session:
            export = session.get(ReportExport, export_id)
            assert export is not None and export.status == WRITTEN and export.file_id
            written = list(session.scalars(select(StoredFile.id).where(StoredFile.uploaded_by == EXPORTER.label)))
            assert written == [export.file_id]
            assert file_path(world.settings.files_dir, export.file_id).exists()
            # The killed attempt's bytes have no row: the orphan sweep (hourly) takes them, and only them.
            orphans = sweep_orphans(session, world.settings.files_dir, older_than=dt.timedelta(0))
        assert orphans == (1 if when == "after" else 0)
        assert file_path(world.settings.files_dir, export.file_id).exists()
    return check


def _index(world: World) -> Callable[[str], None]:
    from tests.backoffice.disclosures.published import published

    with world.runtime.factory() as session:
        keep_current(session, world.settings)  # this host's (empty) index, as the host task makes it
    with world.session() as session:
        publication_id = published(dataclasses.replace(world.office, session=session), "Bus timetables").id

    def check(_when: str) -> None:
        forget_engines()
        engine = log_engine(world.settings)
        assert engine.document_count() == 1
        with world.runtime.factory() as session:
            assert session.scalar(select(Incident.id)) is None
        assert publication_id
    return check


def _probe(world: World) -> Callable[[str], None]:
    port = world.stack.enter_context(serving(create_suite(world.runtime, SPECS, with_worker=False)))
    probing = Runtime.from_settings(dataclasses.replace(world.settings, base_url=f"http://127.0.0.1:{port}"))
    world.stack.callback(probing.engine.dispose)
    world.runtime = probing
    with world.session() as session:
        jobs.enqueue(session, PROBE_JOB)

    def check(_when: str) -> None:
        with world.runtime.factory() as session:
            services = list(session.scalars(select(ProbeResult.service)))
        assert services and len(services) == len(set(services)), services  # one round recorded, not two
    return check


KINDS: dict[str, tuple[str, Callable[[World], Callable[[str], None]]]] = {
    "mail": (MAIL_JOB, _mail),
    "notice": (NOTICE_JOB, _notice),
    "scan": (SCAN_JOB, _scan),
    "scan-infected": (SCAN_JOB, _scan_infected),
    "index": (INDEX_JOB, _index),
    "share-purge": (PURGE_JOB, _purge),
    "share-sweep": (SWEEP_JOB, _share_sweep),
    "automation-sweep": (AUTOMATION_JOB, _automation),
    "report": (EXPORT_JOB, _export),
    "probe": (PROBE_JOB, _probe),
}
#: Killed after its effects for every kind; killed before only for mail (what the queue does with a lease that
#: runs out is the same for every kind, and each case costs a Python start-up with every app imported).
CASES = [(name, "after") for name in KINDS] + [("mail", "before")]
#: The kinds that need ClamAV (skipped, with the reason, where it is not installed; the others run without).
#: An export is a stored file, scanned; so is the check share's document that a probe round makes.
NEED_CLAMD = frozenset({"scan", "scan-infected", "report", "probe"})


@pytest.fixture
def world(request: pytest.FixtureRequest, runtime: Runtime, smtp: SmtpServer) -> Iterator[World]:
    settings = smtp.configure(runtime.settings)
    if request.node.callspec.params["name"] in NEED_CLAMD:
        settings = dataclasses.replace(settings, clamd_socket=request.getfixturevalue("clamd_socket"))
    live = Runtime.from_settings(settings)
    with transaction(live.factory) as session:
        office = seed_office(session, live.factory)
    with contextlib.ExitStack() as stack:
        yield World(live, smtp, office, stack)
    live.engine.dispose()
    forget_engines()


@pytest.mark.parametrize(("name", "when"), [
    pytest.param(n, w, id=f"{n}-{w}", marks=[pytest.mark.clamd] if n in NEED_CLAMD else []) for n, w in CASES])
def test_a_worker_killed_mid_job_loses_nothing_and_does_nothing_twice(world: World, name: str, when: str) -> None:
    kind, prepare = KINDS[name]
    check = prepare(world)
    _drain(world.runtime, but=kind)
    waiting = [j for j in _jobs(world) if j.status != jobs.DONE]
    assert [j.kind for j in waiting] == [kind], [(j.kind, j.status) for j in waiting]

    _kill_worker_in(world.settings, kind, when)
    [left] = [j for j in _jobs(world) if j.status != jobs.DONE and j.kind == kind]  # not what the job queued
    assert (left.status, left.attempts) == (jobs.RUNNING, 1)  # the lease and its attempt outlived the worker
    _wait_out(left)

    build_worker(world.runtime, SPECS).run_until_idle()  # the next worker, as `civic worker --once` runs it
    after = _jobs(world)
    assert all(j.status == jobs.DONE for j in after), [(j.kind, j.status, j.last_error) for j in after
                                                       if j.status != jobs.DONE]
    [again] = [j for j in after if j.id == left.id]
    assert again.attempts == 2
    check(when)
