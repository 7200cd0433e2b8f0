"""A worker that SIGKILLs itself in the middle of one job kind: ``python -m tests.faults.killed_worker KIND WHEN``.

It is the real worker (``shared.worker.build_worker`` over the discovered apps, settings from the environment
as ``civic worker`` reads them) with a half-second lease, taking only jobs of ``KIND``, whose handler is
wrapped so that the process kills itself:

* ``before``: the job is leased (the lease and its attempt committed) but its handler has not run;
* ``after``: the handler has done all it does (mail handed to the SMTP server, files written or deleted, its
  rows flushed) but the job's transaction has not committed.

Nothing after the kill runs: no ``finally``, no rollback, no closing of connections, as when the OOM killer
or a power cut ends a worker. Used by tests/faults/test_worker_killed.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import signal
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from shared import jobs
from shared.apps import discover, import_models
from shared.runtime import Runtime
from shared.settings import load_settings
from shared.worker import build_worker

LEASE = dt.timedelta(seconds=0.5)
WHEN = ("before", "after")


def killed_at(data_dir: Path, when: str) -> Path:
    """The file the worker writes just before it kills itself: proof the test's kill point was reached."""
    return data_dir / f"killed-{when}"


def _die(data_dir: Path, when: str) -> None:
    killed_at(data_dir, when).write_text(str(os.getpid()))
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def dying(kind: jobs.JobKind, when: str) -> jobs.JobKind:
    """``kind`` with a handler that kills the process before it runs, or after it has run (before commit)."""

    def handle(session: Session, payload: dict[str, Any], context: jobs.JobContext) -> None:
        if when == "before":
            _die(context.settings.data_dir, when)
        kind.handle(session, payload, context)
        session.flush()  # every write the handler made is in the database's open transaction
        _die(context.settings.data_dir, when)

    return dataclasses.replace(kind, handle=handle)


def main(argv: list[str]) -> int:
    kind_name, when = argv
    assert when in WHEN, when
    specs = discover()
    import_models(specs)
    runtime = Runtime.from_settings(load_settings(os.environ))
    worker = build_worker(runtime, specs)
    worker = dataclasses.replace(worker, lease=LEASE, kinds={kind_name: dying(worker.kinds[kind_name], when)})
    ran = worker.run_until_idle()
    print(f"not killed: ran {ran} job(s) of {kind_name}")  # the test fails on this: no such job was due
    return 3


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
