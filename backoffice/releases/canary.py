"""The service's own check share: one small document, shared with nobody, that the synthetic probe opens,
signs in to and downloads every minute through Secure Share's real path, checking the bytes' SHA-256.

Why a share of no case: a case would be numbered, counted in the statutory returns, listed in a team's
queue and kept under a retention schedule, and every one of those would need to leave it out. A share
without a case is left out of all of them by construction (each joins shares to their case), and the
requester's pages show "Service check" where a case reference would be.

Its secrets are a share's like any other. The link's token is derived from SECRET_KEY for this one purpose
(HMAC-SHA-256, 256 bits), so the probe can compute it and the database keeps only its digest; a new
SECRET_KEY makes a new canary and withdraws the old one (the sweep deletes its file). The address it is
"sent to" is under ``.invalid`` (RFC 2606), and nothing ever emails it: the share is made here, not by
sending documents. Its document is scanned by ClamAV as every upload is, and is not offered until clean.

What the probe's visits leave (a session and a few history lines a minute) is pruned daily to a day's worth.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import io
import logging
from dataclasses import dataclass

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from backoffice.releases import secrets
from backoffice.releases.management import PURGE_JOB
from backoffice.releases.models import Share, ShareEvent, ShareFile, ShareSession
from shared import audit, jobs
from shared.db import read_only, utcnow
from shared.files import CLEAN, StoredFile, store_upload
from shared.settings import Settings

log = logging.getLogger(__name__)

#: What the requester's pages show for the check share, where a case's reference would be.
REFERENCE = "Service check"
EMAIL = "service-check@probe.invalid"
FILE_NAME = "service-check.txt"
CONTENT = (b"This is the service's own check document.\n"
           b"The service's monitoring downloads it every minute to check that documents can be downloaded.\n")
SHA256 = hashlib.sha256(CONTENT).hexdigest()
LIFETIME = dt.timedelta(days=30)
#: Renewed long before the 7-day reminder could ever be due (the reminders leave a share of no case out too).
RENEW_WITHIN = dt.timedelta(days=15)
#: A document still not passed by ClamAV this long after the canary was made says scanning has stopped.
SCAN_GRACE = dt.timedelta(minutes=15)
KEEP_VISITS = dt.timedelta(days=1)
ACTOR = audit.Actor(type="system", label="probe")
_PURPOSE = b"civic.secureshare.canary"


@dataclass(frozen=True)
class Canary:
    """What the probe needs: the link's token, the address to confirm, the checksum the download must have,
    and whether the document is offered yet (its scan done)."""

    token: str
    email: str
    sha256: str
    ready: bool
    made_at: dt.datetime

    def scan_overdue(self, now: dt.datetime) -> bool:
        return not self.ready and now - self.made_at > SCAN_GRACE


def token_for(settings: Settings) -> str:
    mac = hmac.new(settings.secret_key.encode(), _PURPOSE, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def is_canary(share: Share) -> bool:
    return share.case_id is None


def _live(session: Session) -> list[Share]:
    return list(session.scalars(select(Share).where(Share.case_id.is_(None), Share.revoked_at.is_(None),
                                                    Share.removed_at.is_(None)).order_by(Share.id)))


def _usable(share: Share, token_hash: str, now: dt.datetime) -> bool:
    return share.token_hash == token_hash and share.locked_at is None and share.expires_at - now > RENEW_WITHIN


def _described(session: Session, share: Share, token: str) -> Canary | None:
    stored = session.scalar(select(StoredFile).join(ShareFile, ShareFile.file_id == StoredFile.id)
                            .where(ShareFile.share_id == share.id))
    if stored is None:
        return None
    return Canary(token=token, email=EMAIL, sha256=SHA256, ready=stored.status == CLEAN, made_at=share.sent_at)


def current(session: Session, settings: Settings, now: dt.datetime) -> Canary | None:
    """The canary as it is, when nothing needs doing to it; None when it must be made, renewed or replaced."""
    token = token_for(settings)
    shares = _live(session)
    if len(shares) != 1 or not _usable(shares[0], secrets.digest(token), now):
        return None
    return _described(session, shares[0], token)


def ensure(session: Session, settings: Settings, now: dt.datetime | None = None) -> Canary | None:
    """Make the canary, renew it, or replace one made with another SECRET_KEY (or locked, or without its
    document), in the caller's transaction; the others are withdrawn and their files purged by the worker."""
    now = now or utcnow()
    token = token_for(settings)
    token_hash = secrets.digest(token)
    keep: Share | None = None
    for share in _live(session):
        if keep is None and share.token_hash == token_hash and share.locked_at is None \
                and _described(session, share, token) is not None:
            keep = share
            continue
        share.revoked_at = now
        jobs.enqueue(session, PURGE_JOB, {"share_id": share.id})
    if keep is None:
        # An ended canary with this key (locked, removed, without its document) gives up its token's digest,
        # which is unique, so the new one can take it; the old link then opens nothing.
        session.execute(update(Share).where(Share.token_hash == token_hash, Share.case_id.is_(None))
                        .values(token_hash=secrets.digest(secrets.new_token())))
        return _make(session, settings, token, now)
    if keep.expires_at - now <= RENEW_WITHIN:
        keep.expires_at = now + LIFETIME
    return _described(session, keep, token)


def _make(session: Session, settings: Settings, token: str, now: dt.datetime) -> Canary:
    stored = store_upload(session, settings, ACTOR, filename=FILE_NAME, stream=io.BytesIO(CONTENT))
    share = Share(case_id=None, recipient=EMAIL, email_hash=secrets.hash_email(EMAIL),
                  token_hash=secrets.digest(token), sent_by="The service's monitoring", sent_at=now,
                  link_sent_at=now, expires_at=now + LIFETIME)
    session.add(share)
    session.flush()
    session.add(ShareFile(share_id=share.id, file_id=stored.id, name=FILE_NAME, content_type=stored.content_type,
                          size=stored.size, sha256=stored.sha256))
    audit.record(session, ACTOR, "service.check_share_made", "share", share.id,
                 "The service's check share was made for the synthetic probe", {"file_id": stored.id})
    return Canary(token=token, email=EMAIL, sha256=SHA256, ready=False, made_at=now)


def prepare(bind: Engine, settings: Settings) -> Canary | None:
    """The canary for a probe round, read without a write lock when nothing needs doing (nearly always),
    else made or renewed in a short transaction of its own, before the round's HTTP begins. None when the
    database or the files store cannot be used: the other probes report that."""
    now = utcnow()
    try:
        with Session(bind=bind) as reader:
            read_only(reader)
            found = current(reader, settings, now)
        if found is not None:
            return found
        with Session(bind=bind) as writer, writer.begin():
            return ensure(writer, settings, now)
    except Exception as exc:  # noqa: BLE001 - the round goes on without the canary
        log.warning("the check share could not be prepared: %s: %s", type(exc).__name__, exc)
        return None


def prune(session: Session, now: dt.datetime | None = None) -> int:
    """Delete the probe's sessions and history lines older than a day, so its visits stay a bounded table."""
    cutoff = (now or utcnow()) - KEEP_VISITS
    canaries = select(Share.id).where(Share.case_id.is_(None)).scalar_subquery()
    events = session.execute(delete(ShareEvent).where(ShareEvent.share_id.in_(canaries), ShareEvent.at < cutoff))
    visits = session.execute(delete(ShareSession).where(ShareSession.share_id.in_(canaries),
                                                        ShareSession.created_at < cutoff))
    return int(getattr(events, "rowcount", 0) or 0) + int(getattr(visits, "rowcount", 0) or 0)
