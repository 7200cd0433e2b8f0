"""The back office's place in the suite (entry point ``civic.apps``)."""

from backoffice import bank_holidays, housekeeping
from backoffice.automation import sweep as automation_sweep
from backoffice.commands import add_commands
from backoffice.demo import load_demo_data
from backoffice.notifications import jobs as notification_jobs
from backoffice.web import SHELL, create_app
from shared import jobs
from shared.apps import AppSpec


def job_kinds() -> dict[str, jobs.JobKind]:
    """Every back-office job kind: each feature keeps its own list, merged here."""
    return {**housekeeping.job_kinds(), **notification_jobs.job_kinds(), **automation_sweep.job_kinds()}


SCHEDULES = (*housekeeping.SCHEDULES, *notification_jobs.SCHEDULES, *automation_sweep.SCHEDULES)


spec = AppSpec(
    key="backoffice",
    mount="/backoffice",
    service_name=SHELL.service_name,
    create_app=create_app,
    model_modules=("backoffice.models",),
    add_commands=add_commands,
    load_demo_data=load_demo_data,
    job_kinds=job_kinds,
    schedules=SCHEDULES,
    warm=lambda runtime: bank_holidays.warm(runtime.factory),
    order=40,
)
