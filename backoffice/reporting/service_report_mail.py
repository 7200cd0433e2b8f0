"""The service report sent to the body's service-report contacts once a period ends: quarterly under Plus,
monthly under Premium (seed 001's matrix; Basic has no regular report, though the page is always there).

The hourly check queues one sending job per finished period (``enqueue_once`` on the period's key), so a
report goes once however many workers run, and a body that adds its contacts later still gets the last one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from backoffice.casework.urls import MOUNT
from backoffice.incidents.service_levels import ServiceModel, service_model
from backoffice.intake.new_cases import today_in_london
from backoffice.organisation.contacts import contacts
from backoffice.reporting.periods import Period, month_of, parse_period, quarter_of
from backoffice.reporting.registry import Context, ReportResult, run_report
from backoffice.reporting.service_report import SERVICE_REPORT
from shared import jobs
from shared.mail.outbox import send_email
from shared.settings import Settings

CHECK = "reporting.service_report_check"
SEND = "reporting.service_report_send"
RECIPIENTS = "service_report_recipients"


def finished_period(model: ServiceModel, today: dt.date) -> Period | None:
    """The last whole period this model reports on, or None for a model without a regular report."""
    if model is ServiceModel.PREMIUM:
        return month_of(today).previous()
    if model is ServiceModel.PLUS:
        return quarter_of(today).previous()
    return None


def check(session: Session, _payload: dict[str, Any], _context: jobs.JobContext) -> None:
    period = finished_period(service_model(session), today_in_london())
    if period is not None and contacts(session).lists[RECIPIENTS]:
        jobs.enqueue_once(session, SEND, f"service-report:{period.key}", {"period": period.key})


def summary_text(result: ReportResult, link: str) -> str:
    """Each table's headline in words; the figures themselves are on the page and in its downloads."""
    lines = [f"Service report for {result.period.label}", ""]
    for table in result.tables:
        lines.append(f"{table.title}: {len(table.rows)} row{'s' if len(table.rows) != 1 else ''}")
    lines += ["", f"See the report, and download it as a spreadsheet: {link}", ""]
    return "\n".join(lines)


def send(session: Session, payload: dict[str, Any], context: jobs.JobContext) -> None:
    today = today_in_london()
    period = parse_period(str(payload["period"]), today)
    result = run_report(session, SERVICE_REPORT, period, Context(today=today, body_name=context.settings.org_name))
    link = report_link(context.settings, period)
    body = summary_text(result, link)
    for address in contacts(session).lists[RECIPIENTS]:
        send_email(session, address, f"Service report: {period.label}", body, related_type="service_report",
                   related_id=period.key)


def report_link(settings: Settings, period: Period) -> str:
    return settings.url(f"{MOUNT}/reports/{SERVICE_REPORT.name}?period={period.key}")
