"""The fault test: DATA_DIR full. An upload is refused on its form with a clear error (a 503, the service's
fault, not the file's), no partial file is left behind, and nothing of it reaches the database. A file the
worker writes (a report export) is not written either: the export waits for disk space, saying so, and is
written once there is room, never given up on for the wait.

The search index (a derived file the worker writes) and a copy of a stored file (a share's or a disclosure
log's own copy, where the filesystem cannot hard-link) keep the same reserve.

Two ways to a full disk: (a) the free space is below DISK_RESERVE_MB, which the file store checks before and
while writing (set here above the real free space, so it runs everywhere); (b) the filesystem really is full
and a write fails with ENOSPC: a 1 MB tmpfs mounted in an unprivileged user namespace (``unshare -Urm``),
which some CI runners forbid; that test is then skipped, saying so.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from backoffice.cases import tasks, workflow
from backoffice.cases.models import CaseAttachment
from backoffice.disclosures import publishing
from backoffice.disclosures.changes import INDEX_JOB
from backoffice.disclosures.indexing import LOG_SCHEMA
from backoffice.disclosures.jobs import catch_up_this_host
from backoffice.disclosures.jobs import job_kinds as index_job_kinds
from backoffice.disclosures.models import PublicationDocument
from backoffice.intake.new_cases import NewCase, create_case
from backoffice.intake.new_cases import Requester as CaseRequester
from backoffice.reporting import exporting
from backoffice.reporting.jobs import job_kinds
from backoffice.reporting.models import WAITING, WRITTEN, ReportExport
from backoffice.reporting.periods import parse_period
from backoffice.reporting.registry import get_report
from backoffice.staff.accounts import StaffUser
from backoffice.staff.api_clients import create_api_client
from shared.db import transaction, utcnow
from shared.files import StoredFile, file_path
from shared.files.copies import clean_copy
from shared.files.models import CLEAN
from shared.files.service import NO_SPACE_MESSAGE, FilesUnavailable, store_written
from shared.jobs import DONE, FAILED, PENDING, Job, Worker
from shared.runtime import Runtime
from shared.search.indexes import forget_engines
from shared.settings import Settings
from tests.backoffice.casework.helpers import error_summary, form_fields
from tests.capture.conftest import Requester
from tests.disclosurelog.conftest import Log
from tests.factories import SYSTEM, Office, seed_body, seed_office, signed_in
from tests.pages import PageChecker
from tests.smtp_fixture import SmtpServer

pytestmark = pytest.mark.faults

SAR_ANSWERS = [
    ("name", {"name": "Alex Morgan"}),
    ("previous_names", {"previous_names": ""}),
    ("date_of_birth", {"date_of_birth-day": "27", "date_of_birth-month": "3", "date_of_birth-year": "1985"}),
    ("address", {"address": "1 High Street\nTestshire\nTS1 1AA"}),
    ("email", {"email": "alex@example.com"}),
    ("phone", {"phone": ""}),
    ("information", {"information": "My council tax records.", "period": "2020 to now"}),
]


@pytest.fixture
def settings(settings: Settings, smtp: SmtpServer) -> Settings:
    """A reserve 1 GB above what the disk has free: to the file store, DATA_DIR is full."""
    free = shutil.disk_usage(settings.data_dir).free
    return dataclasses.replace(smtp.configure(settings), disk_reserve_bytes=free + 1024**3)


def _stored(runtime: Runtime) -> tuple[int, int]:
    with runtime.factory() as session:
        return (session.scalar(select(func.count()).select_from(StoredFile)) or 0,
                session.scalar(select(func.count()).select_from(Job)) or 0)


def _files_on_disk(files_dir: Path) -> list[str]:
    return sorted(str(p.relative_to(files_dir)) for p in files_dir.rglob("*") if p.is_file()) \
        if files_dir.exists() else []


def test_an_upload_below_the_reserve_is_refused_on_its_form_and_nothing_is_kept(
        app_client: Callable[..., TestClient], runtime: Runtime, smtp: SmtpServer, check_page: PageChecker) -> None:
    with transaction(runtime.factory) as session:
        seed_body(session)
    person = Requester(app_client("capture"), runtime, smtp, check_page)
    person.fill("sar", SAR_ANSWERS)
    before = _stored(runtime)
    page = person.answer("sar", "identity", {}, files={"identity": ("passport.txt", io.BytesIO(b"passport scan"),
                                                                    "text/plain")})
    check_page(page, status=503)
    assert "There is a problem" in page.text and NO_SPACE_MESSAGE in page.text, page.text[:3000]
    assert 'href="#identity"' in page.text  # the error summary links to the file input, as GOV.UK's does
    assert _stored(runtime) == before  # no stored file, no scan job
    assert _files_on_disk(runtime.settings.files_dir) == []  # nor any bytes, not even a temporary file
    check = person.get("/request/sar/check", follow_redirects=False)
    assert check.status_code == 303 and check.headers["location"].endswith("/request/sar/identity")


def test_an_api_attachment_below_the_reserve_is_a_503_problem_with_retry_after(
        app_client: Callable[..., TestClient], runtime: Runtime) -> None:
    with runtime.factory() as session, session.begin():
        seed_body(session)
        _client, token = create_api_client(session, SYSTEM, "Records system", ("cases:read", "cases:write"))
        reference = create_case(session, SYSTEM, NewCase(
            case_type="foi", subject="Bus timetables", description="Please send them.",
            requester=CaseRequester(name="Sam Jones", email="sam@example.com"), received_on=dt.date(2025, 12, 22),
            channel="email")).reference
    before = _stored(runtime)
    response = app_client("backoffice").post(
        f"/api/v1/cases/{reference}/attachments", headers={"Authorization": f"Bearer {token}"},
        files={"file": ("Response.txt", io.BytesIO(b"Our response.\n"), "text/plain")})
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["retry-after"].isdigit()
    assert [(e["field"], e["detail"]) for e in response.json()["errors"]] == [("file", NO_SPACE_MESSAGE)], \
        response.json()
    assert _stored(runtime) == before
    with runtime.factory() as session:
        assert session.scalar(select(func.count()).select_from(CaseAttachment)) == 0
    assert _files_on_disk(runtime.settings.files_dir) == []


def _closed_case_to_publish(runtime: Runtime) -> tuple[Office, str]:
    """A closed FOI case with its disclosure log entry started (no documents yet), committed."""
    with transaction(runtime.factory) as session:
        office = seed_office(session, runtime.factory)
        case = create_case(session, SYSTEM, NewCase(case_type="foi", subject="Bus timetables", channel="email",
                                                     description="Send the 2025 bus timetables.",
                                                     requester=CaseRequester(name="Sam Jones",
                                                                             email="sam@example.com")))
        user = session.get(StaffUser, office.ids["manager"])
        assert user is not None
        actor = office.actor(user)
        for task in tasks.tasks_of(session, case):
            tasks.finish_task(session, actor, user, case, task.id, tasks.DONE)
        workflow.close(session, actor, user, case, outcome="granted_in_part", exemptions=("s40",))
        publishing.save_entry(session, runtime.settings, actor, user, case, title="Bus timetables 2025",
                              summary="We sent the timetables.", request_text="Please send the 2025 bus timetables.",
                              category_id=None)
        return office, case.reference


def test_a_disclosure_log_document_below_the_reserve_is_refused_on_its_form_and_nothing_is_kept(
        app_client: Callable[..., TestClient], runtime: Runtime, check_page: PageChecker) -> None:
    office, reference = _closed_case_to_publish(runtime)
    client = signed_in(app_client("backoffice"), runtime.factory, runtime.settings.secret_key,
                       office.ids["caseworker"])
    base = f"/cases/{reference}/publication"
    fields = form_fields(client.get(base).text, base + "/documents")
    before = _stored(runtime)
    page = client.post(base + "/documents", data=fields, follow_redirects=False,
                       files={"file": ("Redacted timetables.txt", b"Route 1 timetable.\n", "text/plain")})
    check_page(page, status=503)
    assert error_summary(page.text) == [("#file", NO_SPACE_MESSAGE)], page.text[:3000]
    assert _stored(runtime) == before  # no stored file, no scan job
    with runtime.factory() as session:
        assert session.scalar(select(func.count()).select_from(PublicationDocument)) == 0
    assert _files_on_disk(runtime.settings.files_dir) == []


def _make_due(runtime: Runtime) -> None:
    """As if the backoff had passed: the waiting jobs are due now."""
    with transaction(runtime.factory) as session:
        for job in session.scalars(select(Job).where(Job.status == PENDING)):
            job.run_at = utcnow()


def test_an_export_below_the_reserve_waits_for_disk_space_and_is_written_once_there_is_room(
        app_client: Callable[..., TestClient], runtime: Runtime, check_page: PageChecker) -> None:
    today = dt.date.today()
    period = parse_period(f"{today.year}", today)
    with transaction(runtime.factory) as session:
        office = dataclasses.replace(seed_office(session, runtime.factory), session=session)
        office.new_case("foi")
        manager = office.manager
        # A small case list is written at once, while the manager waits; with no room it goes to the worker.
        listed = exporting.request_case_list(session, runtime.settings, office.actor(manager), manager, period,
                                             "csv", today).id
        counted = exporting.request_report(session, office.actor(manager), manager, get_report("timeliness"),
                                           period, "csv").id
        manager_id = manager.id
    worker = Worker(settings=runtime.settings, factory=runtime.factory, kinds=job_kinds())
    for _ in range(5):  # more than its max_attempts (3): waiting is not failing
        _make_due(runtime)
        assert worker.run_until_idle() == 2
    with runtime.factory() as session:
        assert {e.id: e.status for e in session.scalars(select(ReportExport))} == {listed: WAITING, counted: WAITING}
        waiting = list(session.scalars(select(Job).where(Job.kind == exporting.EXPORT_JOB)))
        assert [(j.status, j.attempts) for j in waiting] == [(PENDING, 5)] * 2
        assert all(j.run_at > utcnow() and (j.last_error or "").startswith("waiting: ") for j in waiting)
        assert session.scalar(select(func.count()).select_from(StoredFile)) == 0
    assert _files_on_disk(runtime.settings.files_dir) == []  # no partial export, no progress note
    client = signed_in(app_client("backoffice"), runtime.factory, runtime.settings.secret_key, manager_id)
    listing = client.get("/reports/exports")
    check_page(listing, title="Your exports")
    assert listing.text.count("Waiting for disk space: it will be written when there is room") == 2

    roomy = dataclasses.replace(runtime.settings, disk_reserve_bytes=0)  # the operator made room
    _make_due(runtime)
    assert Worker(settings=roomy, factory=runtime.factory, kinds=job_kinds()).run_until_idle() == 2
    with runtime.factory() as session:
        exports = list(session.scalars(select(ReportExport)))
        assert [e.status for e in exports] == [WRITTEN, WRITTEN]
        assert all(file_path(roomy.files_dir, e.file_id or "").exists() for e in exports)
        assert session.scalar(select(func.count()).select_from(Job).where(Job.status == FAILED)) == 0
    assert "Waiting for disk space" not in client.get("/reports/exports").text


def test_a_file_the_service_writes_is_stopped_as_it_grows_past_the_reserve_and_removed(runtime: Runtime) -> None:
    free = shutil.disk_usage(runtime.settings.data_dir).free
    tight = dataclasses.replace(runtime.settings, disk_reserve_bytes=free - 4 * 1024 * 1024)  # 4 MB of room
    chunks: list[int] = []

    def write(out: BinaryIO) -> None:
        for _ in range(16 * 1024):  # 1 GB in 64 KB chunks, were nothing to stop it
            out.write(b"x" * 65536)
            chunks.append(1)

    with runtime.factory() as session:
        with pytest.raises(FilesUnavailable) as refused:
            store_written(session, tight, SYSTEM, filename="cases.csv", content_type="text/csv", write=write)
        assert refused.value.errors == {"file": NO_SPACE_MESSAGE}
        assert not session.new  # nothing added to the caller's transaction
    assert 0 < len(chunks) < 16 * 1024  # refused while writing, not before it and not at the end
    assert _files_on_disk(runtime.settings.files_dir) == []
    assert _stored(runtime) == (0, 0)


def test_the_search_index_below_the_reserve_is_not_written_its_job_waits_and_search_serves_what_it_had(
        app_client: Callable[..., TestClient], runtime: Runtime) -> None:
    roomy = dataclasses.replace(runtime.settings, disk_reserve_bytes=0)
    with transaction(runtime.factory) as session:
        office = seed_office(session, runtime.factory)
    log = Log(office, roomy, runtime.factory)  # publishing itself writes no file: only the index is refused
    reader = app_client("disclosurelog")

    def search() -> str:
        page = reader.get("/search", params={"q": "pothole"})
        assert page.status_code == 200, (page.status_code, page.text[:300])
        return page.text

    try:
        first = log.publish("Pothole repairs on the ring road")
        assert Worker(settings=roomy, factory=runtime.factory, kinds=index_job_kinds()).run_until_idle() == 1
        home = runtime.settings.search_dir / LOG_SCHEMA.name
        before = _files_on_disk(home)
        assert first in search() and ">1 result for" in search()

        second = log.publish("Pothole claims paid in 2025")
        worker = Worker(settings=runtime.settings, factory=runtime.factory, kinds=index_job_kinds())
        for _ in range(7):  # more than the index job's max_attempts (5): waiting for room is not failing
            _make_due(runtime)
            assert worker.run_until_idle() == 1
            catch_up_this_host(runtime)  # the worker's own catch-up: it says so and raises nothing
        with runtime.factory() as session:
            waiting = session.scalars(select(Job).where(Job.kind == INDEX_JOB, Job.status != DONE)).one()
            assert (waiting.status, waiting.attempts) == (PENDING, 7)
            assert (waiting.last_error or "").startswith("waiting: no room to write the search index"), \
                waiting.last_error
            assert session.scalar(select(func.count()).select_from(Job).where(Job.status == FAILED)) == 0
        assert _files_on_disk(home) == before  # not a byte more: no segment, no lock, no leftover
        page = search()  # search answers from the index as it was
        assert first in page and second not in page and ">1 result for" in page
        for path in ("/", f"/responses/{second}"):
            assert reader.get(path).status_code == 200, path  # nothing else fails

        _make_due(runtime)  # the operator made room: the job's next turn catches up
        assert Worker(settings=roomy, factory=runtime.factory, kinds=index_job_kinds()).run_until_idle() == 1
        page = search()
        assert first in page and second in page and ">2 results for" in page
    finally:
        forget_engines()


def _linked_to_the_limit(path: Path, side: Path) -> int:
    """Hard links to ``path`` until the filesystem refuses one more (EMLINK, 65,000 on ext4): then linking
    it fails as it does on a filesystem that cannot link at all, and a copy must be written instead."""
    side.mkdir()
    for n in range(200_000):
        try:
            os.link(path, side / str(n))
        except OSError as exc:
            if exc.errno == errno.EMLINK:
                return n
            raise
    pytest.skip("this filesystem links a file 200,000 times and more, so a copy is never needed; the reserve "
                "tests of uploads and written files run")


def test_a_copy_that_cannot_be_a_hard_link_keeps_the_reserve_and_leaves_nothing_behind(runtime: Runtime) -> None:
    files_dir = runtime.settings.files_dir
    roomy = dataclasses.replace(runtime.settings, disk_reserve_bytes=0)

    def write(out: BinaryIO) -> None:
        out.write(b"Our response.\n" * 300_000)  # about 4 MB

    with transaction(runtime.factory) as session:
        source = store_written(session, roomy, SYSTEM, filename="Response.txt", content_type="text/plain",
                               write=write)
        source.status = CLEAN
        source_id = source.id
    original = file_path(files_dir, source_id)
    assert _linked_to_the_limit(original, runtime.settings.data_dir / "links") > 0
    before = _files_on_disk(files_dir)
    free = shutil.disk_usage(runtime.settings.data_dir).free
    tight = dataclasses.replace(runtime.settings, disk_reserve_bytes=free - 256 * 1024)  # room for 256 KB of it
    for settings in (runtime.settings, tight):  # below the reserve before copying, and as the copy grows
        with runtime.factory() as session:
            stored = session.get(StoredFile, source_id)
            assert stored is not None
            with pytest.raises(FilesUnavailable) as refused:
                clean_copy(session, settings, SYSTEM, stored, field="attachment_ids")
            assert refused.value.errors == {"attachment_ids": NO_SPACE_MESSAGE}
            assert not session.new  # no row, no audit entry
        assert _files_on_disk(files_dir) == before  # not even a partial copy under .incoming
    assert _stored(runtime)[0] == 1

    with transaction(runtime.factory) as session:  # with room the copy is made, a file of its own
        stored = session.get(StoredFile, source_id)
        assert stored is not None
        copy_id = clean_copy(session, roomy, SYSTEM, stored).id
    copied = file_path(files_dir, copy_id)
    assert copied.read_bytes() == original.read_bytes()
    assert copied.stat().st_ino != original.stat().st_ino and copied.stat().st_nlink == 1
    assert copied.stat().st_mode & 0o777 == 0o600
    assert _files_on_disk(files_dir) == sorted([*before, str(copied.relative_to(files_dir))])


_CHILD = textwrap.dedent("""
    import io, json, os, subprocess, sys
    from pathlib import Path
    files_dir = Path(sys.argv[1])
    files_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(files_dir)], check=True)
    from shared.apps import discover, import_models
    import_models(discover())
    from shared import audit
    from shared.files import FilesUnavailable, store_upload
    from shared.runtime import Runtime
    from shared.settings import load_settings

    class FillsTheDisk(io.RawIOBase):
        '''An upload while something else fills the disk after the reserve was checked.'''
        def __init__(self):
            self.left = 4 * 1024 * 1024
        def readable(self):
            return True
        def readinto(self, buffer):
            if self.left == 4 * 1024 * 1024:
                with open(files_dir / "filler", "wb") as filler:
                    try:
                        filler.write(b"x" * 2 * 1024 * 1024)
                    except OSError:
                        pass
            n = min(len(buffer), self.left)
            buffer[:n] = b"a" * n
            self.left -= n
            return n

    runtime = Runtime.from_settings(load_settings(os.environ))
    outcome = {}
    with runtime.factory() as session:
        try:
            store_upload(session, runtime.settings, audit.Actor("system", "test"), filename="notes.txt",
                         stream=io.BufferedReader(FillsTheDisk()), max_bytes=8 * 1024 * 1024)
            session.commit()
            outcome["refused"] = None
        except FilesUnavailable as exc:
            session.rollback()
            outcome["refused"] = exc.errors
            outcome["cause"] = repr(exc.__context__.__cause__)
    outcome["left"] = sorted(str(p.relative_to(files_dir)) for p in files_dir.rglob("*")
                             if p.is_file() and p.name != "filler")
    print(json.dumps(outcome))
""")


def test_a_write_that_meets_a_really_full_disk_is_refused_and_its_partial_file_removed(runtime: Runtime) -> None:
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-Urm", "true"], capture_output=True, check=False).returncode:
        pytest.skip("no unprivileged user namespaces here (unshare -Urm), so no tmpfs to fill; the reserve test runs")
    settings = runtime.settings
    env = {**os.environ, "DATABASE_URL": settings.database_url, "DATA_DIR": str(settings.data_dir),
           "SECRET_KEY": settings.secret_key, "DISK_RESERVE_MB": "0", "APP_ENV": "development",
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run([unshare, "-Urm", sys.executable, "-c", _CHILD, str(settings.files_dir)], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["refused"] == {"file": NO_SPACE_MESSAGE}, outcome
    assert "No space left on device" in outcome["cause"], outcome  # a genuine ENOSPC, not the reserve
    assert outcome["left"] == [], outcome  # the partial upload was removed
    assert _stored(runtime) == (0, 0)


_INDEX_CHILD = textwrap.dedent("""
    import base64, json, os, subprocess, sys
    from pathlib import Path
    directory = Path(sys.argv[1])
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(directory)], check=True)
    from shared.search import Field, FieldKind, IndexDocument, IndexFull, SearchQuery, SearchSchema
    from shared.search.whoosh_engine import WhooshEngine

    schema = SearchSchema("bulky", (Field("title", FieldKind.TEXT, stored=True), Field("scan", FieldKind.STORED)))
    # A reserve below nothing: the estimate lets the batch through, so the disk itself refuses it (ENOSPC).
    engine = WhooshEngine(directory / "index", schema, reserve=-(1024 ** 3))
    with engine.writer() as writer:
        writer.upsert(IndexDocument("1", {"title": "housing repairs", "scan": "x"}))
    files = lambda: sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file())
    before = files()
    outcome = {}
    try:
        with engine.writer() as writer:
            for n in range(4):  # 4 MB that does not compress, on a 1 MB filesystem
                writer.upsert(IndexDocument(str(n + 2), {"title": "parking fines",
                                                         "scan": base64.b64encode(os.urandom(768 * 1024)).decode()}))
        outcome["refused"] = None
    except IndexFull as exc:
        outcome["refused"] = str(exc)
    outcome["unchanged"] = files() == before
    outcome["left"] = sorted(set(files()) - set(before))
    disk = os.statvfs(directory)
    outcome["free"] = disk.f_bfree / disk.f_blocks  # no file removed but still open holds the space
    outcome["found"] = engine.search(SearchQuery(text="housing")).total
    with engine.writer() as writer:  # a small batch still goes in: the lock was let go
        writer.upsert(IndexDocument("9", {"title": "parking fines", "scan": "y"}))
    outcome["after"] = engine.search(SearchQuery(text="parking")).total
    print(json.dumps(outcome))
""")


def test_an_index_batch_that_meets_a_really_full_disk_is_cancelled_and_leaves_nothing(tmp_path: Path) -> None:
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-Urm", "true"], capture_output=True, check=False).returncode:
        pytest.skip("no unprivileged user namespaces here (unshare -Urm), so no tmpfs to fill; the reserve tests run")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run([unshare, "-Urm", sys.executable, "-c", _INDEX_CHILD, str(tmp_path / "search")], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["refused"] and "the disk is full" in outcome["refused"], outcome  # ENOSPC, as IndexFull
    assert outcome["unchanged"] and outcome["left"] == [] and outcome["free"] > 0.9, outcome
    assert (outcome["found"], outcome["after"]) == (1, 1), outcome
