"""The worker's sweep: reminders at 7 and 1 days while nothing is downloaded, expiry, and the purge."""

from __future__ import annotations

import datetime as dt

import time_machine
from sqlalchemy import select

from backoffice.releases import access, jobs, management
from backoffice.releases.history import history_of
from backoffice.releases.models import ShareFile
from shared import jobs as queue
from shared.files import file_path
from tests.backoffice.releases.conftest import Sharing


def _sweep(sharing: Sharing, at: dt.datetime) -> None:
    with time_machine.travel(at, tick=False):
        jobs.handle_sweep(sharing.db, {}, queue.JobContext(settings=sharing.settings, job_id=0, attempts=1))
        sharing.db.flush()


def _reminders(sharing: Sharing) -> list[str]:
    return [m.subject for m in sharing.emails_to("sam@example.com") if "will be removed in" in m.subject]


def test_reminders_7_and_1_days_before_each_once(sharing: Sharing) -> None:
    share = sharing.send(days=30).share
    expiry = share.expires_at
    _sweep(sharing, expiry - dt.timedelta(days=8))
    assert _reminders(sharing) == []
    _sweep(sharing, expiry - dt.timedelta(days=7))
    _sweep(sharing, expiry - dt.timedelta(days=6))
    assert [s.split(":")[0] for s in _reminders(sharing)] == ["Your documents will be removed in 7 days"]
    _sweep(sharing, expiry - dt.timedelta(hours=23))
    _sweep(sharing, expiry - dt.timedelta(hours=2))
    assert len(_reminders(sharing)) == 2 and "in 1 day:" in _reminders(sharing)[1]


def test_no_reminder_once_something_is_downloaded(sharing: Sharing) -> None:
    sent = sharing.send(days=30)
    item = sharing.db.scalar(select(ShareFile).where(ShareFile.share_id == sent.share.id))
    assert item is not None
    access.record_download(sharing.db, sent.share.id, item.id, bytes_sent=item.size, complete=True, device="")
    _sweep(sharing, sent.share.expires_at - dt.timedelta(days=7))
    assert _reminders(sharing) == []


def test_a_short_share_gets_no_7_day_reminder(sharing: Sharing) -> None:
    share = sharing.send(days=5).share
    _sweep(sharing, share.expires_at - dt.timedelta(days=4))
    assert _reminders(sharing) == []
    _sweep(sharing, share.expires_at - dt.timedelta(hours=12))
    assert len(_reminders(sharing)) == 1


def test_expiry_is_recorded_the_owner_told_and_the_files_deleted(sharing: Sharing) -> None:
    sharing.case.owner_id = sharing.office.caseworker.id
    sent = sharing.send(days=3)
    item = sharing.db.scalar(select(ShareFile).where(ShareFile.share_id == sent.share.id))
    assert item is not None
    path = file_path(sharing.settings.files_dir, item.file_id)
    _sweep(sharing, sent.share.expires_at - dt.timedelta(seconds=1))
    assert path.exists()
    _sweep(sharing, sent.share.expires_at + dt.timedelta(minutes=10))
    assert not path.exists() and sent.share.files_deleted_at is not None
    kinds = [e.kind for e in history_of(sharing.db, sent.share)]
    assert kinds[:2] == ["files_deleted", "expired"] or set(kinds[:2]) == {"files_deleted", "expired"}
    told = [j.payload for j in sharing.db.scalars(select(queue.Job).where(
        queue.Job.kind == "backoffice.notifications.send"))]
    assert any(p["notice"] == "share_expired_undownloaded" for p in told)
    _sweep(sharing, sent.share.expires_at + dt.timedelta(days=1))  # nothing twice
    assert [e.kind for e in history_of(sharing.db, sent.share)].count("expired") == 1


def test_the_case_keeps_its_attachment_when_the_share_is_purged(sharing: Sharing) -> None:
    attachment = sharing.attach()
    sent = sharing.send(attachment)
    user = sharing.office.caseworker
    management.revoke(sharing.db, sharing.office.actor(user), user, sharing.case, sent.share, "Sent in error")
    jobs.handle_purge(sharing.db, {"share_id": sent.share.id},
                      queue.JobContext(settings=sharing.settings, job_id=0, attempts=1))
    assert file_path(sharing.settings.files_dir, attachment.file_id).exists()
    assert sent.share.files_deleted_at is not None
