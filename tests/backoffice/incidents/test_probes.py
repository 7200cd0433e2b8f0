"""Synthetic probes: the decision over the latest results, its domain step on a real database, and real
HTTP probes against a real server (and against a port nobody listens on, and a server that never answers)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice import plugin
from backoffice.cases.models import Case
from backoffice.disclosures.indexing import LOG_SCHEMA
from backoffice.incidents import incidents as steps
from backoffice.incidents import jobs as incident_jobs
from backoffice.incidents import probes
from backoffice.incidents.incidents import PROBE_RECOVERED, RAISED
from backoffice.incidents.models import Incident, IncidentEvent, ProbeResult
from backoffice.incidents.probes import Action, Decision, Finding, Limits, Outcome, decide
from backoffice.incidents.service_levels import Priority, Service
from backoffice.organisation.body import get_organisation
from capture.models import Draft
from shared import jobs
from shared.db import transaction, utcnow
from shared.mail.models import OutboxMessage
from shared.runtime import Runtime
from shared.search.indexes import forget_engines, new_generation, swap_in
from shared.serve import create_suite
from shared.settings import Settings
from tests.conftest import ON_POSTGRES, SPECS
from tests.disclosurelog.conftest import Log, log  # noqa: F401 - the fixture
from tests.factories import SYSTEM, seed_body
from tests.shared.live import serving

PASS, SLOW, PARTIAL, FAIL = Outcome.PASS, Outcome.SLOW, Outcome.PARTIAL, Outcome.FAIL
QUICK = Limits(connect=1.0, read=1.0, page=1.5, slow=1.0, round=4.0)


# The decision, a pure function -----------------------------------------------------------------------------

def test_three_failures_in_a_row_raise_a_p1() -> None:
    assert decide([FAIL, FAIL, FAIL], None) == Decision(Action.RAISE, Priority.P1)


def test_two_failures_raise_nothing_nor_do_three_broken_by_a_pass() -> None:
    assert decide([FAIL, FAIL], None) == Decision(Action.NOTHING)
    assert decide([PASS, FAIL, FAIL], None) == Decision(Action.NOTHING)
    assert decide([FAIL, PASS, FAIL], None) == Decision(Action.NOTHING)
    assert decide([], None) == Decision(Action.NOTHING)


def test_slow_or_partial_in_the_run_raise_a_p2() -> None:
    assert decide([SLOW, SLOW, SLOW], None) == Decision(Action.RAISE, Priority.P2)
    assert decide([FAIL, PARTIAL, FAIL], None) == Decision(Action.RAISE, Priority.P2)
    assert decide([PASS, FAIL, FAIL, SLOW], None) == Decision(Action.RAISE, Priority.P2)


def test_a_fourth_failure_with_one_open_raises_no_second() -> None:
    assert decide([FAIL, FAIL, FAIL], Priority.P1) == Decision(Action.NOTHING)
    assert decide([SLOW, SLOW, SLOW], Priority.P2) == Decision(Action.NOTHING)


def test_a_p2_whose_service_then_fails_outright_is_raised_to_p1() -> None:
    assert decide([FAIL, FAIL, FAIL], Priority.P2) == Decision(Action.ESCALATE, Priority.P1)
    assert decide([SLOW, FAIL, FAIL], Priority.P2) == Decision(Action.NOTHING)


def test_a_pass_with_one_open_notes_the_recovery_once() -> None:
    assert decide([FAIL, FAIL, PASS], Priority.P1) == Decision(Action.NOTE_RECOVERY)
    assert decide([FAIL, FAIL, PASS], Priority.P1, recovery_noted=True) == Decision(Action.NOTHING)


def test_three_bad_results_after_the_recovery_note_withdraw_it() -> None:
    assert decide([PASS, FAIL, FAIL], Priority.P1, recovery_noted=True) == Decision(Action.NOTHING)
    assert decide([FAIL, FAIL, FAIL], Priority.P1, recovery_noted=True) == Decision(Action.NOTE_RELAPSE, Priority.P1)


def test_the_outcome_of_a_probe_from_its_steps() -> None:
    main_ok, main_bad = probes.Check("page", True, 0.2), probes.Check("page", False, 0.2, "HTTP 500")
    part_bad, slow = probes.Check("feed", False, 0.1, "HTTP 500", main=False), probes.Check("page", True, 31.0)
    limits = Limits()
    assert probes.outcome_of([main_ok], limits) is PASS
    assert probes.outcome_of([main_ok, main_bad, part_bad], limits) is FAIL
    assert probes.outcome_of([main_ok, part_bad], limits) is PARTIAL
    assert probes.outcome_of([main_ok, slow], limits) is SLOW
    assert probes.outcome_of([], limits) is FAIL
    assert probes.describe([main_ok, main_bad], limits).startswith("page: FAILED in 0.2 s (HTTP 500)")


# The domain step, on the real database ----------------------------------------------------------------------

@pytest.fixture
def contacts(db: Session) -> list[str]:
    people = ["duty@example.gov.uk"]
    get_organisation(db).contacts = {"major_incident_contacts": people}
    db.flush()
    return people


def finding(service: Service, outcome: Outcome, minutes_ago: float, detail: str = "") -> Finding:
    at = (utcnow() - dt.timedelta(minutes=minutes_ago)).replace(microsecond=0)
    return Finding(service=service, at=at, outcome=outcome, duration_ms=1234,
                   detail=detail or f"search: {'ok' if outcome is PASS else 'FAILED'}")


def rounds(db: Session, service: Service, outcomes: list[Outcome]) -> list[Incident]:
    """One round per outcome, a minute apart, carrying on from the test's last round (two hours ago at first)."""
    touched: list[Incident] = []
    for outcome in outcomes:
        n = db.info["round"] = db.info.get("round", 0) + 1
        touched += probes.record_round(db, [finding(service, outcome, 120 - n, f"round {n}: {outcome}")])
    return touched


def probe_incidents(db: Session) -> list[Incident]:
    return list(db.scalars(select(Incident).where(Incident.probe != "").order_by(Incident.id)))


def test_three_failing_rounds_open_one_p1_with_the_evidence_and_tell_the_contacts(
        db: Session, contacts: list[str]) -> None:
    assert rounds(db, Service.DISCLOSURE_LOG, [PASS, FAIL, FAIL]) == []
    assert probe_incidents(db) == []
    [incident] = rounds(db, Service.DISCLOSURE_LOG, [FAIL])
    assert (incident.priority, incident.service, incident.probe) == ("P1", "disclosure_log", "disclosure_log")
    raised = db.scalar(select(IncidentEvent).where(IncidentEvent.incident_id == incident.id,
                                                   IncidentEvent.kind == RAISED))
    assert raised is not None
    assert raised.text.count("fail in 1234 ms") == 3 and "round 4: fail" in raised.text
    assert "round 1" not in raised.text
    assert incident.received_at == db.scalars(select(ProbeResult.at).where(ProbeResult.outcome == "fail")
                                              .order_by(ProbeResult.at)).first()  # the first of the three
    mails = db.scalars(select(OutboxMessage.to_address)).all()
    assert mails == contacts  # the body's major-incident contacts, nobody else
    assert db.scalar(select(func.count()).select_from(Case)) == 0


def test_a_flood_of_failures_makes_one_incident_and_the_pass_is_noted_not_resolved(db: Session) -> None:
    rounds(db, Service.SECURE_SHARE, [FAIL] * 40)
    [incident] = probe_incidents(db)
    assert incident.priority == "P1"
    assert db.scalar(select(func.count()).select_from(ProbeResult)) == 40
    assert rounds(db, Service.SECURE_SHARE, [PASS]) == [incident]
    assert incident.probe_recovered_at is not None
    assert incident.resolved_at is None and incident.status == "investigating"
    noted = db.scalars(select(IncidentEvent.kind).where(IncidentEvent.incident_id == incident.id)).all()
    assert noted.count(PROBE_RECOVERED) == 1
    assert rounds(db, Service.SECURE_SHARE, [PASS, FAIL, FAIL]) == []  # noted once
    assert rounds(db, Service.SECURE_SHARE, [FAIL]) == [incident]  # not back after all: the note withdrawn
    assert incident.probe_recovered_at is None
    relapse = db.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == incident.id)
                         .order_by(IncidentEvent.id.desc())).first()
    assert relapse is not None and relapse.kind == "update" and not relapse.public
    assert "failing again" in relapse.text
    assert rounds(db, Service.SECURE_SHARE, [PASS]) == [incident]
    noted = db.scalars(select(IncidentEvent.kind).where(IncidentEvent.incident_id == incident.id)).all()
    assert noted.count(PROBE_RECOVERED) == 2
    assert len(probe_incidents(db)) == 1 and incident.resolved_at is None


def test_a_step_the_incident_refuses_still_keeps_the_result(db: Session) -> None:
    """A person's update timed a minute ahead (clocks a little apart): the probe's note, timed now, would
    come before it and is refused; the round's result is kept all the same, and the next pass notes it."""
    [incident] = rounds(db, Service.CAPTURE, [FAIL, FAIL, FAIL])
    steps.post_update(db, SYSTEM, incident, text="Looking into it", public=False,
                      at=utcnow() + dt.timedelta(minutes=1))
    assert rounds(db, Service.CAPTURE, [PASS]) == []
    assert incident.probe_recovered_at is None
    assert db.scalar(select(func.count()).select_from(ProbeResult)) == 4
    with time_machine.travel(utcnow() + dt.timedelta(minutes=2)):
        assert rounds(db, Service.CAPTURE, [PASS]) == [incident]
    assert incident.probe_recovered_at is not None


def test_slow_rounds_open_a_p2_and_other_services_are_apart(db: Session) -> None:
    rounds(db, Service.CAPTURE, [SLOW, PARTIAL])
    rounds(db, Service.SECURE_SHARE, [FAIL, FAIL])
    assert probe_incidents(db) == []
    [incident] = rounds(db, Service.CAPTURE, [SLOW])
    assert incident.priority == "P2" and incident.service == "capture"
    rounds(db, Service.CAPTURE, [FAIL, FAIL, FAIL])
    assert incident.priority == "P1"  # the same incident, raised to P1
    assert len(probe_incidents(db)) == 1


def test_case_managements_result_carries_the_database_write(db: Session) -> None:
    probes.record_round(db, [finding(Service.CASE_MANAGEMENT, PASS, 0, "sign-in page: ok in 0.1 s")])
    [row] = db.scalars(select(ProbeResult)).all()  # the write check's own row was rolled back
    assert row.outcome == "pass" and "database write: ok" in row.detail
    cut_short = finding(Service.CASE_MANAGEMENT, FAIL, 0, "no result within the round's limit of 50 s")
    probes.record_round(db, [cut_short])  # no steps at all: the write working does not make it a pass
    assert db.scalars(select(ProbeResult.outcome).order_by(ProbeResult.id.desc())).first() == "fail"


def test_the_sweep_keeps_a_bounded_table(db: Session) -> None:
    now = utcnow()
    for days in (1, 399, 401, 800):
        db.add(ProbeResult(service="capture", at=now - dt.timedelta(days=days), outcome="pass", duration_ms=1))
    db.flush()
    assert probes.sweep_results(db, now) == 2
    assert db.scalar(select(func.count()).select_from(ProbeResult)) == 2


def test_the_worker_has_the_probe_every_minute_and_the_sweep() -> None:
    kinds = plugin.job_kinds()
    assert incident_jobs.PROBE_JOB in kinds and incident_jobs.SWEEP_JOB in kinds
    every = {s.kind: s.every_seconds for s in plugin.SCHEDULES}
    assert every[incident_jobs.PROBE_JOB] == 60


# Real HTTP --------------------------------------------------------------------------------------------------

@pytest.fixture
def live(runtime: Runtime) -> Iterator[Settings]:
    """The suite served on a real port, with what a fresh install has; the settings point BASE_URL at it."""
    with transaction(runtime.factory) as session:
        seed_body(session)
    with serving(create_suite(runtime, SPECS, with_worker=False)) as port:
        yield dataclasses.replace(runtime.settings, base_url=f"http://127.0.0.1:{port}")
    forget_engines()  # the log's search index the server opened


def test_every_probe_passes_against_the_real_server(live: Settings) -> None:
    findings = {f.service: f for f in probes.run_round(live)}
    assert set(findings) == set(Service)
    for service, found in findings.items():
        assert found.outcome is PASS, (service, found.detail)
    assert [c.name for c in findings[Service.CAPTURE].checks] == [
        "front page", "FOI start page", "first question", "draft saved", "next page from the draft", "progress page"]
    assert [c.name for c in findings[Service.DISCLOSURE_LOG].checks] == ["home page", "search", "Atom feed"]
    assert [c.name for c in findings[Service.SECURE_SHARE].checks] == ["share link page", "documents, anonymously"]


def test_the_worker_runs_a_round_and_keeps_each_result_without_creating_cases(live: Settings,
                                                                           runtime: Runtime) -> None:
    worker = jobs.Worker(settings=live, factory=runtime.factory, kinds=plugin.job_kinds())
    with transaction(runtime.factory) as session:
        jobs.enqueue(session, incident_jobs.PROBE_JOB)
    assert worker.run_until_idle() == 1
    with runtime.factory() as session:
        rows = session.scalars(select(ProbeResult).order_by(ProbeResult.service)).all()
        assert [(r.service, r.outcome) for r in rows] == sorted((s.value, "pass") for s in Service)
        assert all(0 < r.duration_ms < 30_000 for r in rows)
        case_management = next(r for r in rows if r.service == "case_management")
        assert "database write: ok" in case_management.detail and "sign-in page: ok" in case_management.detail
        assert session.scalar(select(func.count()).select_from(Case)) == 0
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        [draft] = session.scalars(select(Draft)).all()  # the probe's draft: saved, never confirmed, purged in time
        assert draft.answers == {"name": probes.PROBE_ANSWER} and draft.case_type_key == "foi"


def test_the_log_search_must_return_a_known_publication(runtime: Runtime, log: Log) -> None:  # noqa: F811
    """The canary is the log's own newest publication old enough to be indexed: an index that lost its
    documents still renders a results page, and only looking for a known one tells."""
    reference = log.publish("Pothole repairs on the high street")
    log.publish("Published a minute ago", when=utcnow() - dt.timedelta(minutes=1))  # not indexed yet, maybe
    log.index()
    known = probes.known_publication(runtime.engine)
    assert known == probes.Known(reference, "Pothole repairs on the high street")
    with serving(create_suite(runtime, SPECS, with_worker=False)) as port:
        live = dataclasses.replace(runtime.settings, base_url=f"http://127.0.0.1:{port}")
        [found] = probes.run_round(live, services=[Service.DISCLOSURE_LOG], known=known)
        assert found.outcome is PASS, found.detail
        search_dir = runtime.settings.search_dir
        swap_in(search_dir, LOG_SCHEMA, new_generation(search_dir, LOG_SCHEMA))  # an empty index in use
        deadline = time.monotonic() + 10
        while (lost := probes.run_round(live, services=[Service.DISCLOSURE_LOG], known=known)[0]).outcome is PASS:
            assert time.monotonic() < deadline, "the emptied index was never seen"
            time.sleep(0.2)
    assert lost.outcome is FAIL and f"did not return {reference}" in lost.detail, lost.detail


def test_a_page_that_is_not_as_designed_is_a_failure(live: Settings) -> None:
    """A BASE_URL with a path nothing serves: every page answers 404, so every probe fails on its page."""
    [found] = probes.run_round(dataclasses.replace(live, base_url=live.base_url + "/nowhere"), QUICK,
                               services=[Service.CASE_MANAGEMENT])
    assert found.outcome is FAIL and "HTTP 404, expected 200" in found.detail


def test_a_port_nobody_listens_on_fails_fast(settings: Settings) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        started = time.monotonic()
        findings = probes.run_round(dataclasses.replace(settings, base_url=f"http://127.0.0.1:{port}"), QUICK)
    assert time.monotonic() - started < 3
    assert {f.outcome for f in findings} == {FAIL}
    assert all("ConnectError" in f.detail for f in findings), [f.detail for f in findings]


def _silent_server(drip: bool) -> tuple[socket.socket, threading.Event]:
    """Accepts every connection and never answers (or drips a header byte by byte, never finishing)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    stop = threading.Event()
    held: list[socket.socket] = []
    started: dict[int, bool] = {}

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                held.append(conn)
            except OSError:
                pass
            if drip:  # a header line every tenth of a second: no read ever waits long enough to time out
                for conn in held:
                    try:
                        conn.sendall(b"X-Waiting: yes\r\n" if started.get(conn.fileno()) else b"HTTP/1.1 200 OK\r\n")
                        started[conn.fileno()] = True
                    except OSError:
                        pass
        for conn in held:
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return listener, stop


class _SlowSite(http.server.BaseHTTPRequestHandler):
    """Every page answers after 1.2 s, except the FOI form's, which hangs: a site that is slow, then stuck."""

    def do_GET(self) -> None:
        time.sleep(10 if self.path == "/request/foi" else 1.2)
        body = b'<h1>Sign in</h1><a href="/request/foi">Freedom of Information</a>'
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


def test_slow_pages_are_slow_even_when_the_round_cannot_wait_for_the_rest(settings: Settings) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowSite)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    limits = Limits(connect=1.0, read=3.0, page=3.5, slow=1.0, round=2.5)
    try:
        started = time.monotonic()
        found = {f.service: f for f in probes.run_round(
            dataclasses.replace(settings, base_url=f"http://127.0.0.1:{server.server_address[1]}"), limits,
            services=[Service.CASE_MANAGEMENT, Service.CAPTURE])}
        took = time.monotonic() - started
    finally:
        server.shutdown()
        server.server_close()
    assert took < limits.round + 1.0
    assert found[Service.CASE_MANAGEMENT].outcome is SLOW  # finished, in 1.2 s a page
    assert found[Service.CASE_MANAGEMENT].detail.startswith("sign-in page: SLOW in ")
    assert found[Service.CAPTURE].outcome is SLOW, found[Service.CAPTURE].detail  # slow, then cut short
    assert "not finished within the round's limit of 2.5 s" in found[Service.CAPTURE].detail


def test_a_probe_cut_short_without_a_slow_page_is_a_failure() -> None:
    at, limits = utcnow(), Limits()
    assert probes.cut_short(Service.CAPTURE, at, [], limits).outcome is FAIL
    assert probes.cut_short(Service.CAPTURE, at, [probes.Check("front page", True, 0.1)], limits).outcome is FAIL
    slow_then_broken = [probes.Check("front page", True, 31.0), probes.Check("start", False, 2.0, "HTTP 500")]
    assert probes.cut_short(Service.CAPTURE, at, slow_then_broken, limits).outcome is FAIL
    assert probes.cut_short(Service.CAPTURE, at, slow_then_broken[:1], limits).outcome is SLOW


@pytest.mark.parametrize("drip", [False, True], ids=["silent", "dripping"])
def test_a_server_that_never_answers_ends_by_the_timeout(settings: Settings, drip: bool) -> None:
    listener, stop = _silent_server(drip)
    try:
        port = listener.getsockname()[1]
        started = time.monotonic()
        findings = probes.run_round(dataclasses.replace(settings, base_url=f"http://127.0.0.1:{port}"), QUICK)
        took = time.monotonic() - started
    finally:
        stop.set()
        listener.close()
    assert took < QUICK.round + 1
    assert {f.outcome for f in findings} == {FAIL}, [f.detail for f in findings]
    assert all("timed out" in f.detail or "within" in f.detail for f in findings), [f.detail for f in findings]


@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite's one write lock already keeps two rounds apart")
def test_two_rounds_recorded_at_once_raise_one_incident(runtime: Runtime) -> None:
    """Two workers recording the third failure at the same moment: the second waits for the first, then sees
    its incident (a PostgreSQL advisory lock for the recording), so no service gets two."""
    services = list(Service)
    with transaction(runtime.factory) as session:
        get_organisation(session)  # made once here, not by two rounds at once
        for service in services:
            probes.record_round(session, [finding(service, FAIL, 3), finding(service, FAIL, 2)])
    barrier = threading.Barrier(2 * len(services))
    errors: list[BaseException] = []

    def record(service: Service) -> None:
        try:
            barrier.wait(timeout=10)
            with transaction(runtime.factory) as session:
                probes.record_round(session, [finding(service, FAIL, 1)])
                time.sleep(0.2)  # keep the transaction open while the other round looks
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=record, args=(s,)) for s in services for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with runtime.factory() as session:
        raised = session.scalars(select(Incident.service).order_by(Incident.service)).all()
    assert raised == sorted(s.value for s in services)


def test_a_probe_still_waiting_does_not_hold_the_process_open_when_it_exits(settings: Settings) -> None:
    """What `civic serve` met when its port was taken: the first round's probes waited on a socket that
    accepted and never answered, and the process, told to stop, stayed until their read timeouts ended."""
    listener, stop = _silent_server(False)
    try:
        port = listener.getsockname()[1]
        script = ("import dataclasses, sys\n"
                  "from backoffice.incidents import probes\n"
                  "from shared.settings import load_settings\n"
                  "limits = probes.Limits(connect=5, read=60, page=60, slow=30, round=0.5)\n"
                  f"probes.run_round(dataclasses.replace(load_settings(), base_url='http://127.0.0.1:{port}'), limits)\n"
                  "sys.exit(3)\n")
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[3], capture_output=True, text=True,
                              timeout=50, check=False,
                              env={**os.environ, "DATA_DIR": str(settings.data_dir), "APP_ENV": "development"})
        took = time.monotonic() - started
    finally:
        stop.set()
        listener.close()
    assert done.returncode == 3, done.stderr
    assert took < 30, f"the process took {took:.0f} s to exit: its probe threads held it"
