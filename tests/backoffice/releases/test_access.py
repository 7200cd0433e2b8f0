"""The requester's side in the domain: the email check and its limits, sessions, removal, downloads recorded."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from sqlalchemy import select

from backoffice.releases import access, management
from backoffice.releases.access import NotSignedIn, ShareGone
from backoffice.releases.history import history_of
from backoffice.releases.models import Share, ShareFile
from backoffice.releases.state import ShareStatus, status_of
from shared import jobs
from shared.db import utcnow
from shared.errors import NotFound
from tests.backoffice.releases.conftest import Sharing

DEVICE = "Firefox on Windows"


def _confirm(token: str, sharing: Sharing, email: str = "sam@example.com", ip: str = "192.0.2.1",
             now: dt.datetime | None = None) -> access.Confirmation:
    return access.confirm_email(sharing.db, token, email, ip=ip, device=DEVICE, now=now)


def _kinds(sharing: Sharing, share: Share) -> list[str]:
    return [e.kind for e in reversed(history_of(sharing.db, share))]


def test_the_right_address_in_any_case_signs_in(sharing: Sharing) -> None:
    sent = sharing.send()
    result = _confirm(sent.token, sharing, " SAM@Example.com ")
    assert result.ok and result.session_token
    page = access.signed_in(sharing.db, sent.token, result.session_token)
    assert page.reference == sharing.case.reference and [f.name for f in page.files] == ["letter.txt"]
    assert page.time_left == "You have 30 days left to download your documents"
    assert status_of(sent.share) == ShareStatus.OPENED
    assert _kinds(sharing, sent.share) == ["sent", "email_confirmed", "signed_in"]


def test_unknown_and_malformed_tokens_find_nothing(sharing: Sharing) -> None:
    sharing.send()
    for token in ("", "short", "x" * 43, "../../etc/passwd" + "a" * 27):
        with pytest.raises(NotFound):
            access.landing(sharing.db, token)


def test_five_wrong_tries_in_15_minutes_then_429(sharing: Sharing) -> None:
    sent = sharing.send()
    results = [_confirm(sent.token, sharing, "someone@example.com") for _ in range(5)]
    assert [r.error for r in results] == [access.WRONG_EMAIL] * 5
    refused = _confirm(sent.token, sharing)  # the sixth, even with the right address, waits
    assert not refused.ok and refused.retry_after is not None and 0 < refused.retry_after <= 900
    assert _kinds(sharing, sent.share).count("confirmation_failed") == 5
    assert _kinds(sharing, sent.share)[-1] == "confirmation_refused"


def test_the_per_share_window_passes(sharing: Sharing) -> None:
    sent = sharing.send()
    start = utcnow()
    for _ in range(5):
        _confirm(sent.token, sharing, "someone@example.com", now=start)
    assert _confirm(sent.token, sharing, now=start + dt.timedelta(minutes=16)).ok


def test_twenty_wrong_tries_an_hour_from_one_address_across_shares(sharing: Sharing) -> None:
    tokens = [sharing.send().token for _ in range(5)]
    start = utcnow()
    results = [_confirm(token, sharing, "x@example.com", ip="198.51.100.7", now=start + dt.timedelta(seconds=i))
               for i, token in enumerate(t for t in tokens for _ in range(4))]
    assert all(r.retry_after is None for r in results)
    fresh = sharing.send().token
    assert _confirm(fresh, sharing, ip="198.51.100.7", now=start + dt.timedelta(minutes=1)).retry_after
    assert _confirm(fresh, sharing, ip="203.0.113.9", now=start + dt.timedelta(minutes=1)).ok


def test_ten_wrong_in_a_row_lock_until_a_caseworker_unlocks(sharing: Sharing) -> None:
    sent = sharing.send()
    start = utcnow()
    for i in range(10):  # spread past the 15-minute window so the lock, not the rate limit, decides
        result = _confirm(sent.token, sharing, "x@example.com", ip=f"192.0.2.{i}",
                          now=start + dt.timedelta(minutes=16 * (i // 4)))
    assert result.locked and sent.share.locked_at is not None
    assert _confirm(sent.token, sharing, now=start + dt.timedelta(hours=3)).locked
    assert "locked" in _kinds(sharing, sent.share)
    owner_told = sharing.db.scalars(select(jobs.Job).where(jobs.Job.kind == "backoffice.notifications.send"))
    assert any(j.payload["notice"] == "share_locked" for j in owner_told)
    user = sharing.office.caseworker
    management.unlock(sharing.db, sharing.office.actor(user), user, sharing.case, sent.share)
    assert sent.share.failures_in_row == 0
    assert _confirm(sent.token, sharing, now=start + dt.timedelta(hours=3)).ok


def test_a_success_resets_the_run_of_failures(sharing: Sharing) -> None:
    sent = sharing.send()
    start = utcnow()
    for _ in range(3):
        _confirm(sent.token, sharing, "x@example.com", now=start)
    assert _confirm(sent.token, sharing, now=start).ok and sent.share.failures_in_row == 0


def test_sign_out_ends_the_session(sharing: Sharing) -> None:
    sent = sharing.send()
    session_token = _confirm(sent.token, sharing).session_token
    assert session_token
    access.sign_out(sharing.db, sent.token, session_token, DEVICE)
    with pytest.raises(NotSignedIn):
        access.signed_in(sharing.db, sent.token, session_token)
    assert _kinds(sharing, sent.share)[-1] == "signed_out"


def test_a_session_lasts_12_hours_at_most_and_never_past_expiry(sharing: Sharing) -> None:
    sent = sharing.send(days=1)
    start = utcnow()
    session_token = _confirm(sent.token, sharing, now=start).session_token
    assert session_token
    assert access.signed_in(sharing.db, sent.token, session_token, now=start + dt.timedelta(hours=11, minutes=59))
    with pytest.raises(NotSignedIn):
        access.signed_in(sharing.db, sent.token, session_token, now=start + dt.timedelta(hours=12))
    late = _confirm(sent.token, sharing, now=sent.share.expires_at - dt.timedelta(hours=1)).session_token
    assert late
    with pytest.raises(ShareGone):
        access.signed_in(sharing.db, sent.token, late, now=sent.share.expires_at)


def test_another_shares_session_opens_nothing_here(sharing: Sharing) -> None:
    first, second = sharing.send(), sharing.send()
    session_token = _confirm(first.token, sharing).session_token
    assert session_token
    with pytest.raises(NotSignedIn):
        access.signed_in(sharing.db, second.token, session_token)


def test_expiry_one_second_before_and_at(sharing: Sharing) -> None:
    sent = sharing.send(days=2)
    with time_machine.travel(sent.share.expires_at - dt.timedelta(seconds=1), tick=False):
        assert access.landing(sharing.db, sent.token).reference == sharing.case.reference
    with time_machine.travel(sent.share.expires_at, tick=False), pytest.raises(ShareGone) as gone:
        access.landing(sharing.db, sent.token)
    assert gone.value.status == 410 and gone.value.ended.reference == sharing.case.reference
    assert "time to download them ended" in gone.value.ended.why


def test_removal_is_for_good_and_the_owner_is_told(sharing: Sharing) -> None:
    sent = sharing.send()
    session_token = _confirm(sent.token, sharing).session_token
    assert session_token
    ended = access.remove_documents(sharing.db, sent.token, session_token, DEVICE)
    assert ended.why == "removed at your request"
    with pytest.raises(ShareGone):
        access.landing(sharing.db, sent.token)
    assert status_of(sent.share) == ShareStatus.REMOVED
    kinds = {j.kind: j.payload for j in sharing.db.scalars(select(jobs.Job))}
    assert kinds["backoffice.releases.purge"] == {"share_id": sent.share.id}


def test_a_complete_download_counts_a_stopped_one_does_not(sharing: Sharing) -> None:
    sent = sharing.send(sharing.attach("a.txt"), sharing.attach("b.txt"))
    session_token = _confirm(sent.token, sharing).session_token
    assert session_token
    files = access.files_to_download(sharing.db, sent.token, session_token)
    assert [f.name for f in files] == ["a.txt", "b.txt"]
    access.record_download(sharing.db, sent.share.id, files[0].share_file_id, bytes_sent=3 * 1024 * 1024,
                           complete=False, device=DEVICE)
    assert status_of(sent.share) == ShareStatus.OPENED
    access.record_download(sharing.db, sent.share.id, files[0].share_file_id, bytes_sent=files[0].size,
                           complete=True, device=DEVICE)
    assert status_of(sent.share) == ShareStatus.DOWNLOADED
    lines = [e.what for e in history_of(sharing.db, sent.share)]
    assert "Download of a.txt stopped at 3.0 MB" in lines and "Downloaded a.txt" in lines
    item = sharing.db.get(ShareFile, files[1].share_file_id)
    assert item is not None and item.first_downloaded_at is None


def test_a_file_of_another_share_is_not_found(sharing: Sharing) -> None:
    first, second = sharing.send(), sharing.send()
    session_token = _confirm(first.token, sharing).session_token
    assert session_token
    other = sharing.db.scalar(select(ShareFile.id).where(ShareFile.share_id == second.share.id))
    assert other is not None
    with pytest.raises(NotFound):
        access.file_to_download(sharing.db, first.token, session_token, other)
