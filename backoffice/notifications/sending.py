"""Send now when the caller has the settings, or leave it to the worker when it has not.

Links in emails come from BASE_URL, which only the running service knows. Web
handlers and jobs pass their settings and the email is queued at once; a caller
without them (Capture's intake, an import, an older handler) still gets its
notification: a ``backoffice.notifications.send`` job, written in the same
transaction, renders it with the worker's settings. Either way nothing is sent
unless the change is committed.
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
from shared.settings import Settings

JOB_KIND = "backoffice.notifications.send"


def clean(addresses: Iterable[str | None], *, leave_out: Iterable[str | None] = ()) -> list[str]:
    """Lower-cased, de-duplicated, blanks dropped, and never the person who acted."""
    skip = {a.strip().lower() for a in leave_out if a}
    return sorted({a.strip().lower() for a in addresses if a and a.strip()} - skip)


def send(session: Session, settings: Settings | None, notice: Notice, case: Case, to: Iterable[str | None],
         *, leave_out: Iterable[str | None] = (), **extra: Any) -> int:
    """Queue ``notice`` to ``to`` (less ``leave_out``); returns how many emails were (or will be) queued.

    A staff notice goes only to those who may see the case (a restricted SAR's team is not told of it);
    ``notify`` asks again when it sends, for the worker's deferred sends and the automation's.
    """
    recipients = clean(to, leave_out=leave_out)
    if DEFAULTS[notice].audience == Audience.STAFF:
        recipients = may_be_told(session, case, recipients)
    if not recipients or not is_enabled(session, case.case_type_id, notice):
        return 0
    if settings is not None:
        return len(notify(session, settings, notice, case, recipients, **extra))
    jobs.enqueue(session, JOB_KIND, {"notice": notice.value, "case_id": case.id, "to": recipients,
                                     "extra": {k: str(v) for k, v in extra.items()}})
    return len(recipients)


def handle_send(session: Session, payload: dict[str, Any], context: jobs.JobContext) -> None:
    """The deferred half of :func:`send`; a case deleted meanwhile is nothing to tell anyone about."""
    case = session.scalar(select(Case).where(Case.id == int(payload["case_id"])))
    if case is None:
        return
    notify(session, context.settings, Notice(payload["notice"]), case, list(payload.get("to") or []),
           **dict(payload.get("extra") or {}))
