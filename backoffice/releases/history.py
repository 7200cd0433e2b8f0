"""A share's access and download history: every opening, confirmation, sign-in, download and ending.

The requester's page and the case page read the same lines, so neither can tell a different story. The
history outlives the files: the worker deletes the bytes, never these rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.releases.models import Share, ShareEvent
from backoffice.releases.state import london_when
from shared.db import utcnow


class Happened(enum.StrEnum):
    SENT = "sent"
    LINK_RESENT = "link_resent"
    LINK_OPENED = "link_opened"
    EMAIL_CONFIRMED = "email_confirmed"
    CONFIRMATION_FAILED = "confirmation_failed"
    CONFIRMATION_REFUSED = "confirmation_refused"
    LOCKED = "locked"
    UNLOCKED = "unlocked"
    SIGNED_IN = "signed_in"
    SIGNED_OUT = "signed_out"
    DOWNLOADED = "downloaded"
    DOWNLOAD_STOPPED = "download_stopped"
    REMOVED = "removed"
    EXTENDED = "extended"
    REVOKED = "revoked"
    EXPIRED = "expired"
    REMINDED = "reminded"
    FILES_DELETED = "files_deleted"


#: How each line reads; ``{file}``, ``{mb}`` and ``{detail}`` are filled from the row.
WORDING: dict[Happened, str] = {
    Happened.SENT: "Documents sent to {detail}",
    Happened.LINK_RESENT: "A new link was sent; the old link no longer works",
    Happened.LINK_OPENED: "Link opened",
    Happened.EMAIL_CONFIRMED: "Email address confirmed",
    Happened.CONFIRMATION_FAILED: "Wrong email address entered",
    Happened.CONFIRMATION_REFUSED: "Email address not checked: too many tries",
    Happened.LOCKED: "Locked after {detail} wrong email addresses in a row",
    Happened.UNLOCKED: "Unlocked",
    Happened.SIGNED_IN: "Signed in",
    Happened.SIGNED_OUT: "Signed out",
    Happened.DOWNLOADED: "Downloaded {file}",
    Happened.DOWNLOAD_STOPPED: "Download of {file} stopped at {mb}",
    Happened.REMOVED: "Documents removed by the requester",
    Happened.EXTENDED: "Time to download extended to {detail}",
    Happened.REVOKED: "Access withdrawn: {detail}",
    Happened.EXPIRED: "Documents expired",
    Happened.REMINDED: "Reminder emailed: {detail}",
    Happened.FILES_DELETED: "Files deleted from storage",
}


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    when: str  # "25 June 2023 at 6:00pm", Europe/London
    kind: str
    what: str
    device: str
    by: str


def record(session: Session, share: Share, happened: Happened, *, device: str = "", actor: str = "",
           file_name: str = "", bytes_sent: int | None = None, detail: str = "",
           at: dt.datetime | None = None) -> ShareEvent:
    row = ShareEvent(share_id=share.id, kind=happened.value, at=at or utcnow(), device=device[:100],
                     actor=actor[:320], file_name=file_name[:255], bytes_sent=bytes_sent, detail=detail)
    session.add(row)
    return row


def _megabytes(size: int | None) -> str:
    mb = (size or 0) / (1024 * 1024)
    return f"{mb:.1f} MB" if mb < 10 else f"{round(mb)} MB"


def _what(row: ShareEvent) -> str:
    try:
        wording = WORDING[Happened(row.kind)]
    except ValueError:
        return row.kind
    return wording.format(file=row.file_name or "all documents", mb=_megabytes(row.bytes_sent), detail=row.detail)


def history_of(session: Session, share: Share, *, staff: bool = False) -> list[HistoryEntry]:
    """Newest first. The requester sees what was done, and ``by`` only as the body ("Testshire Council" is
    the page's business); staff also see who did it."""
    rows = session.scalars(select(ShareEvent).where(ShareEvent.share_id == share.id)
                           .order_by(ShareEvent.at.desc(), ShareEvent.id.desc()))
    return [HistoryEntry(at=row.at, when=london_when(row.at), kind=row.kind, what=_what(row), device=row.device,
                         by=row.actor if staff else "") for row in rows]


def history_csv(entries: list[HistoryEntry]) -> str:
    """The history as CSV (UTC and London times both, so a spreadsheet can sort it and a person read it)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Time (UTC)", "Time (UK)", "What happened", "Device"])
    for entry in entries:
        writer.writerow([entry.at.isoformat(timespec="seconds"), entry.when, _safe(entry.what), _safe(entry.device)])
    return out.getvalue()


def _safe(cell: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe (CSV injection)."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
