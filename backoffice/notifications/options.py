"""The one notification choice that is not per case type: group emails on new and reassigned cases.

It is one switch for the whole service. With it off, a team hears about a case only
through escalation (the automation's business) or a note on an unowned case;
a new case and a reassignment to a team then send nothing to the team.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Mapped, Session, mapped_column

from shared import audit, configuration
from shared.db import Base, utcnow


class NotificationOptions(Base):
    """A single row (id 1); absent means the defaults."""

    __tablename__ = "notification_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_emails: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


configuration.watch(NotificationOptions)


def group_emails_on(session: Session) -> bool:
    def read() -> bool:
        row = session.get(NotificationOptions, 1)
        return True if row is None else row.group_emails

    return configuration.cached(session, "backoffice.notifications.group_emails", read)


def set_group_emails(session: Session, actor: audit.Actor, on: bool) -> bool:
    """Turn group emails on or off; True when that changed anything (a repeat is not audited again)."""
    row = session.get(NotificationOptions, 1)
    if row is None:
        row = NotificationOptions(id=1, group_emails=True)
        session.add(row)
    if row.group_emails == on:
        session.flush()
        return False
    row.group_emails = on
    row.updated_at = utcnow()
    audit.record(session, actor, "notifications.group_emails_changed", "organisation", 1,
                 "Group emails on new and reassigned cases turned " + ("on" if on else "off"), {"on": on})
    return True
