"""Signing in with an email address and password: the GOV.UK form, generic failures, lockout and audit."""

from __future__ import annotations

import datetime as dt

import time_machine
from argon2 import PasswordHasher
from sqlalchemy import update

from backoffice.staff import accounts
from backoffice.staff.accounts import StaffUser
from shared.db import utcnow
from tests.backoffice.staff.helpers import PASSWORD, actions, add_user, get_user, sign_in

GENERIC = "Enter a correct email address and password"


def test_sign_in_page_follows_the_govuk_pattern(client, check_page) -> None:
    response = client.get("/sign-in")
    check_page(response, title="Sign in")
    html = response.text
    assert "novalidate" in html
    assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html
    assert 'data-module="govuk-password-input"' in html
    assert 'data-prevent-double-click="true"' in html
    assert "Forgotten your password?" in html
    assert "Sign in with" not in html  # no single sign-on configured


def test_right_password_signs_in_and_is_audited(client, session_factory) -> None:
    user_id = add_user(session_factory, "cas@example.gov.uk")
    response = sign_in(client, "CAS@example.gov.uk ")
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert client.get("/sign-out-everywhere").status_code == 200
    [event] = actions(session_factory, "staff.signed_in")
    assert event.actor_id == str(user_id) and event.actor_label == "cas@example.gov.uk"
    assert event.detail == {"method": "password"} and event.ip == "testclient"


def test_wrong_password_and_unknown_account_get_the_same_generic_error(client, check_page, session_factory) -> None:
    add_user(session_factory, "cas@example.gov.uk")
    wrong = sign_in(client, "cas@example.gov.uk", "not the password at all")
    unknown = sign_in(client, "nobody@example.gov.uk", PASSWORD)
    for response in (wrong, unknown):
        page = check_page(response, status=422, title="Error: Sign in")
        assert GENERIC in response.text and 'href="#email"' in response.text
        assert "govuk-error-summary" in response.text and "govuk-error-message" in response.text
        assert page.title.startswith("Error: ")
    assert 'value="cas@example.gov.uk"' in wrong.text  # the email address is kept, the password never is
    assert "not the password at all" not in wrong.text
    reasons = sorted(e.detail["reason"] for e in actions(session_factory, "staff.sign_in_failed"))
    assert reasons == ["unknown_account", "wrong_password"]
    assert get_user(session_factory, "cas@example.gov.uk").failed_sign_ins == 1


def test_empty_and_malformed_fields_get_field_errors(client, check_page) -> None:
    empty = client.post("/sign-in", data={"csrf_token": _token(client), "email": "", "password": ""})
    check_page(empty, status=422, title="Error: Sign in")
    assert "Enter your email address" in empty.text and "Enter your password" in empty.text
    assert 'href="#password"' in empty.text
    bad = client.post("/sign-in", data={"csrf_token": _token(client), "email": "not-an-address", "password": "x"})
    assert "Enter an email address in the correct format, like name@example.com" in bad.text


def test_five_failures_lock_the_account_for_fifteen_minutes(client, check_page, session_factory) -> None:
    add_user(session_factory, "cas@example.gov.uk")
    start = utcnow()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            assert sign_in(client, "cas@example.gov.uk", "wrong password guess").status_code == 422
        locked = sign_in(client, "cas@example.gov.uk")  # the right password, but locked
        check_page(locked, status=422, title="Error: Sign in")
        assert GENERIC in locked.text  # nothing says the account is locked
    [lock] = actions(session_factory, "staff.locked_out")
    assert lock.detail["failures"] == 5
    assert get_user(session_factory, "cas@example.gov.uk").locked_until == start + dt.timedelta(minutes=15)
    assert actions(session_factory, "staff.sign_in_failed")[-1].detail["reason"] == "locked"
    with time_machine.travel(start + dt.timedelta(minutes=14), tick=False):
        assert sign_in(client, "cas@example.gov.uk").status_code == 422
    with time_machine.travel(start + dt.timedelta(minutes=15, seconds=1), tick=False):
        assert sign_in(client, "cas@example.gov.uk").status_code == 303
    user = get_user(session_factory, "cas@example.gov.uk")
    assert user.failed_sign_ins == 0 and user.locked_until is None


def test_a_success_resets_the_failure_count(client, session_factory) -> None:
    add_user(session_factory, "cas@example.gov.uk")
    for _ in range(4):
        sign_in(client, "cas@example.gov.uk", "wrong password guess")
    assert sign_in(client, "cas@example.gov.uk").status_code == 303
    assert get_user(session_factory, "cas@example.gov.uk").failed_sign_ins == 0


def test_deactivated_account_cannot_sign_in(client, check_page, session_factory) -> None:
    add_user(session_factory, "gone@example.gov.uk", active=False)
    response = sign_in(client, "gone@example.gov.uk")
    check_page(response, status=422)
    assert GENERIC in response.text
    assert actions(session_factory, "staff.sign_in_failed")[0].detail["reason"] == "deactivated"


def test_old_argon2_parameters_are_rehashed_on_sign_in(client, session_factory) -> None:
    add_user(session_factory, "cas@example.gov.uk")
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with session_factory() as session, session.begin():
        session.execute(update(StaffUser).values(password_hash=weak))
    assert accounts.needs_rehash(weak)
    assert sign_in(client, "cas@example.gov.uk").status_code == 303
    new_hash = get_user(session_factory, "cas@example.gov.uk").password_hash
    assert new_hash != weak and new_hash is not None and not accounts.needs_rehash(new_hash)
    assert accounts.password_matches(new_hash, PASSWORD)


def test_sign_in_is_rate_limited_per_address(client, check_page, session_factory) -> None:
    token = _token(client)
    for _ in range(20):
        client.post("/sign-in", data={"csrf_token": token, "email": "", "password": ""})
    limited = client.post("/sign-in", data={"csrf_token": token, "email": "a@example.gov.uk", "password": "x"})
    check_page(limited, status=429, title="Sorry, you have made too many requests")
    assert int(limited.headers["retry-after"]) > 0


def test_sign_in_is_rate_limited_per_email_address(client, check_page, session_factory, time_machine) -> None:
    # The limiter's windows are fixed (10 minutes): start at one's beginning, so a slow machine's eleven
    # attempts cannot straddle two windows and be counted as two short runs.
    time_machine.move_to(dt.datetime(2026, 3, 16, 12, 0, 1, tzinfo=dt.UTC))
    for _ in range(10):
        sign_in(client, "target@example.gov.uk", "guess")
    check_page(sign_in(client, "target@example.gov.uk", "guess"), status=429)


def _token(client) -> str:
    from tests.backoffice.staff.helpers import csrf_token

    return csrf_token(client)


def test_rate_limit_scale_raises_the_sign_in_limits(runtime) -> None:
    import dataclasses

    from shared.settings import load_settings

    assert load_settings({"DATA_DIR": str(runtime.settings.data_dir), "RATE_LIMIT_SCALE": "5"}).rate_limit_scale == 5
    assert dataclasses.replace(runtime.settings).rate_limit_scale == 1
