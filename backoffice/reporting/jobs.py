"""Reporting's work for the worker: writing a large case list, forgetting old ones, and sending the service
report when its period ends."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from backoffice.reporting import service_report_mail
from backoffice.reporting.exporting import EXPORT_JOB, forget_old, give_up_export, handle_export, wait_for_space
from shared import jobs
from shared.apps import Schedule

TIDY = "reporting.tidy"


def tidy(session: Session, _payload: dict[str, Any], context: jobs.JobContext) -> None:
    forget_old(session, context.settings)


def job_kinds() -> dict[str, jobs.JobKind]:
    return {EXPORT_JOB: jobs.JobKind(handle=handle_export, give_up=give_up_export, waiting=wait_for_space),
            TIDY: jobs.JobKind(handle=tidy),
            service_report_mail.CHECK: jobs.JobKind(handle=service_report_mail.check),
            service_report_mail.SEND: jobs.JobKind(handle=service_report_mail.send)}


SCHEDULES = (Schedule(kind=TIDY, every_seconds=3600), Schedule(kind=service_report_mail.CHECK, every_seconds=3600))
