"""Forgotten password: emailed single-use links, no account enumeration, rate limits."""

from __future__ import annotations

import datetime as dt
import re
import threading

import time_machine
from sqlalchemy import select
from starlette.testclient import TestClient

from backoffice.staff.accounts import password_matches
from backoffice.staff.password_reset import request_reset
from shared.db import utcnow
from shared.mail import OutboxMessage
from tests.backoffice.staff.helpers import PASSWORD, SYSTEM, actions, add_user, csrf_token, get_user, sign_in
from tests.factories import recording

NEW_PASSWORD = "a brand new long passphrase"
LINK = re.compile(r"http://testserver/backoffice(/password/new\?token=[A-Za-z0-9_-]+)")


def _ask(client: TestClient, email: str):
    token = csrf_token(client, "/password/forgotten")
    return client.post("/password/forgotten", data={"csrf_token": token, "email": email}, follow_redirects=False)


def _outbox(factory) -> list[OutboxMessage]:
    with factory() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _link(factory) -> str:
    match = LINK.search(_outbox(factory)[-1].body_text)
    assert match, _outbox(factory)[-1].body_text
    return match.group(1)


def _set(client: TestClient, link: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    token = link.split("token=", 1)[1]
    data = {"csrf_token": csrf_token(client, "/password/forgotten"), "token": token, "password": password,
            "confirm_password": password if confirm is None else confirm}
    return client.post("/password/new", data=data, follow_redirects=False)


def test_forgotten_password_pages(client, check_page) -> None:
    form = client.get("/password/forgotten")
    check_page(form, title="Reset your password")
    assert 'autocomplete="email"' in form.text and "novalidate" in form.text
    empty = client.post("/password/forgotten", data={"csrf_token": csrf_token(client, "/password/forgotten")})
    check_page(empty, status=422, title="Error: Reset your password")
    assert "Enter your email address" in empty.text


def test_known_address_gets_a_base_url_link_by_email(client, check_page, session_factory) -> None:
    user_id = add_user(session_factory, "cas@example.gov.uk")
    response = _ask(client, "Cas@Example.gov.uk")
    assert response.status_code == 303 and response.headers["location"] == "/password/check-your-email"
    check_page(client.get("/password/check-your-email"), title="Check your email")
    [message] = _outbox(session_factory)
    assert message.to_address == "cas@example.gov.uk" and message.related_id == str(user_id)
    assert "Reset your" in message.subject and LINK.search(message.body_text)
    assert actions(session_factory, "staff.password_reset_requested")[0].detail == {"sent": True}


def test_unknown_address_gets_the_same_page_and_no_email(client, session_factory) -> None:
    add_user(session_factory, "gone@example.gov.uk", active=False)
    for email in ("nobody@example.gov.uk", "gone@example.gov.uk"):
        response = _ask(client, email)
        assert response.status_code == 303 and response.headers["location"] == "/password/check-your-email"
    assert _outbox(session_factory) == []


def test_opening_the_link_does_not_use_it_submitting_does(client, check_page, session_factory) -> None:
    add_user(session_factory, "cas@example.gov.uk")
    _ask(client, "cas@example.gov.uk")
    link = _link(session_factory)
    for _ in range(2):  # a mail scanner, then the person
        page = client.get(link)
        check_page(page, title="Choose a new password")
        assert page.text.count('autocomplete="new-password"') == 2
    done = _set(client, link)
    assert done.status_code == 303 and done.headers["location"] == "/password/changed"
    check_page(client.get("/password/changed"), title="Your password has been changed")
    check_page(client.get(link), status=410, title="This link has expired")
    again = _set(client, link, "yet another long passphrase")
    check_page(again, status=410, title="This link has expired")
    assert "Ask for a new link" in again.text
    assert sign_in(client, "cas@example.gov.uk", NEW_PASSWORD).status_code == 303
    assert actions(session_factory, "staff.password_reset")
    assert "has been changed" in _outbox(session_factory)[-1].subject


def test_reset_ends_sessions_and_unlocks(client, session_factory) -> None:
    add_user(session_factory, "cas@example.gov.uk")
    elsewhere = TestClient(client.app, raise_server_exceptions=False)
    sign_in(elsewhere, "cas@example.gov.uk")
    for _ in range(5):
        sign_in(client, "cas@example.gov.uk", "wrong password guess")
    assert get_user(session_factory, "cas@example.gov.uk").locked_until is not None
    _ask(client, "cas@example.gov.uk")
    assert _set(client, _link(session_factory)).status_code == 303
    assert elsewhere.get("/sign-out-everywhere", follow_redirects=False).status_code == 303
    assert sign_in(client, "cas@example.gov.uk", NEW_PASSWORD).status_code == 303
    assert sign_in(TestClient(client.app), "cas@example.gov.uk", PASSWORD).status_code == 422


def test_new_password_rules(client, check_page, session_factory) -> None:
    add_user(session_factory, "longenoughname@example.gov.uk")
    _ask(client, "longenoughname@example.gov.uk")
    link = _link(session_factory)
    cases = [
        ("short", None, "Password must be 12 characters or more"),
        ("longenoughname@example.gov.uk", None, "Password must not be your email address"),
        ("LongEnoughName", None, "Password must not be your email address"),
        (NEW_PASSWORD, "something else entirely", "Passwords must match"),
        ("", None, "Enter a new password"),
    ]
    for password, confirm, message in cases:
        response = _set(client, link, password, confirm)
        check_page(response, status=422, title="Error: Choose a new password")
        assert message in response.text
    assert _set(client, link).status_code == 303  # the failed attempts did not use the link up


def test_expired_forged_and_replaced_links_are_refused(client, check_page, session_factory) -> None:
    add_user(session_factory, "cas@example.gov.uk")
    start = utcnow()
    with time_machine.travel(start, tick=False):
        _ask(client, "cas@example.gov.uk")
    first = _link(session_factory)
    with time_machine.travel(start + dt.timedelta(minutes=59), tick=False):
        check_page(client.get(first), title="Choose a new password")
    with time_machine.travel(start + dt.timedelta(minutes=61), tick=False):
        check_page(client.get(first), status=410, title="This link has expired")
        assert _set(client, first).status_code == 410
    _ask(client, "cas@example.gov.uk")
    _ask(client, "cas@example.gov.uk")
    replaced, newest = (LINK.search(m.body_text).group(1) for m in _outbox(session_factory)[-2:])  # type: ignore[union-attr]
    assert client.get(replaced).status_code == 410
    assert client.get(newest).status_code == 200
    check_page(client.get("/password/new?token=forged"), status=410)
    check_page(client.get("/password/new"), status=410)


def test_asking_is_rate_limited_per_email(client, check_page, session_factory) -> None:
    add_user(session_factory, "cas@example.gov.uk")
    for _ in range(3):
        assert _ask(client, "cas@example.gov.uk").status_code == 303
    check_page(_ask(client, "cas@example.gov.uk"), status=429, title="Sorry, you have made too many requests")
    assert len(_outbox(session_factory)) == 3


def test_asking_is_rate_limited_per_address(client, check_page) -> None:
    for n in range(10):
        assert _ask(client, f"person{n}@example.gov.uk").status_code == 303
    check_page(_ask(client, "person99@example.gov.uk"), status=429)


def test_two_simultaneous_uses_of_one_link_set_one_password(runtime, session_factory) -> None:
    """Two browsers submit the same link at once: exactly one new password stands, the other use is refused.

    On PostgreSQL both transactions are held until each has read the link, so that neither sees the
    other's use: only a conditional update tells them apart. (SQLite queues writers before they read,
    so there the second simply starts after the first.)
    """
    from sqlalchemy import event

    from backoffice.staff.password_reset import ResetLinkInvalid, reset_password
    from shared.db import is_postgres
    from shared.errors import DomainError

    add_user(session_factory, "cas@example.gov.uk")
    tokens: list[str] = []
    with session_factory() as session, session.begin():
        request_reset(session, "cas@example.gov.uk", link_for=recording(tokens),
                      origin=SYSTEM, service_name="Case management")
    both_have_read = threading.Barrier(2, timeout=10)
    waited = threading.local()

    def hold_after_reading_the_link(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "staff_password_reset_tokens" in statement \
                and not getattr(waited, "done", False):
            waited.done = True
            both_have_read.wait()

    outcomes: list[str] = []

    def use(password: str) -> None:
        try:
            with session_factory() as session, session.begin():
                reset_password(session, tokens[0], password, password, origin=SYSTEM, service_name="Case management")
            outcomes.append(password)
        except ResetLinkInvalid:
            outcomes.append("refused")
        except DomainError as exc:  # a different refusal: shown in the assertion below
            outcomes.append(repr(exc))

    racing = is_postgres(runtime.engine)
    if racing:
        event.listen(runtime.engine, "after_cursor_execute", hold_after_reading_the_link)
    try:
        threads = [threading.Thread(target=use, args=(password,))
                   for password in ("first long new passphrase", "second long new passphrase")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        if racing:
            event.remove(runtime.engine, "after_cursor_execute", hold_after_reading_the_link)
    assert len(outcomes) == 2 and outcomes.count("refused") == 1, outcomes
    [winner] = [outcome for outcome in outcomes if outcome != "refused"]
    assert password_matches(get_user(session_factory, "cas@example.gov.uk").password_hash, winner)
    assert len(actions(session_factory, "staff.password_reset")) == 1
    assert [m.subject for m in _outbox(session_factory)].count("Your Case management password has been changed") == 1
