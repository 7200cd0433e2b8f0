"""What a caseworker does after sending: resend, extend, revoke, unlock, and what the case page reads."""

from __future__ import annotations

import pytest

from backoffice.releases import access, management
from backoffice.releases.access import ShareGone
from backoffice.releases.state import ShareStatus
from shared.errors import Conflict, InvalidInput
from tests.backoffice.releases.conftest import Sharing


def test_resend_kills_the_old_link_and_its_sessions(sharing: Sharing) -> None:
    sent = sharing.send()
    session_token = access.confirm_email(sharing.db, sent.token, "sam@example.com", ip="192.0.2.1",
                                         device="").session_token
    assert session_token
    user = sharing.office.caseworker
    new = management.resend(sharing.db, sharing.settings, sharing.office.actor(user), user, sharing.case, sent.share)
    assert new != sent.token
    with pytest.raises(Exception, match="no documents"):
        access.landing(sharing.db, sent.token)
    with pytest.raises(access.NotSignedIn):
        access.signed_in(sharing.db, new, session_token)
    assert new in sharing.emails_to("sam@example.com")[-1].body_text


def test_extend_needs_a_reason_and_emails_the_new_date(sharing: Sharing) -> None:
    sent = sharing.send(days=10)
    user = sharing.office.caseworker
    before = sent.share.expires_at
    with pytest.raises(InvalidInput, match="reason"):
        management.extend(sharing.db, sharing.settings, sharing.office.actor(user), user, sharing.case, sent.share,
                          7, " ")
    management.extend(sharing.db, sharing.settings, sharing.office.actor(user), user, sharing.case, sent.share, 7,
                      "They asked for more time")
    assert (sent.share.expires_at - before).days == 7
    assert "More time to download" in sharing.emails_to("sam@example.com")[-1].subject


def test_revoke_is_immediate_and_final(sharing: Sharing) -> None:
    sent = sharing.send()
    user = sharing.office.caseworker
    management.revoke(sharing.db, sharing.office.actor(user), user, sharing.case, sent.share, "Wrong file")
    with pytest.raises(ShareGone) as gone:
        access.landing(sharing.db, sent.token)
    assert gone.value.ended.why == "withdrawn"
    with pytest.raises(Conflict):
        management.revoke(sharing.db, sharing.office.actor(user), user, sharing.case, sent.share, "Again")
    [summary] = management.shares_of(sharing.db, user, sharing.case)
    assert summary.status == ShareStatus.REVOKED and not summary.live
    assert any("Wrong file" in entry.what for entry in summary.history)


def test_unlock_refuses_a_share_that_is_not_locked(sharing: Sharing) -> None:
    sent = sharing.send()
    user = sharing.office.caseworker
    with pytest.raises(Conflict, match="not locked"):
        management.unlock(sharing.db, sharing.office.actor(user), user, sharing.case, sent.share)


def test_a_closed_case_can_still_revoke(sharing: Sharing) -> None:
    sent = sharing.send()
    closed = next(s for s in sharing.case.case_type.statuses if s.kind == "closed")
    sharing.case.status_id, sharing.case.status = closed.id, closed
    sharing.db.flush()
    user = sharing.office.caseworker
    management.revoke(sharing.db, sharing.office.actor(user), user, sharing.case, sent.share, "Closed in error")
    assert sent.share.revoked_at is not None
