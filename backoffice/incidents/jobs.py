"""The worker's part in incident tracking: a probe round every minute, and a daily sweep of old results
(and of the check share's visits).

The round's HTTP is done before its transaction begins (see :mod:`backoffice.incidents.probes`): the job's
session is not touched until the results are in, so no probe holds a database lock while it waits.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from backoffice.incidents import probes
from backoffice.releases import canary as check_share
from shared import jobs
from shared.apps import Schedule

log = logging.getLogger(__name__)

PROBE_JOB = "backoffice.incidents.probe"
SWEEP_JOB = "backoffice.incidents.probe_sweep"
PROBE_EVERY_SECONDS = 60
SWEEP_EVERY_SECONDS = 24 * 3600


def handle_probe(session: Session, _payload: dict[str, Any], context: jobs.JobContext) -> None:
    bind = session.get_bind()  # the engine: nothing is read in the job's own transaction before the round
    known = probes.known_publication(bind) if isinstance(bind, Engine) else None
    canary = check_share.prepare(bind, context.settings) if isinstance(bind, Engine) else None
    findings = probes.run_round(context.settings, known=known, canary=canary)
    bad = [f"{f.service.value} {f.outcome.value}" for f in findings if f.outcome.bad]
    if bad:
        log.warning("probe round: %s", ", ".join(bad))
    for incident in probes.record_round(session, findings):
        log.warning("probe incident %s (%s %s): %s", incident.reference, incident.priority, incident.service,
                    incident.status)


def handle_sweep(session: Session, _payload: dict[str, Any], _context: jobs.JobContext) -> None:
    deleted = probes.sweep_results(session)
    check_share.prune(session)
    if deleted:
        log.info("probe results: %s older than %s days deleted", deleted, probes.KEEP_RESULTS.days)


def job_kinds() -> dict[str, jobs.JobKind]:
    return {PROBE_JOB: jobs.JobKind(handle=handle_probe), SWEEP_JOB: jobs.JobKind(handle=handle_sweep)}


SCHEDULES = (Schedule(kind=PROBE_JOB, every_seconds=PROBE_EVERY_SECONDS),
             Schedule(kind=SWEEP_JOB, every_seconds=SWEEP_EVERY_SECONDS))
