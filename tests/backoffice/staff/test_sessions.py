"""Server-side sessions: fixation, sign out, sign out everywhere, deactivation and timeouts."""

from __future__ import annotations

import datetime as dt

import time_machine
from sqlalchemy import select, update
from starlette.testclient import TestClient

from backoffice.staff.accounts import StaffUser
from backoffice.staff.sessions import StaffSession
from backoffice.staff.tokens import digest
from shared.db import utcnow
from tests.backoffice.staff.helpers import PASSWORD, actions, add_user, csrf_token, get_user, sign_in

COOKIE = "civic_backoffice"
PROTECTED = "/sign-out-everywhere"


def _signed_in(client: TestClient) -> bool:
    response = client.get(PROTECTED, follow_redirects=False)
    if response.status_code == 303:
        assert response.headers["location"].startswith("/sign-in?next=")
        return False
    assert response.status_code == 200
    return True


def test_session_cookie_and_csrf_token_change_on_sign_in(client, session_factory) -> None:
    add_user(session_factory, "cas@example.gov.uk")
    before_token = csrf_token(client)
    planted = client.cookies[COOKIE]  # what an attacker could have fixed in the browser beforehand
    assert sign_in(client, "cas@example.gov.uk").status_code == 303
    assert client.cookies[COOKIE] != planted
    assert csrf_token(client, PROTECTED) != before_token
    attacker = TestClient(client.app, raise_server_exceptions=False)
    attacker.cookies.set(COOKIE, planted)
    assert not _signed_in(attacker)
    assert _signed_in(client)


def test_only_a_digest_of_the_token_is_stored(client, session_factory) -> None:
    add_user(session_factory, "cas@example.gov.uk")
    sign_in(client, "cas@example.gov.uk", next_path="/")
    with session_factory() as session:
        row = session.scalars(select(StaffSession)).one()
    assert len(row.token_hash) == 64 and row.ip == "testclient" and row.user_agent == "testclient"
    assert row.expires_at - row.created_at == dt.timedelta(hours=12)
    assert client.cookies[COOKIE] and row.token_hash != digest(client.cookies[COOKIE])


def test_sign_out_revokes_this_session_only(client, check_page, session_factory) -> None:
    add_user(session_factory, "cas@example.gov.uk")
    other = TestClient(client.app, raise_server_exceptions=False)
    sign_in(client, "cas@example.gov.uk")
    sign_in(other, "cas@example.gov.uk")
    token = csrf_token(client, PROTECTED)
    response = client.post("/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/signed-out"
    check_page(client.get("/signed-out"), title="You have signed out")
    assert not _signed_in(client)
    assert _signed_in(other)
    assert len(actions(session_factory, "staff.signed_out")) == 1


def test_sign_out_needs_the_csrf_token(client, check_page, session_factory) -> None:
    add_user(session_factory, "cas@example.gov.uk")
    sign_in(client, "cas@example.gov.uk")
    check_page(client.post("/sign-out", data={}), status=400)
    assert _signed_in(client)


def test_sign_out_everywhere_ends_every_session(client, check_page, session_factory) -> None:
    add_user(session_factory, "cas@example.gov.uk")
    other = TestClient(client.app, raise_server_exceptions=False)
    sign_in(client, "cas@example.gov.uk")
    sign_in(other, "cas@example.gov.uk")
    page = client.get(PROTECTED)
    check_page(page, title="Sign out everywhere")
    assert "cas@example.gov.uk" in page.text
    token = csrf_token(client, PROTECTED)
    assert client.post(PROTECTED, data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert not _signed_in(client)
    assert not _signed_in(other)
    assert get_user(session_factory, "cas@example.gov.uk").session_generation == 1
    [event] = actions(session_factory, "staff.sessions_revoked")
    assert event.detail == {"reason": "signed out everywhere", "sessions": 2}


def test_deactivating_an_account_ends_its_sessions(client, session_factory) -> None:
    add_user(session_factory, "cas@example.gov.uk")
    sign_in(client, "cas@example.gov.uk")
    assert _signed_in(client)
    with session_factory() as session, session.begin():
        session.execute(update(StaffUser).values(active=False))
    assert not _signed_in(client)


def test_idle_and_absolute_timeouts(client, session_factory) -> None:
    add_user(session_factory, "cas@example.gov.uk")
    start = utcnow()
    with time_machine.travel(start, tick=False):
        sign_in(client, "cas@example.gov.uk")
    with time_machine.travel(start + dt.timedelta(minutes=59), tick=False):
        assert _signed_in(client)  # and this request counts as activity
    with time_machine.travel(start + dt.timedelta(minutes=59 + 61), tick=False):
        assert not _signed_in(client)
    with time_machine.travel(start, tick=False):
        sign_in(client, "cas@example.gov.uk")
    for step in range(1, 15):  # busy all day: every 50 minutes
        with time_machine.travel(start + step * dt.timedelta(minutes=50), tick=False):
            assert _signed_in(client) == (step * 50 < 12 * 60), step


def test_signing_in_again_ends_the_previous_session(client, session_factory) -> None:
    add_user(session_factory, "cas@example.gov.uk")
    add_user(session_factory, "mo@example.gov.uk")
    sign_in(client, "cas@example.gov.uk")
    assert client.get("/sign-in", follow_redirects=False).headers["location"] == "/"  # already signed in
    token = csrf_token(client, PROTECTED)  # a shared computer: the next person signs in over the old session
    response = client.post("/sign-in", data={"csrf_token": token, "email": "mo@example.gov.uk",
                                             "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 303
    assert "mo@example.gov.uk" in client.get(PROTECTED).text
    with session_factory() as session:
        rows = {row.user_id: row for row in session.scalars(select(StaffSession))}
    cas = get_user(session_factory, "cas@example.gov.uk")
    assert rows[cas.id].revoked_at is not None


def test_sign_out_partial_posts_with_the_csrf_token(client) -> None:
    template = client.app.state.templates.env.get_template("backoffice/staff/_sign_out.html")
    html = template.render(path_for=lambda name: {"staff-sign-out": "/backoffice/sign-out"}[name], csrf_token="tok")
    assert 'action="/backoffice/sign-out"' in html and 'method="post"' in html
    assert 'name="csrf_token" value="tok"' in html and 'data-prevent-double-click="true"' in html


def test_public_pages_that_read_the_session_survive_an_idle_minute(runtime, session_factory) -> None:
    """The start page and the sign-in page look the session up in a read-only GET: looking must not write.

    Only the staff access policy (whose GETs are write transactions) refreshes ``last_seen_at``.
    """
    from backoffice.staff.sessions import TOUCH_INTERVAL
    from backoffice.web import create_app

    add_user(session_factory, "cas@example.gov.uk")
    client = TestClient(create_app(runtime), raise_server_exceptions=False)
    start = utcnow()
    with time_machine.travel(start, tick=False):
        sign_in(client, "cas@example.gov.uk")
    later = start + TOUCH_INTERVAL + dt.timedelta(seconds=2)
    with time_machine.travel(later, tick=False):
        home = client.get("/", follow_redirects=False)
        assert home.status_code == 303 and home.headers["location"] == "/cases/mine", home.text[:300]
        again = client.get("/sign-in", follow_redirects=False)
        assert again.status_code == 303 and again.headers["location"] == "/", again.text[:300]
        with session_factory() as session:
            assert session.scalars(select(StaffSession)).one().last_seen_at == start  # only looked at
        assert _signed_in(client)  # behind the staff policy: this is what counts as activity
        with session_factory() as session:
            assert session.scalars(select(StaffSession)).one().last_seen_at == later
