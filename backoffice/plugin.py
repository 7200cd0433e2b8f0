"""The back office's place in the suite (entry point ``civic.apps``): its tables, jobs, schedules, commands,
and who subscribes to the case events."""

from __future__ import annotations

import argparse

from backoffice import notifications
from backoffice.admin.demo import load_demo_data
from backoffice.api import jobs as api_jobs
from backoffice.automation import status_entries
from backoffice.automation import sweep as automation_sweep
from backoffice.cases import commands as case_commands
from backoffice.cases import events as case_events
from backoffice.casework.urls import MOUNT
from backoffice.clocks import cli as deadline_cli
from backoffice.disclosures import commands as disclosure_commands
from backoffice.disclosures import jobs as disclosure_jobs
from backoffice.incidents import incidents
from backoffice.incidents import jobs as incident_jobs
from backoffice.notifications import jobs as notification_jobs
from backoffice.organisation import bank_holidays
from backoffice.releases import jobs as release_jobs
from backoffice.reporting import jobs as reporting_jobs
from backoffice.retention import jobs as retention_jobs
from backoffice.staff import commands as staff_commands
from backoffice.staff import jobs as staff_jobs
from backoffice.web import SHELL, create_app
from shared import jobs
from shared.apps import AppSpec

# Every module that defines tables (Alembic and the CLI import them all); a test holds this list complete.
MODEL_MODULES = (
    "backoffice.api.models",
    "backoffice.automation.models",
    "backoffice.cases.models",
    "backoffice.deadlines.permissions",
    "backoffice.disclosures.models",
    "backoffice.feedback.survey",
    "backoffice.incidents.models",
    "backoffice.intake.forms",
    "backoffice.notifications.dispatch",
    "backoffice.notifications.options",
    "backoffice.notifications.undelivered",
    "backoffice.organisation.bank_holidays",
    "backoffice.organisation.body",
    "backoffice.releases.models",
    "backoffice.reporting.models",
    "backoffice.retention.models",
    "backoffice.staff.accounts",
    "backoffice.staff.api_clients",
    "backoffice.staff.groups",
    "backoffice.staff.password_reset",
    "backoffice.staff.sessions",
    "backoffice.support.models",
)

#: Who hears of each case event; a new capability adds its tuple here rather than being called by the case core.
SUBSCRIBERS = (*notifications.SUBSCRIBERS, *status_entries.SUBSCRIBERS)
# Every process (web, worker, CLI) loads this module through ``discover()``, so every one has them.
case_events.subscribe_all(SUBSCRIBERS)
if incidents.recompute_open not in bank_holidays.CALENDAR_LISTENERS:
    bank_holidays.CALENDAR_LISTENERS.append(incidents.recompute_open)

_FEATURES = (staff_jobs, api_jobs, notification_jobs, automation_sweep, release_jobs, disclosure_jobs,
             reporting_jobs, retention_jobs, incident_jobs)


def job_kinds() -> dict[str, jobs.JobKind]:
    """Every back-office job kind: each feature keeps its own list, merged here."""
    kinds: dict[str, jobs.JobKind] = {}
    for feature in _FEATURES:
        kinds.update(feature.job_kinds())
    return kinds


SCHEDULES = tuple(schedule for feature in _FEATURES for schedule in feature.SCHEDULES)


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    staff_commands.add_commands(sub)
    case_commands.add_commands(sub)
    deadline_cli.add_command(sub)
    disclosure_commands.add_commands(sub)


spec = AppSpec(
    key="backoffice",
    mount=MOUNT,
    service_name=SHELL.service_name,
    create_app=create_app,
    model_modules=MODEL_MODULES,
    add_commands=add_commands,
    load_demo_data=load_demo_data,
    job_kinds=job_kinds,
    schedules=SCHEDULES,
    host_tasks=disclosure_jobs.HOST_TASKS,
    warm=lambda runtime: bank_holidays.warm(runtime.factory),
    order=40,
)
