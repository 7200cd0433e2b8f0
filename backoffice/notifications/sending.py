"""One way to send a case notification: a ``backoffice.notifications.send`` job in the caller's transaction.

Links in emails come from BASE_URL, which only the running service knows, so the
subscribers never render: they decide the recipients and write a job; the worker
renders it with its settings (``handle_send``) and the email goes to the outbox.
Nothing is sent unless the change that asked for it is committed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.access import may_be_told
from backoffice.cases.models import Case
from backoffice.notifications.catalogue import DEFAULTS, Audience, Notice
from backoffice.notifications.dispatch import is_enabled, notify
from shared import jobs

JOB_KIND = "backoffice.notifications.send"


def clean(addresses: Iterable[str | None], *, leave_out: Iterable[str | None] = ()) -> list[str]:
    """Lower-cased, de-duplicated, blanks dropped, and never the person who acted."""
    skip = {a.strip().lower() for a in leave_out if a}
    return sorted({a.strip().lower() for a in addresses if a and a.strip()} - skip)


def send(session: Session, notice: Notice, case: Case, to: Iterable[str | None],
         *, leave_out: Iterable[str | None] = (), **extra: Any) -> int:
    """Queue ``notice`` to ``to`` (less ``leave_out``); returns how many emails will be sent.

    A staff notice goes only to those who may see the case (a restricted SAR's team is not told of it);
    ``notify`` asks again when the worker renders it, in case access changed meanwhile.
    """
    recipients = clean(to, leave_out=leave_out)
    if DEFAULTS[notice].audience == Audience.STAFF:
        recipients = may_be_told(session, case, recipients)
    if not recipients or not is_enabled(session, case.case_type_id, notice):
        return 0
    jobs.enqueue(session, JOB_KIND, {"notice": notice.value, "case_id": case.id, "to": recipients,
                                     "extra": {k: str(v) for k, v in extra.items()}})
    return len(recipients)


def handle_send(session: Session, payload: dict[str, Any], context: jobs.JobContext) -> None:
    """The worker's half of :func:`send`; a case deleted meanwhile is nothing to tell anyone about."""
    case = session.scalar(select(Case).where(Case.id == int(payload["case_id"])))
    if case is None:
        return
    notify(session, context.settings, Notice(payload["notice"]), case, list(payload.get("to") or []),
           **dict(payload.get("extra") or {}))
