"""The notification job kinds and schedules, for ``backoffice.plugin``."""

from __future__ import annotations

from backoffice.notifications import sending, undelivered
from shared import jobs
from shared.apps import Schedule


def job_kinds() -> dict[str, jobs.JobKind]:
    return {sending.JOB_KIND: jobs.JobKind(handle=sending.handle_send), **undelivered.JOB_KINDS}


SCHEDULES: tuple[Schedule, ...] = undelivered.SCHEDULES
