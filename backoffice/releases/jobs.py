"""The worker's part: reminders before expiry, the expiry itself, and deleting ended shares' files.

All three are sweeps that find their work from the shares' timestamps, so a run that died half-way is
finished by the next, and none does anything twice (each step sets the stamp that says it is done, in the
same transaction as its effect). Revocation and removal also queue a purge at once; the sweep every ten
minutes is what guarantees the files of an expired share are gone within the hour.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.notifications.catalogue import Notice
from backoffice.notifications.dispatch import notify
from backoffice.notifications.sending import send as send_notice
from backoffice.releases import history
from backoffice.releases.history import Happened
from backoffice.releases.management import PURGE_JOB, files_of, who_to_tell
from backoffice.releases.models import Share
from backoffice.releases.sending import share_context
from backoffice.releases.state import REMINDER_DAYS, status_of
from shared import jobs
from shared.apps import Schedule
from shared.db import utcnow
from shared.files import storage
from shared.settings import Settings

log = logging.getLogger(__name__)

SWEEP_JOB = "backoffice.releases.sweep"
SWEEP_EVERY = dt.timedelta(minutes=10)
BATCH = 200


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def send_reminders(session: Session, settings: Settings, now: dt.datetime) -> int:
    """Each reminder once, only while nothing has been downloaded, and only if the share was sent long
    enough before expiry for it to mean something (a 5-day share gets no 7-day reminder)."""
    sent = 0
    horizon = now + dt.timedelta(days=max(REMINDER_DAYS))
    shares = session.scalars(select(Share).where(
        Share.revoked_at.is_(None), Share.removed_at.is_(None), Share.first_downloaded_at.is_(None),
        Share.expires_at > now, Share.expires_at <= horizon).order_by(Share.id).limit(BATCH))
    for share in shares:
        done = {int(d) for d in share.reminders_sent.split(",") if d}
        due = [d for d in REMINDER_DAYS if d not in done and share.expires_at - dt.timedelta(days=d) <= now
               and share.link_sent_at < share.expires_at - dt.timedelta(days=d)]
        if not due:
            continue
        days = min(due)  # one email, the nearest: a share found late gets the 1-day reminder, not both
        share.reminders_sent = ",".join(str(d) for d in sorted(done | set(due)))
        case = session.get(Case, share.case_id) if share.case_id is not None else None
        if case is None:
            continue
        notify(session, settings, Notice.SHARE_REMINDER, case, [share.recipient], days_left=_days(days),
               **share_context(share, len(files_of(session, share))))
        history.record(session, share, Happened.REMINDED, detail=f"{_days(days)} before removal", at=now)
        sent += 1
    return sent


def record_expiries(session: Session, now: dt.datetime) -> int:
    shares = list(session.scalars(select(Share).where(
        Share.expiry_recorded_at.is_(None), Share.revoked_at.is_(None), Share.removed_at.is_(None),
        Share.expires_at <= now).order_by(Share.id).limit(BATCH)))
    for share in shares:
        share.expiry_recorded_at = now
        history.record(session, share, Happened.EXPIRED, at=share.expires_at)
        case = session.get(Case, share.case_id) if share.case_id is not None else None
        if case is not None and share.first_downloaded_at is None:
            send_notice(session, Notice.SHARE_EXPIRED_UNDOWNLOADED, case, who_to_tell(session, case),
                        expires_at=share_context(share, 0)["expires_at"])
    return len(shares)


def purge(session: Session, settings: Settings, share: Share, now: dt.datetime) -> bool:
    """Delete an ended share's files from storage; the rows and the history stay."""
    if share.files_deleted_at is not None or not status_of(share, now).ended:
        return False
    for item in files_of(session, share):
        storage.remove(settings.files_dir, item.file_id)
    share.files_deleted_at = now
    history.record(session, share, Happened.FILES_DELETED, at=now)
    return True


def ended_shares(session: Session, now: dt.datetime) -> list[Share]:
    return list(session.scalars(select(Share).where(
        Share.files_deleted_at.is_(None),
        or_(Share.revoked_at.is_not(None), Share.removed_at.is_not(None), Share.expires_at <= now))
        .order_by(Share.id).limit(BATCH)))


def handle_sweep(session: Session, _payload: dict[str, Any], context: jobs.JobContext) -> None:
    now = utcnow()
    reminded = send_reminders(session, context.settings, now)
    expired = record_expiries(session, now)
    purged = sum(purge(session, context.settings, share, now) for share in ended_shares(session, now))
    if reminded or expired or purged:
        log.info("secure share sweep: %s reminded, %s expired, %s purged", reminded, expired, purged)


def handle_purge(session: Session, payload: dict[str, Any], context: jobs.JobContext) -> None:
    share = session.get(Share, int(payload.get("share_id", 0)))
    if share is not None:
        purge(session, context.settings, share, utcnow())


def job_kinds() -> dict[str, jobs.JobKind]:
    return {SWEEP_JOB: jobs.JobKind(handle=handle_sweep), PURGE_JOB: jobs.JobKind(handle=handle_purge)}


SCHEDULES = (Schedule(kind=SWEEP_JOB, every_seconds=int(SWEEP_EVERY.total_seconds())),)
