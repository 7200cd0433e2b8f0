"""What state a share is in, and how long it has left, in the words its pages use.

A share's status is worked out from its timestamps rather than stored, so it cannot disagree with them:
an ended share (revoked, removed, expired) is ended whatever else happened; otherwise the furthest the
requester got (downloaded, opened, or just sent).
"""

from __future__ import annotations

import datetime as dt
import enum
from zoneinfo import ZoneInfo

from backoffice.releases.models import Share
from shared.db import utcnow

LONDON = ZoneInfo("Europe/London")
#: How long a share stays, in days, unless the case type says otherwise.
DEFAULT_DAYS = 30
MIN_DAYS, MAX_DAYS = 1, 90
MAX_FILES = 100
#: Sessions: idle and absolute limits (and never past the share's expiry).
IDLE_LIMIT = dt.timedelta(minutes=30)
SESSION_LIMIT = dt.timedelta(hours=12)
#: Wrong email addresses: per share per window, per address per hour, and in a row before the share locks.
TRIES_PER_SHARE, TRIES_WINDOW = 5, dt.timedelta(minutes=15)
TRIES_PER_IP, IP_WINDOW = 20, dt.timedelta(hours=1)
LOCK_AFTER = 10
#: Reminders to the requester, in days before expiry, while nothing has been downloaded.
REMINDER_DAYS = (7, 1)


class ShareStatus(enum.StrEnum):
    SENT = "sent"
    OPENED = "opened"
    DOWNLOADED = "downloaded"
    EXPIRED = "expired"
    REVOKED = "revoked"
    REMOVED = "removed"

    @property
    def label(self) -> str:
        return "Removed by the requester" if self is ShareStatus.REMOVED else self.value.capitalize()

    @property
    def ended(self) -> bool:
        return self in (ShareStatus.EXPIRED, ShareStatus.REVOKED, ShareStatus.REMOVED)


def status_of(share: Share, now: dt.datetime | None = None) -> ShareStatus:
    now = now or utcnow()
    if share.revoked_at is not None:
        return ShareStatus.REVOKED
    if share.removed_at is not None:
        return ShareStatus.REMOVED
    if now >= share.expires_at:
        return ShareStatus.EXPIRED
    if share.first_downloaded_at is not None:
        return ShareStatus.DOWNLOADED
    if share.first_opened_at is not None:
        return ShareStatus.OPENED
    return ShareStatus.SENT


def ended_at(share: Share) -> dt.datetime:
    """When the share stopped working (for the 410 page), or will."""
    return share.revoked_at or share.removed_at or share.expires_at


def expiry_for(sent_at: dt.datetime, days: int) -> dt.datetime:
    """``days`` calendar days on in London, at the same wall-clock time: a share sent at 6pm on 26 May
    ends at 6pm on 25 June whether or not the clocks changed in between."""
    local = sent_at.astimezone(LONDON)
    later = (local.replace(tzinfo=None) + dt.timedelta(days=days)).replace(tzinfo=LONDON)
    return later.astimezone(dt.UTC)


def london_when(value: dt.datetime) -> str:
    """``25 June 2023 at 6:00pm``, in Europe/London."""
    local = value.astimezone(LONDON)
    return local.strftime("%-d %B %Y at ") + local.strftime("%-I:%M%p").lower()


def days_left(share: Share, now: dt.datetime | None = None) -> int:
    """Whole London calendar days from today to the removal day (0 on the day itself)."""
    now = now or utcnow()
    return (share.expires_at.astimezone(LONDON).date() - now.astimezone(LONDON).date()).days


def time_left_in_words(share: Share, now: dt.datetime | None = None) -> str:
    """``You have 29 days left``, ``1 day left``, or ``today`` on the last day."""
    left = days_left(share, now)
    if left <= 0:
        return "You have until today to download your documents"
    return f"You have {left} day{'s' if left != 1 else ''} left to download your documents"


