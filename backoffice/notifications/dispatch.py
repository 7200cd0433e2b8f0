"""Rendering and sending one notification, respecting the per-type switch and wording."""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from backoffice.cases.access import may_be_told
from backoffice.cases.models import Case
from backoffice.casework.urls import case_page_url
from backoffice.notifications.catalogue import DEFAULTS, PLACEHOLDERS, PROGRESS_PAGE, Audience, Notice, Template
from backoffice.staff.accounts import StaffUser
from backoffice.staff.groups import Group
from shared import configuration
from shared.apps import public_url
from shared.db import Base
from shared.mail import send_email
from shared.mail.models import OutboxMessage
from shared.settings import Settings


class NotificationSetting(Base):
    """A case type's choice for one notification: off, or on with its own wording."""

    __tablename__ = "notification_settings"
    __table_args__ = (UniqueConstraint("case_type_id", "notice", name="uq_notification_settings_type_notice"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_type_id: Mapped[int] = mapped_column(ForeignKey("case_types.id", ondelete="CASCADE"), index=True)
    notice: Mapped[str] = mapped_column(String(40))
    enabled: Mapped[bool] = mapped_column(default=True)
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)


configuration.watch(NotificationSetting)


def _setting(session: Session, case_type_id: int, notice: Notice) -> NotificationSetting | None:
    return session.scalar(select(NotificationSetting).where(
        NotificationSetting.case_type_id == case_type_id, NotificationSetting.notice == notice.value))


def is_enabled(session: Session, case_type_id: int, notice: Notice) -> bool:
    """Asked for every email a change may send; each process keeps the switches until the configuration changes."""
    switched_off = configuration.cached(session, "backoffice.notifications.off", lambda: frozenset(
        session.execute(select(NotificationSetting.case_type_id, NotificationSetting.notice)
                        .where(NotificationSetting.enabled.is_(False))).all()))
    return (case_type_id, notice.value) not in switched_off


def template_for(session: Session, case_type_id: int, notice: Notice) -> Template:
    default = DEFAULTS[notice]
    setting = _setting(session, case_type_id, notice)
    if setting is None:
        return default
    return Template(notice, default.audience, default.title, setting.subject or default.subject,
                    setting.body or default.body)


class _Blank(dict[str, str]):
    """Unknown placeholders render as nothing rather than failing a send."""

    def __missing__(self, key: str) -> str:
        return ""


def placeholders_in(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def unknown_placeholders(text: str) -> set[str]:
    """For the template editor: names an administrator typed that we cannot fill."""
    try:
        return placeholders_in(text) - set(PLACEHOLDERS)
    except ValueError:
        return {"(unbalanced braces)"}


def render(text: str, context: Mapping[str, str]) -> str:
    """Plain ``{name}`` substitution only: no attribute access, no format specs from templates."""
    values = _Blank({k: str(v) for k, v in context.items()})
    out = []
    for literal, name, _spec, _conv in string.Formatter().parse(text):
        out.append(literal)
        if name is not None:
            out.append(values[name] if name.isidentifier() else "")
    return "".join(out)


def case_context(session: Session, settings: Settings, case: Case, **extra: Any) -> dict[str, str]:
    owner = session.get(StaffUser, case.owner_id) if case.owner_id else None
    team = session.get(Group, case.team_group_id) if case.team_group_id else None
    context = {
        "reference": case.reference,
        "case_type": case.case_type.name,
        "subject": case.subject,
        "status": case.status.label,
        "due_on": case.due_on.strftime("%-d %B %Y") if case.due_on else "not set while the clock is stopped",
        "received_on": case.received_on.strftime("%-d %B %Y"),
        "requester_name": case.requester_name,
        "owner_name": owner.name if owner else "nobody",
        "team_name": team.name if team else "no team",
        "case_url": case_page_url(settings, case.reference),
        "progress_url": public_url(settings, PROGRESS_PAGE),
        "org_name": settings.org_name,
        "detail": "",
        "actor": "",
    }
    context.update({k: str(v) for k, v in extra.items()})
    return context


def notify(
    session: Session,
    settings: Settings,
    notice: Notice,
    case: Case,
    to: Iterable[str],
    **extra: Any,
) -> list[OutboxMessage]:
    """Queue ``notice`` about ``case`` to each address in ``to`` (duplicates and blanks dropped), unless it is off."""
    if not is_enabled(session, case.case_type_id, notice):
        return []
    template = template_for(session, case.case_type_id, notice)
    context = case_context(session, settings, case, **extra)
    subject, body = render(template.subject, context), render(template.body, context)
    addresses = sorted({a.strip().lower() for a in to if a and a.strip()})
    if template.audience == Audience.STAFF:  # never someone who may not see the case (a restricted SAR, say)
        addresses = may_be_told(session, case, addresses)
    sent = []
    for address in addresses:
        sent.append(send_email(session, address, subject, body, related_type="case", related_id=case.reference))
    return sent
