"""Benchmark: the public sites under load at once, against a real ``civic serve --workers 2``.

Builds a database from the migrations alone (SQLite, or with ``--database postgres`` a throwaway PostgreSQL
database), seeds the body, publishes N responses to the Disclosure Log (closed FOI and EIR cases with varied
titles, outcomes and exemptions), and sends a requester a document through Secure Share (marked clean, as
the scan would). It then starts ``civic serve --workers 2``, signs the requester in from the outbox link and
runs two equal rounds, each of:

- D concurrent downloads of the shared document (httpx streaming; each body's SHA-256 against the stored one);
- S concurrent Disclosure Log searches at the same time (one- and two-word queries, with and without facets);
- a few requesters walking Capture's first form page (GET, then POST the answer) and a /healthz probe
  throughout: the baseline measured in the same run.

Reports p50/p95 per kind, 5xx and connection errors (target zero), the uvicorn workers' RSS after each round
(target: the second round adds less than ``--rss-bound-mb`` to the first, i.e. no growth per request),
and Capture's form page p95 against /healthz's p95 in the same run (target < 100 ms and < 2x).

Only the wrong-email tries of Secure Share's sign-in are rate limited (one sign-in here), and the log's
search and documents are not limited at all; Capture's limits are raised the way a deployment does,
``civic capture-limits --scale``, so the form pages' requests are not refused for sharing 127.0.0.1.

    PYTHONPATH=. .venv/bin/python bench/public_load.py
    PYTHONPATH=. .venv/bin/python bench/public_load.py --database postgres --document-mb 16
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import hashlib
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy as sa

from bench.harness import CSRF, FIREFOX, REPO, civic, free_port, percentile, scratch_database, share_sign_in

LINK = re.compile(r"/secure-share/s/([A-Za-z0-9_-]{43})")
EMAIL = "sam.load@example.com"
MB = 1024 * 1024
WORDS = ("housing", "repairs", "parking", "fines", "potholes", "roads", "library", "bin", "recycling", "planning",
         "licensing", "school", "buses", "cycling", "lighting", "trees", "parks", "contracts", "consultants",
         "salaries", "budget", "grants", "flooding", "noise", "cctv", "elections", "climate", "energy")
EXEMPTIONS = ("s21", "s31", "s40", "s43")
FACETS = ("type=foi", "type=eir", "outcome=granted_in_full", "outcome=refused", "exemption=s40", "exemption=s43",
          "sort=newest", "page=2")
HEALTH = ("/capture/healthz", "/secure-share/healthz", "/disclosure-log/healthz")


def database(kind: str, data: Path, admin_url: str, name: str = "") -> contextlib.AbstractContextManager[str]:
    """A fresh database for one run: an SQLite file, or a throwaway PostgreSQL database (dropped after)."""
    return scratch_database(kind, data, admin_url, name or f"public_load_{os.getpid()}")


def make_document(path: Path, size: int) -> None:
    """A file the type check takes for a PDF (its magic number), of random bytes."""
    with path.open("wb") as out:
        out.write(b"%PDF-1.7\n" + os.urandom(size - 9))


def seed(env: dict[str, str], document: Path, responses: int) -> tuple[str, str]:
    """The body, a caseworker and a manager, ``responses`` published log entries and one share of ``document``:
    the share link's token and the stored copy's path, as the core makes them."""
    sys.path.insert(0, str(REPO))
    import datetime as dt

    from backoffice.cases import tasks, workflow
    from backoffice.cases.case_types import seed_built_in_types
    from backoffice.disclosures import publishing
    from backoffice.intake.new_cases import NewCase, Requester, create_case
    from backoffice.organisation.body import get_organisation
    from backoffice.releases.models import ShareFile
    from backoffice.releases.sending import ShareRequest, send_documents
    from backoffice.staff.accounts import Role, create_user
    from backoffice.staff.groups import Group, add_member
    from shared import audit
    from shared.apps import discover, import_models
    from shared.db import transaction
    from shared.files import CLEAN, StoredFile, file_path
    from shared.runtime import Runtime
    from shared.settings import load_settings

    import_models(discover())
    settings = load_settings(env)
    runtime = Runtime.from_settings(settings)
    system = audit.Actor(type="system", label="bench")
    rng = random.Random(17)
    try:
        with transaction(runtime.factory) as session:
            get_organisation(session)
            seed_built_in_types(session, system)
            users = [create_user(session, system, email=email, name=name, role=role, password=None)
                     for email, name, role in (("caseworker@example.gov.uk", "Casey Worker", Role.CASEWORKER),
                                               ("manager@example.gov.uk", "Mo Manager", Role.MANAGER))]
            for group in session.scalars(sa.select(Group)):
                for user in users:
                    add_member(session, system, group.id, user.id)
            worker, manager = users
            actor = audit.Actor(type="staff", id=str(manager.id), label=manager.email)
            received = dt.date.today() - dt.timedelta(days=10)
            for i in range(responses):
                words = rng.sample(WORDS, 4)
                case = create_case(session, system, NewCase(
                    case_type=("foi", "foi", "eir")[i % 3], subject=" ".join(words[:2]).capitalize(),
                    channel="email", description=f"Information about {' and '.join(words)}.", received_on=received,
                    requester=Requester(name="Pat Asker", email=f"pat{i}@example.com")))
                for task in tasks.tasks_of(session, case):
                    tasks.finish_task(session, actor, manager, case, task.id, tasks.DONE)
                outcomes = [o["key"] for o in case.case_type.closure_outcomes]
                outcome = outcomes[i % len(outcomes)]
                withheld = case.case_type.key == "foi" and outcome != "granted_in_full" and i % 4
                workflow.close(session, actor, manager, case, outcome=outcome,
                               exemptions=(EXEMPTIONS[i % len(EXEMPTIONS)],) if withheld else ())
                publication = publishing.start_publication(
                    session, actor, manager, case, title=f"{words[0].capitalize()} and {words[1]} {2020 + i % 6}",
                    summary=f"We gave what we hold on {', '.join(words)}.",
                    request_text=f"Please send what you hold on {words[0]} and {words[2]}.", category_id=None)
                publishing.publish(session, settings, actor, manager, publication, publication.version)
            case = create_case(session, system, NewCase(case_type="sar", subject="My records", channel="email",
                                                        description="All my records.",
                                                        requester=Requester(name="Sam Load", email=EMAIL)))
            staff = audit.Actor(type="staff", id=str(worker.id), label=worker.email)
            with document.open("rb") as stream:
                attachment = workflow.add_attachment(session, staff, worker, case, settings, document.name, stream)
            stored = session.get(StoredFile, attachment.file_id)
            assert stored is not None
            stored.status = CLEAN
            session.flush()
            sent = send_documents(session, settings, staff, worker, case,
                                  ShareRequest(attachment_ids=[attachment.id], days=30))
            copy = session.scalar(sa.select(ShareFile.file_id).where(ShareFile.share_id == sent.share.id))
            assert copy is not None
            return sent.token, str(file_path(settings.files_dir, copy))
    finally:
        runtime.engine.dispose()


def sha256_of(path: str) -> str:
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def children(pid: int) -> list[int]:
    """The serve process's uvicorn worker processes (each with its own worker thread): its children that
    multiprocessing spawned, not a helper a moment's work starts (a file's type or text check)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    workers = []
    for child in found:
        with contextlib.suppress(OSError):
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                workers.append(child)
    return sorted(workers)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Results:
    """One round's samples (ms) per kind and what went wrong."""

    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    downloads_complete: int = 0

    def timed(self, kind: str, started: float) -> None:
        self.samples[kind].append((time.perf_counter() - started) * 1000)


@dataclass(frozen=True)
class Site:
    """The running server and what the rounds need of it."""

    base: str
    cookie: str
    download: str
    sha256: str
    size: int
    server_pid: int
    log: Path

    def restarts(self) -> list[str]:
        """The supervisor's lines about a process it found dead (or killed as hung) and replaced."""
        return [line for line in self.log.read_text(errors="replace").splitlines() if "died" in line]


async def _download(client: httpx.AsyncClient, site: Site, r: Results) -> None:
    started = time.perf_counter()
    digest, size = hashlib.sha256(), 0
    try:
        async with client.stream("GET", site.download) as response:
            async for piece in response.aiter_bytes():
                digest.update(piece)
                size += len(piece)
    except httpx.HTTPError as exc:
        r.errors.append(f"download: {type(exc).__name__}: {exc}")
        return
    r.timed("download", started)
    if response.status_code != 200:
        r.errors.append(f"download: HTTP {response.status_code}")
    elif size != site.size or digest.hexdigest() != site.sha256:
        r.errors.append(f"download: {size} bytes, sha256 {digest.hexdigest()[:12]} (not the stored file)")
    else:
        r.downloads_complete += 1


def search_url(rng: random.Random) -> str:
    words = " ".join(rng.sample(WORDS, rng.choice((1, 1, 2))))
    params = [f"q={words.replace(' ', '+')}", *rng.sample(FACETS, rng.choice((0, 0, 1, 2)))]
    return "/disclosure-log/search?" + "&".join(params)


async def _get(client: httpx.AsyncClient, kind: str, url: str, r: Results) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = await client.get(url)
    except httpx.HTTPError as exc:
        r.errors.append(f"{kind}: {type(exc).__name__}: {exc}")
        return None
    r.timed(kind, started)
    if response.status_code != 200:
        r.errors.append(f"{kind}: HTTP {response.status_code}")
    return response


async def _capture(base: str, until: asyncio.Event, r: Results) -> None:
    """A requester on Capture's first question page: GET it, POST the name (303 to the next page), again."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        while not until.is_set():
            page = await _get(client, "capture form GET", "/capture/request/foi/name", r)
            csrf = CSRF.search(page.text) if page is not None else None
            if csrf is None:
                r.errors.append("capture form: no csrf token")
                await asyncio.sleep(0.2)
                continue
            started = time.perf_counter()
            try:
                sent = await client.post("/capture/request/foi/name",
                                         data={"csrf_token": csrf.group(1), "name": "Sam Load"})
            except httpx.HTTPError as exc:
                r.errors.append(f"capture form POST: {type(exc).__name__}: {exc}")
                continue
            r.timed("capture form POST", started)
            if sent.status_code != 303:
                r.errors.append(f"capture form POST: HTTP {sent.status_code}")
            await asyncio.sleep(0.1)


async def _health(base: str, until: asyncio.Event, r: Results) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        while not until.is_set():
            await _get(client, "healthz", "/capture/healthz", r)
            await asyncio.sleep(0.05)


async def _load(site: Site, downloads: int, searches: int, seed: int, r: Results) -> None:
    rng = random.Random(seed)
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    cookies = {"civic_share_session": site.cookie}
    async with httpx.AsyncClient(base_url=site.base, timeout=120, limits=limits, cookies=cookies,
                                 headers={"User-Agent": FIREFOX}) as share, \
            httpx.AsyncClient(base_url=site.base, timeout=120, limits=limits) as log:
        started = time.perf_counter()
        await asyncio.gather(*(_download(share, site, r) for _ in range(downloads)),
                             *(_get(log, "search", search_url(rng), r) for _ in range(searches)))
        r.timed("round", started)


async def _watchers(base: str, requesters: int, until: threading.Event, r: Results) -> None:
    stop = asyncio.Event()

    async def watch() -> None:
        while not until.is_set():
            await asyncio.sleep(0.05)
        stop.set()

    await asyncio.gather(watch(), _health(base, stop, r), *(_capture(base, stop, r) for _ in range(requesters)))


def one_round(site: Site, downloads: int, searches: int, requesters: int, seed: int = 0) -> Results:
    """``downloads`` and ``searches`` all at once, Capture's requesters and the /healthz probe until they end.

    The requesters and the probe have an event loop (a thread) of their own: on the downloads' loop, busy
    hashing 200 bodies, they would wait seconds to send each request, which is the client's delay, not the
    server's, and would let a kept-alive connection time out under them."""
    r = Results()
    until = threading.Event()
    watchers = threading.Thread(target=lambda: asyncio.run(_watchers(site.base, requesters, until, r)), daemon=True)
    watchers.start()
    try:
        asyncio.run(_load(site, downloads, searches, seed, r))
    finally:
        until.set()
        watchers.join(timeout=120)
    return r


def _wait_until_up(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120  # a shared, busy machine starts two processes slowly
    for path in HEALTH:
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"civic serve ended ({server.returncode}): {log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + path, timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{path} did not answer: {log.read_text()[-2000:]}")
            time.sleep(0.1)


def _wait_until_searchable(base: str, responses: int) -> None:
    """The worker's catch-up indexes the published responses a moment after it starts, in each process."""
    deadline = time.monotonic() + 60
    wanted = f"{responses} results" if responses > 1 else "1 result"
    while time.monotonic() < deadline:
        # Both processes answer in turn; ask a few times so each has caught up.
        pages = [httpx.get(base + "/disclosure-log/search", timeout=10).text for _ in range(4)]
        if all(wanted in page for page in pages):
            return
        time.sleep(0.3)
    raise RuntimeError(f"the log's search never showed {wanted!r}")


@contextlib.contextmanager
def serving(url: str, data: Path, *, document_mb: int, responses: int, workers: int = 2,
            server_env: dict[str, str] | None = None) -> Iterator[Site]:
    """Migrate, seed and share, then ``civic serve --workers N`` (``server_env`` added to its environment) on a
    free port until the block ends."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTP_", "NOTIFY_", "CLAMD_"))}
    env.update(APP_ENV="development", DATA_DIR=str(data / "var"), DATABASE_URL=url,
               SECRET_KEY="bench-secret-key-that-is-long-enough-0123456789", HOST="127.0.0.1", PORT=str(port),
               BASE_URL=base, PYTHONPATH=str(REPO), MAX_UPLOAD_MB=str(document_mb + 16),
               STAFF_MAX_UPLOAD_MB=str(document_mb + 16))
    civic(env, "db", "upgrade")
    civic(env, "capture-limits", "--scale", "10000")
    source = data / f"response-{document_mb}MB.pdf"
    make_document(source, document_mb * MB)
    token, stored = seed(env, source, responses)
    source.unlink()
    log_path = data / "serve.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "shared.cli", "serve", "--workers", str(workers)],
                                  cwd=REPO, env=env | (server_env or {}), stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(base, server, log_path)
        cookie, file_ids = share_sign_in(base, token, EMAIL)
        _wait_until_searchable(base, responses)
        yield Site(base=base, cookie=cookie, download=f"/secure-share/s/{token}/documents/{file_ids[0]}",
                   sha256=sha256_of(stored), size=os.path.getsize(stored), server_pid=server.pid, log=log_path)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def settled_rss(pids: list[int]) -> dict[int, float]:
    """Each worker's RSS once the round's last responses have been written out (a moment's quiet)."""
    time.sleep(1.0)
    return {pid: rss_mb(pid) for pid in pids}


def report(kind: str, r: Results) -> str:
    values = r.samples.get(kind, [])
    return f"{kind:<20}{len(values):>6}{statistics.median(values) if values else float('nan'):>10.1f}" \
           f"{percentile(values, 95):>10.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--downloads", type=int, default=200)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--requesters", type=int, default=5, help="Capture requesters during each round")
    parser.add_argument("--document-mb", type=int, default=4)
    parser.add_argument("--responses", type=int, default=150, help="published Disclosure Log responses")
    parser.add_argument("--rounds", type=int, default=3, help="equal rounds; the first is the warm-up")
    parser.add_argument("--rss-bound-mb", type=float, default=64.0,
                        help="how much all workers' RSS may grow from the warm-up round to the last")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-admin-url", default=f"postgresql://{getpass.getuser()}@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="public-load-") as tmp, \
            database(args.database, Path(tmp), args.postgres_admin_url) as url, \
            serving(url, Path(tmp), document_mb=args.document_mb, responses=args.responses) as site:
        pids = children(site.server_pid)
        print(f"civic serve --workers 2 ({args.database}, worker pids {pids}), {os.cpu_count()} cores; "
              f"{args.downloads} downloads of {args.document_mb} MB and {args.searches} searches at once over "
              f"{args.responses} responses, {args.requesters} Capture requesters and a /healthz probe throughout\n")
        rss = [{pid: rss_mb(pid) for pid in pids}]
        rounds = []
        for n in range(args.rounds):
            rounds.append(one_round(site, args.downloads, args.searches, args.requesters, seed=n))
            rss.append(settled_rss(pids))
        restarts = site.restarts()
    ok = not restarts
    print(f"{'RSS MB':<20}" + "".join(f"{'after ' + str(i) if i else 'start':>10}" for i in range(len(rss))))
    for pid in pids:
        print(f"{'worker ' + str(pid):<20}" + "".join(f"{m[pid]:>10.1f}" for m in rss))
    growth = sum(rss[-1].values()) - sum(rss[1].values())
    print(f"growth after the warm-up round: {growth:+.1f} MB in all (bound {args.rss_bound_mb:g})\n")
    ok &= growth < args.rss_bound_mb
    for n, r in enumerate(rounds, 1):
        print(f"round {n}{' (warm-up)' if n == 1 else ''}: {r.samples['round'][0] / 1000:.1f} s, "
              f"{r.downloads_complete}/{args.downloads} downloads complete and identical, "
              f"{args.downloads * args.document_mb / (r.samples['round'][0] / 1000):.0f} MB/s in all")
        print(f"{'kind':<20}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}")
        for kind in ("download", "search", "capture form GET", "capture form POST", "healthz"):
            print(report(kind, r))
        form, health = percentile(r.samples["capture form GET"], 95), percentile(r.samples["healthz"], 95)
        print(f"errors: {len(r.errors)}" + (f" e.g. {sorted(set(r.errors))[:5]}" if r.errors else ""))
        print(f"capture form page p95 / healthz p95: {form:.1f} / {health:.1f} ms = {form / health:.2f} "
              f"(target < 100 ms and < 2)\n")
        ok &= not r.errors and r.downloads_complete == args.downloads
    print(f"worker processes replaced by uvicorn's supervisor: {len(restarts)}" + (f" {restarts}" if restarts else ""))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
