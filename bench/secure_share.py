"""Benchmark: Secure Share downloads against a real ``civic serve``.

Builds a database from the migrations alone (``civic db upgrade``), seeds the body and a caseworker,
attaches a 120 MB and a 1 GB document to a SAR case (marked clean, as the scan would) and sends them
through the core's own ``send_documents``; then starts ``civic serve --no-worker`` (one process, so its
RSS is the server's) on a free port, signs in as the requester (reading the link from the outbox) and
measures, with curl as the client:

- each file's download throughput beside reading the same stored file from disk in the same run
  (1 MiB reads; target >= 80 %), its time to first byte, and the server's peak RSS growth while it
  streams (sampled from /proc every 10 ms; target < 16 MB);
- 20 concurrent downloads of the 120 MB file while /healthz is polled: healthz p95 beside its p95 with
  no downloads;
- a download stopped half way and resumed with ``curl -C -``: the joined file's SHA-256 against the
  stored one.

    PYTHONPATH=. .venv/bin/python bench/secure_share.py
    PYTHONPATH=. .venv/bin/python bench/secure_share.py --large-mb 256 --concurrent 10
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import sqlalchemy as sa

from bench.harness import FIREFOX, REPO, civic, free_port, percentile, share_sign_in

LINK = re.compile(r"/secure-share/s/([A-Za-z0-9_-]{43})")
EMAIL = "sam.bench@example.com"
MB = 1024 * 1024
CHUNK = MB


def make_document(path: Path, size: int) -> None:
    """A file the type check takes for a PDF (its magic number), of random bytes (nothing compresses it)."""
    with path.open("wb") as out:
        out.write(b"%PDF-1.7\n")
        left = size - 9
        while left > 0:
            piece = os.urandom(min(CHUNK, left))
            out.write(piece)
            left -= len(piece)


def share_documents(env: dict[str, str], documents: list[Path]) -> tuple[str, list[str]]:
    """Seed, attach, send: the link's token and each stored copy's path, as the core makes them."""
    sys.path.insert(0, str(REPO))
    from backoffice.cases import workflow
    from backoffice.cases.case_types import seed_built_in_types
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
    with transaction(runtime.factory) as session:
        get_organisation(session)
        seed_built_in_types(session, system)
        user = create_user(session, system, email="caseworker@example.gov.uk", name="Casey Worker",
                           role=Role.CASEWORKER, password=None)
        for group in session.scalars(sa.select(Group)):
            add_member(session, system, group.id, user.id)
        case = create_case(session, system, NewCase(case_type="sar", subject="My records", channel="email",
                                                    description="All my records.",
                                                    requester=Requester(name="Sam Bench", email=EMAIL)))
        actor = audit.Actor(type="staff", id=str(user.id), label=user.email)
        ids = []
        for document in documents:
            with document.open("rb") as stream:
                attachment = workflow.add_attachment(session, actor, user, case, settings, document.name, stream)
            stored = session.get(StoredFile, attachment.file_id)
            assert stored is not None
            stored.status = CLEAN
            ids.append(attachment.id)
        session.flush()
        sent = send_documents(session, settings, actor, user, case, ShareRequest(attachment_ids=ids, days=30))
        copies = list(session.scalars(sa.select(ShareFile.file_id).where(ShareFile.share_id == sent.share.id)
                                      .order_by(ShareFile.position)))
        paths = [str(file_path(settings.files_dir, file_id)) for file_id in copies]
    runtime.engine.dispose()
    return sent.token, paths


def read_from_disk(path: str) -> float:
    """MB/s reading the stored file in 1 MiB pieces, as the server's own reads are."""
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    started = time.perf_counter()
    total = 0
    with open(path, "rb", buffering=0) as stream:
        while n := stream.readinto(view):
            total += n
    return total / MB / (time.perf_counter() - started)


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class PeakRss:
    """Samples a process's RSS every 10 ms while the block runs; ``growth_mb`` is peak minus the start."""

    def __init__(self, pid: int) -> None:
        self.pid, self.start, self.peak = pid, rss_kb(pid), 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_kb(self.pid))
            time.sleep(0.01)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth_mb(self) -> float:
        return max(0, self.peak - self.start) / 1024


def curl(url: str, cookie: str, *extra: str, output: str = "/dev/null") -> dict[str, float]:
    result = subprocess.run(
        ["curl", "--silent", "--show-error", "--fail", "-A", FIREFOX, "-H", f"Cookie: civic_share_session={cookie}",
         "-o", output, "-w", "%{speed_download} %{time_starttransfer} %{size_download} %{http_code}", *extra, url],
        capture_output=True, text=True, check=False, timeout=600)
    if result.returncode not in (0, 28):
        raise RuntimeError(f"curl failed ({result.returncode}): {result.stderr}")
    speed, ttfb, size, code = result.stdout.split()
    return {"mb_s": float(speed) / MB, "ttfb_ms": float(ttfb) * 1000, "bytes": float(size), "status": float(code)}


def poll_health(base: str, stop: Callable[[], bool]) -> list[float]:
    samples: list[float] = []
    with httpx.Client(base_url=base, timeout=30) as client:
        while not samples or not stop():  # at least one sample, however short the run
            started = time.perf_counter()
            client.get("/secure-share/healthz")
            samples.append((time.perf_counter() - started) * 1000)
            time.sleep(0.05)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small-mb", type=int, default=120)
    parser.add_argument("--large-mb", type=int, default=1024)
    parser.add_argument("--concurrent", type=int, default=20)
    parser.add_argument("--health-seconds", type=float, default=5.0, help="how long /healthz is polled alone")
    args = parser.parse_args()
    if shutil.which("curl") is None:
        print("needs curl")
        return 2
    with tempfile.TemporaryDirectory(prefix="share-bench-") as tmp:
        data = Path(tmp)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTP_", "NOTIFY_", "CLAMD_"))}
        env.update(APP_ENV="development", DATA_DIR=str(data / "var"), DATABASE_URL=f"sqlite:///{data / 'civic.db'}",
                   SECRET_KEY="bench-secret-key-that-is-long-enough-0123456789", HOST="127.0.0.1", PORT=str(port),
                   BASE_URL=base, PYTHONPATH=str(REPO), MAX_UPLOAD_MB=str(args.large_mb + 16),
                   STAFF_MAX_UPLOAD_MB=str(args.large_mb + 16), SCANNER_MAX_MB=str(min(2047, args.large_mb + 16)))
        civic(env, "db", "upgrade")
        sources = [data / f"response-{args.small_mb}MB.pdf", data / f"response-{args.large_mb}MB.pdf"]
        for source, size in zip(sources, (args.small_mb, args.large_mb), strict=True):
            make_document(source, size * MB)
        token, stored = share_documents(env, sources)
        for source in sources:
            source.unlink()  # only the stored copies stay on disk
        log = (data / "serve.log").open("wb")
        server = subprocess.Popen([sys.executable, "-m", "shared.cli", "serve", "--no-worker"], cwd=REPO, env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/secure-share/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            cookie, file_ids = share_sign_in(base, token, EMAIL)
            urls = [f"{base}/secure-share/s/{token}/documents/{file_id}" for file_id in file_ids]
            curl(urls[0], cookie)  # one warm-up: templates, the first connection, the page cache
            print(f"civic serve --no-worker (one process, SQLite), curl on loopback, {os.cpu_count()} cores\n")
            print(f"{'file':<10}{'disk MB/s':>11}{'download MB/s':>15}{'ratio':>8}{'TTFB ms':>9}{'RSS growth MB':>15}")
            ok = True
            for label, url, path in zip((f"{args.small_mb} MB", f"{args.large_mb} MB"), urls, stored, strict=True):
                disk = read_from_disk(path)
                with PeakRss(server.pid) as rss:
                    got = curl(url, cookie)
                ratio = got["mb_s"] / disk
                ok &= ratio >= 0.8 and rss.growth_mb < 16 and got["bytes"] == os.path.getsize(path)
                print(f"{label:<10}{disk:>11.0f}{got['mb_s']:>15.0f}{ratio:>7.0%} {got['ttfb_ms']:>8.1f}"
                      f"{rss.growth_mb:>15.1f}")

            alone_until = time.monotonic() + args.health_seconds
            alone = poll_health(base, lambda: time.monotonic() > alone_until)
            finished = threading.Event()
            during: list[float] = []
            prober = threading.Thread(target=lambda: during.extend(poll_health(base, finished.is_set)), daemon=True)
            with PeakRss(server.pid) as rss:
                prober.start()
                started = time.perf_counter()
                downloads = [subprocess.Popen(
                    ["curl", "--silent", "--fail", "-A", FIREFOX, "-H", f"Cookie: civic_share_session={cookie}",
                     "-o", "/dev/null", "-w", "%{size_download}", urls[0]], stdout=subprocess.PIPE, text=True)
                    for _ in range(args.concurrent)]
                sizes = [int(p.communicate(timeout=900)[0] or 0) for p in downloads]
                elapsed = time.perf_counter() - started
                finished.set()
                prober.join()
            complete = sum(size == os.path.getsize(stored[0]) for size in sizes)
            print(f"\n{args.concurrent} concurrent downloads of {args.small_mb} MB: {complete}/{args.concurrent} complete "
                  f"in {elapsed:.1f} s ({complete * args.small_mb / elapsed:.0f} MB/s in all), "
                  f"server RSS growth {rss.growth_mb:.1f} MB")
            print(f"/healthz p95 during them: {percentile(during, 95):.1f} ms (n={len(during)}, "
                  f"p50 {statistics.median(during):.1f}); alone: {percentile(alone, 95):.1f} ms "
                  f"(n={len(alone)}, p50 {statistics.median(alone):.1f})")
            ok &= complete == args.concurrent

            target = data / "resumed.pdf"
            half = os.path.getsize(stored[0]) // 2
            curl(urls[0], cookie, "-r", f"0-{half - 1}", output=str(target))
            curl(urls[0], cookie, "-C", "-", output=str(target))
            with open(stored[0], "rb") as original:
                expected = hashlib.file_digest(original, "sha256").hexdigest()
            with target.open("rb") as joined:
                actual = hashlib.file_digest(joined, "sha256").hexdigest()
            print(f"\nresumed download (first half, then curl -C -): sha256 "
                  f"{'identical' if actual == expected else 'DIFFERENT'} ({actual[:16]}…)")
            ok &= actual == expected
        finally:
            server.terminate()
            server.wait(timeout=15)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
