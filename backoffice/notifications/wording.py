"""Administrators' choices per case type: which notifications go, and in what words.

Wording is checked before it is stored: a placeholder we cannot fill would
reach people as a blank, so it is refused with the list of those we can. A
preview renders the draft with a sample case and stores nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.models import CaseType
from backoffice.casework.urls import case_page_url
from backoffice.notifications.catalogue import DEFAULTS, PLACEHOLDERS, PROGRESS_PAGE, Audience, Notice, Template
from backoffice.notifications.dispatch import NotificationSetting, render, template_for, unknown_placeholders
from shared import audit
from shared.apps import public_url
from shared.errors import InvalidInput, NotFound
from shared.settings import Settings

SUBJECT_LIMIT = 300
BODY_LIMIT = 10_000


@dataclass(frozen=True)
class NoticeRow:
    notice: Notice
    title: str
    audience: Audience
    enabled: bool
    customised: bool


def _settings_by_notice(session: Session, case_type_id: int) -> dict[str, NotificationSetting]:
    rows = session.scalars(select(NotificationSetting).where(NotificationSetting.case_type_id == case_type_id))
    return {row.notice: row for row in rows}


def notice_rows(session: Session, case_type_id: int) -> list[NoticeRow]:
    """Every notification in catalogue order, staff first, with this type's choices."""
    stored = _settings_by_notice(session, case_type_id)
    rows = []
    for notice, default in DEFAULTS.items():
        row = stored.get(notice.value)
        rows.append(NoticeRow(notice, default.title, default.audience, row is None or row.enabled,
                              row is not None and bool(row.subject or row.body)))
    return sorted(rows, key=lambda r: r.audience != Audience.STAFF)


def _row(session: Session, case_type_id: int, notice: Notice) -> NotificationSetting:
    row = _settings_by_notice(session, case_type_id).get(notice.value)
    if row is None:
        row = NotificationSetting(case_type_id=case_type_id, notice=notice.value, enabled=True)
        session.add(row)
    return row


def get_case_type_by_id(session: Session, case_type_id: int) -> CaseType:
    case_type = session.get(CaseType, case_type_id)
    if case_type is None:
        raise NotFound("No such case type")
    return case_type


def set_switches(session: Session, actor: audit.Actor, case_type_id: int, on: Iterable[str]) -> list[Notice]:
    """Turn on exactly the notifications in ``on`` (unknown names ignored); returns those that changed."""
    case_type = get_case_type_by_id(session, case_type_id)
    wanted = {n for n in Notice if n.value in set(on)}
    stored = _settings_by_notice(session, case_type_id)
    changed = []
    for notice in DEFAULTS:
        now_on = stored[notice.value].enabled if notice.value in stored else True
        if now_on != (notice in wanted):
            _row(session, case_type_id, notice).enabled = notice in wanted
            changed.append(notice)
    if changed:
        session.flush()
        audit.record(session, actor, "notifications.switched", "case_type", case_type.id,
                     f"{case_type.name} notifications: " + "; ".join(
                         f"{DEFAULTS[n].title} {'on' if n in wanted else 'off'}" for n in changed),
                     {"on": sorted(n.value for n in changed if n in wanted),
                      "off": sorted(n.value for n in changed if n not in wanted)})
    return changed


def check_wording(subject: str, body: str) -> dict[str, str]:
    """GOV.UK field errors for a draft; empty when it can be stored."""
    errors: dict[str, str] = {}
    allowed = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    if not subject.strip():
        errors["subject"] = "Enter the subject"
    elif len(subject) > SUBJECT_LIMIT or "\n" in subject.strip():
        errors["subject"] = f"Subject must be one line of {SUBJECT_LIMIT} characters or fewer"
    elif unknown := unknown_placeholders(subject):
        errors["subject"] = _unknown_message("subject", unknown, allowed)
    if not body.strip():
        errors["body"] = "Enter the message"
    elif len(body) > BODY_LIMIT:
        errors["body"] = f"Message must be {BODY_LIMIT:,} characters or fewer"
    elif unknown := unknown_placeholders(body):
        errors["body"] = _unknown_message("message", unknown, allowed)
    return errors


def _unknown_message(where: str, unknown: set[str], allowed: str) -> str:
    if "(unbalanced braces)" in unknown:
        return f"The {where} has a {{ without a matching }}: placeholders look like {{reference}}"
    names = ", ".join("{" + name + "}" for name in sorted(unknown))
    return f"The {where} uses {names}, which is not a placeholder. Use only {allowed}"


def save_wording(session: Session, actor: audit.Actor, case_type_id: int, notice: Notice, subject: str,
                 body: str) -> NotificationSetting:
    case_type = get_case_type_by_id(session, case_type_id)
    errors = check_wording(subject, body)
    if errors:
        raise InvalidInput("The wording could not be saved", errors)
    row = _row(session, case_type_id, notice)
    row.subject, row.body = subject.strip(), body.replace("\r\n", "\n").strip() + "\n"
    session.flush()
    audit.record(session, actor, "notifications.wording_changed", "case_type", case_type.id,
                 f"{case_type.name}: wording of “{DEFAULTS[notice].title}” changed",
                 {"notice": notice.value, "subject": row.subject, "body": row.body})
    return row


def reset_wording(session: Session, actor: audit.Actor, case_type_id: int, notice: Notice) -> bool:
    """Back to the default wording (the on/off choice stays); False when it already was."""
    case_type = get_case_type_by_id(session, case_type_id)
    row = _settings_by_notice(session, case_type_id).get(notice.value)
    if row is None or not (row.subject or row.body):
        return False
    row.subject = row.body = None
    session.flush()
    audit.record(session, actor, "notifications.wording_reset", "case_type", case_type.id,
                 f"{case_type.name}: wording of “{DEFAULTS[notice].title}” back to the default",
                 {"notice": notice.value})
    return True


def current_wording(session: Session, case_type_id: int, notice: Notice) -> Template:
    return template_for(session, case_type_id, notice)


def sample_context(settings: Settings, case_type: CaseType, notice: Notice) -> dict[str, str]:
    """A made-up case of this type, for previews: realistic enough to read the wording in place."""
    reference = f"{case_type.reference_prefix}-{dt.date.today().year}-00042"
    return {
        "reference": reference, "case_type": case_type.name, "subject": "Bus timetables for 2025",
        "status": "In progress", "due_on": "5 March 2026", "received_on": "5 February 2026",
        "requester_name": "Sam Jones", "owner_name": "Alex Caseworker", "team_name": "Information governance",
        "case_url": case_page_url(settings, reference), "progress_url": public_url(settings, PROGRESS_PAGE),
        "org_name": settings.org_name,
        "detail": "Find the 2025 timetables", "actor": "Mo Manager",
    }


def preview(settings: Settings, case_type: CaseType, notice: Notice, subject: str, body: str) -> tuple[str, str]:
    context = sample_context(settings, case_type, notice)
    return " ".join(render(subject, context).split()), render(body.replace("\r\n", "\n"), context)
