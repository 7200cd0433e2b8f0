"""The fault test: the disclosure log's search index is broken under a running worker, a P1 opens by
itself, and when the index is back the probe notes the recovery (for a person to confirm).

The worker is the real loop (``shared.worker.run_forever``) with the probe scheduled every second instead
of every minute, so three bad rounds take seconds, not three minutes.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import select

from backoffice.disclosures.indexing import LOG_SCHEMA
from backoffice.incidents import jobs as incident_jobs
from backoffice.incidents.models import Incident, ProbeResult
from shared import worker as worker_loop
from shared.apps import Schedule
from shared.db import transaction
from shared.runtime import Runtime
from shared.search.indexes import CURRENT, forget_engines
from shared.serve import create_suite
from tests.conftest import SPECS, spec
from tests.factories import seed_body
from tests.shared.live import serving

pytestmark = pytest.mark.faults

PROBE_EVERY_SECONDS = 1
WAIT_SECONDS = 40.0
T = TypeVar("T")


def _until(what: str, found: Callable[[], T | None]) -> T:
    deadline = time.monotonic() + WAIT_SECONDS
    while (value := found()) is None:
        assert time.monotonic() < deadline, f"not within {WAIT_SECONDS:g} s: {what}"
        time.sleep(0.2)
    return value


def _point(link: Path, target: str) -> None:
    temp = link.with_name(".fault-test-link")
    temp.unlink(missing_ok=True)
    os.symlink(target, temp)
    os.replace(temp, link)


def test_a_broken_search_index_opens_a_p1_and_its_recovery_is_noted(runtime: Runtime) -> None:
    with transaction(runtime.factory) as session:
        seed_body(session)
    probing = dataclasses.replace(spec("backoffice"), host_tasks=(),
                                  schedules=(Schedule(kind=incident_jobs.PROBE_JOB,
                                                      every_seconds=PROBE_EVERY_SECONDS),))
    stop = threading.Event()
    with serving(create_suite(runtime, SPECS, with_worker=False)) as port:
        probe_runtime = Runtime.from_settings(dataclasses.replace(runtime.settings,
                                                                  base_url=f"http://127.0.0.1:{port}"))
        loop = threading.Thread(target=worker_loop.run_forever, args=(probe_runtime, [probing], stop, 0.1),
                                daemon=True)
        loop.start()
        try:
            def results(outcome: str, after: int = 0) -> list[ProbeResult] | None:
                with runtime.factory() as session:
                    rows = session.scalars(select(ProbeResult).where(
                        ProbeResult.service == "disclosure_log", ProbeResult.outcome == outcome,
                        ProbeResult.id > after)).all()
                return list(rows) or None

            def incident() -> Incident | None:
                with runtime.factory() as session:
                    return session.scalar(select(Incident).where(Incident.probe == "disclosure_log"))

            healthy = _until("a passing round", lambda: results("pass"))
            link = runtime.settings.search_dir / LOG_SCHEMA.name / CURRENT
            generation = os.readlink(link)
            broken = link.with_name("gen-broken")
            broken.write_text("not an index")  # a file where the generation's directory should be
            _point(link, broken.name)
            started = time.monotonic()
            raised = _until("a P1 for the disclosure log", incident)
            took = time.monotonic() - started
            print(f"P1 opened {took:.1f} s after the index broke")
            assert raised.priority == "P1" and raised.resolved_at is None
            assert took < 3 * PROBE_EVERY_SECONDS + 15
            failed = results("fail", healthy[-1].id) or []
            assert len(failed) >= 3 and all("search: FAILED" in row.detail for row in failed), \
                [row.detail for row in failed]

            _point(link, generation)
            def noted() -> Incident | None:
                found = incident()
                return found if found is not None and found.probe_recovered_at is not None else None

            recovered = _until("the recovery noted", noted)
            assert recovered.resolved_at is None and recovered.status == "investigating"
            with runtime.factory() as session:
                assert len(session.scalars(select(Incident)).all()) == 1  # however many rounds failed
        finally:
            stop.set()
            loop.join(timeout=60)
            probe_runtime.engine.dispose()
            forget_engines()
    assert not loop.is_alive()
