"""The fault test: clamd is stopped while files are uploaded through the real forms (a requester's evidence on
capture, documents attached by a caseworker in the back office, a document for the disclosure log).

Every upload is accepted and stays quarantined; the real worker's scans fail and back off on the queue's
schedule; no route hands out an unscanned file (downloads refused, none offered to send securely, publishing
refused). When a clamd is started again on the same socket the worker releases every clean file, and the
EICAR one stays blocked. The clock is time-machine's, frozen and moved to each retry.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from backoffice.cases import tasks, workflow
from backoffice.cases.models import Case, CaseAttachment
from backoffice.disclosures.models import Publication
from backoffice.staff.accounts import StaffUser
from shared import clamd_local, jobs
from shared.db import transaction
from shared.files import CLEAN, INFECTED, QUARANTINED, SCAN_JOB, StoredFile
from shared.runtime import Runtime
from shared.settings import Settings
from shared.worker import build_worker
from tests.backoffice.casework.helpers import form_fields, submit
from tests.capture.conftest import Requester
from tests.capture.test_journeys import SAR_ANSWERS, confirm_by_email
from tests.conftest import SPECS, starlette_app
from tests.factories import Office, seed_office, signed_in
from tests.pages import PageChecker, share_templates
from tests.smtp_fixture import SmtpServer

pytestmark = [pytest.mark.faults, pytest.mark.clamd]

EICAR = clamd_local.EICAR
EVIDENCE = b"Passport number 123456789, scanned.\n"
LETTER = b"Dear council,\nPlease find my letter attached.\n"
MINUTES = b"Minutes of the meeting of 3 March.\n"
TIMETABLE = b"Route 1: every 20 minutes from 7am.\n"


@pytest.fixture
def clamd(clamd_factory: Callable[..., clamd_local.LocalClamd]) -> clamd_local.LocalClamd:
    return clamd_factory()


@pytest.fixture
def settings(settings: Settings, smtp: SmtpServer, clamd: clamd_local.LocalClamd) -> Settings:
    """The suite's settings, mailing through the SMTP test server and scanning with this test's own clamd."""
    return dataclasses.replace(smtp.configure(settings), clamd_socket=clamd.socket)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _files(runtime: Runtime, reference: str) -> dict[str, tuple[int, str]]:
    """File name → (attachment id, scan status) for the case's attachments."""
    with runtime.factory() as session:
        rows = session.execute(select(StoredFile.original_name, CaseAttachment.id, StoredFile.status)
                               .join(CaseAttachment, CaseAttachment.file_id == StoredFile.id)
                               .join(Case, Case.id == CaseAttachment.case_id).where(Case.reference == reference))
        return {name: (int(attachment), status) for name, attachment, status in rows}


def _scan_jobs(runtime: Runtime) -> list[jobs.Job]:
    with runtime.factory() as session:
        return list(session.scalars(select(jobs.Job).where(jobs.Job.kind == SCAN_JOB).order_by(jobs.Job.id)))


def _upload(client: TestClient, reference: str, name: str, content: bytes) -> int:
    path = f"/cases/{reference}"
    fields = form_fields(client.get(path).text, f"{path}/attachments")
    response = client.post(f"{path}/attachments", data={**fields, "description": ""},
                           files={"file": (name, io.BytesIO(content), "application/octet-stream")},
                           follow_redirects=False)
    return response.status_code


def _closed_foi_case(runtime: Runtime, office: Office) -> str:
    made = office.new_case("foi")
    with transaction(runtime.factory) as session:
        case = session.get(Case, made.id)
        user = session.get(StaffUser, office.ids["manager"])
        assert case is not None and user is not None
        for task in tasks.tasks_of(session, case):
            tasks.finish_task(session, office.actor(user), user, case, task.id, tasks.DONE)
        workflow.close(session, office.actor(user), user, case, outcome="granted_in_part", exemptions=("s40",))
        return case.reference


def test_uploads_while_clamd_is_stopped_stay_quarantined_until_it_returns(
        runtime: Runtime, clamd: clamd_local.LocalClamd, clamd_factory: Callable[..., clamd_local.LocalClamd],
        smtp: SmtpServer, check_page: PageChecker, time_machine: Any) -> None:
    with transaction(runtime.factory) as session:
        office: Office = seed_office(session, runtime.factory)
    clamd.stop()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    time_machine.move_to(now, tick=False)  # stands still but for the moves below: each wait is exact

    # A requester sends a subject access request with evidence of identity, while clamd is down.
    with TestClient(starlette_app("capture", runtime), raise_server_exceptions=False) as capture:
        person = Requester(capture, runtime, smtp, check_page)
        person.fill("sar", SAR_ANSWERS)
        person.answer("sar", "identity", {}, files={"identity": ("passport.txt", io.BytesIO(EVIDENCE), "text/plain")},
                      status=200)
        person.answer("sar", "acting_for", {"acting_for": "no"}, status=200)
        check = person.get("/request/sar/check")
        assert "passport.txt" in check.text and "Checking for viruses" in check.text
        person.send("sar")
        reference = confirm_by_email(person)  # the worker mailed the link; the scan it ran failed

    # A caseworker attaches two documents and the EICAR test file to the new case.
    with TestClient(starlette_app("backoffice", runtime), raise_server_exceptions=False) as client:
        share_templates(client.app)
        signed_in(client, runtime.factory, runtime.settings.secret_key, office.ids["caseworker"])
        for name, content in (("letter.txt", LETTER), ("minutes.txt", MINUTES), ("eicar.txt", EICAR)):
            assert _upload(client, reference, name, content) == 303, name
        # And a redacted document for the disclosure log, on a closed FOI case.
        foi = _closed_foi_case(runtime, office)
        base = f"/cases/{foi}/publication"
        prepared = submit(client, base, base, {"title": "Bus timetables 2025", "summary": "We sent the timetables.",
                                               "request_text": "Please send the 2025 bus timetables."})
        assert prepared.status_code == 303, prepared.text[:3000]
        fields = form_fields(client.get(base).text, base + "/documents")
        assert client.post(base + "/documents", data=fields, follow_redirects=False,
                           files={"file": ("timetables.txt", io.BytesIO(TIMETABLE), "text/plain")}).status_code == 303
        worker = build_worker(runtime, SPECS)
        uploaded = {"passport.txt", "letter.txt", "minutes.txt", "eicar.txt"}

        def unscanned_refused() -> None:
            attached = _files(runtime, reference)
            assert set(attached) == uploaded and {s for _, s in attached.values()} == {QUARANTINED}, attached
            page = client.get(f"/cases/{reference}")
            check_page(page, title=reference)
            assert page.text.count("Checking for viruses") >= len(uploaded)
            for attachment, _status in attached.values():
                download = f"/cases/{reference}/attachments/{attachment}"
                assert f'href="{download}"' not in page.text
                refused = client.get(download)
                assert refused.status_code == 404 and refused.content not in (EVIDENCE, LETTER, MINUTES, EICAR)
            share = client.get(f"/cases/{reference}/send-documents")
            assert share.status_code == 200 and 'name="attachment_ids"' not in share.text  # nothing to pick
            assert "timetables.txt – waiting for the virus check" in client.get(base).text
            refused = submit(client, base, base + "/publish")
            assert refused.status_code == 409, refused.status_code
            assert "timetables.txt: Checking for viruses" in html.unescape(refused.text)  # why it was refused
            with runtime.factory() as session:
                assert session.scalars(select(Publication.status)).one() != "published"

        # Two rounds with clamd down: each scan fails and waits longer (5 s, then 10 s) before the next try.
        for attempt in (1, 2):
            worker.run_until_idle()
            scans = _scan_jobs(runtime)
            assert len(scans) == len(uploaded) + 1  # and the disclosure log's document
            for job in scans:
                assert (job.status, job.attempts) == (jobs.PENDING, attempt), (job.status, job.attempts)
                assert job.last_error is not None and "ScannerUnavailable" in job.last_error
                assert f"clamd at {clamd.socket} did not answer" in job.last_error, job.last_error
                assert _aware(job.run_at) - now == jobs.backoff(attempt)
            unscanned_refused()
            time_machine.move_to(now + jobs.backoff(attempt) - dt.timedelta(seconds=1), tick=False)
            assert worker.run_until_idle() == 0  # backing off: not due a second early
            now += jobs.backoff(attempt)
            time_machine.move_to(now, tick=False)

        # clamd is back on the same socket: the next round releases the clean files, and only them.
        clamd_factory(Path(clamd.socket).parent)
        worker.run_until_idle()
        scans = _scan_jobs(runtime)
        assert len(scans) == len(uploaded) + 1 and {(job.status, job.attempts) for job in scans} == {(jobs.DONE, 3)}
        attached = _files(runtime, reference)
        assert {name: status for name, (_, status) in attached.items()} == {
            "passport.txt": CLEAN, "letter.txt": CLEAN, "minutes.txt": CLEAN, "eicar.txt": INFECTED}
        page = client.get(f"/cases/{reference}")
        check_page(page, title=reference)
        assert "This file contained a virus and was deleted" in page.text
        for name, content in (("passport.txt", EVIDENCE), ("letter.txt", LETTER), ("minutes.txt", MINUTES)):
            download = f"/cases/{reference}/attachments/{attached[name][0]}"
            assert f'href="{download}"' in page.text
            got = client.get(download)
            assert got.status_code == 200 and got.content == content, name
        blocked = f"/cases/{reference}/attachments/{attached['eicar.txt'][0]}"
        assert f'href="{blocked}"' not in page.text and client.get(blocked).status_code == 404
        share = client.get(f"/cases/{reference}/send-documents")
        offered = {re.search(r'value="(\d+)"', tag).group(1)  # type: ignore[union-attr]
                   for tag in re.findall(r'<input[^>]*name="attachment_ids"[^>]*>', share.text)}
        assert offered == {str(attached[n][0]) for n in ("passport.txt", "letter.txt", "minutes.txt")}, offered
        publication_page = client.get(base).text
        assert "waiting for the virus check" not in publication_page  # it said so until the page was fixed
        assert "timetables.txt – checked for viruses; its text is read" in publication_page
        assert submit(client, base, base + "/publish").status_code == 303
        with runtime.factory() as session:
            assert session.scalars(select(Publication.status)).one() == "published"
