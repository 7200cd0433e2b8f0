"""The staff access policy on a probe app: redirect to sign in, 403 for other roles, 200 for the right ones."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from backoffice.staff.access import at_least, signed_in
from backoffice.staff.accounts import Role
from backoffice.staff.web.redirects import safe_next
from tests.backoffice.staff.helpers import add_user, csrf_token, sign_in


def test_policy_names_say_which_roles(runtime) -> None:
    assert signed_in(Role.MANAGER, Role.CASEWORKER).name == "staff:caseworker,manager"
    assert signed_in().name == "staff:any"
    assert at_least(Role.CASEWORKER) == (Role.CASEWORKER, Role.MANAGER, Role.ADMINISTRATOR)
    assert at_least(Role.READ_ONLY) == tuple(Role.__members__[n] for n in ("READ_ONLY", "CASEWORKER", "MANAGER", "ADMINISTRATOR"))


def test_anonymous_get_is_sent_to_sign_in_and_back(probe, session_factory) -> None:
    add_user(session_factory, "cas@example.gov.uk", Role.CASEWORKER)
    response = probe.get("/cases?page=2&sort=due", follow_redirects=False)
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.path == "/sign-in"
    assert parse_qs(location.query) == {"next": ["/cases?page=2&sort=due"]}
    form = probe.get(response.headers["location"])
    assert 'name="next" value="/cases?page=2&amp;sort=due"' in form.text
    signed = sign_in(probe, "cas@example.gov.uk", next_path="/cases?page=2&sort=due")
    assert signed.status_code == 303 and signed.headers["location"] == "/cases?page=2&sort=due"
    assert probe.get("/cases").text == "hello cas@example.gov.uk (caseworker)"


def test_anonymous_post_is_sent_to_sign_in_without_next(probe) -> None:
    token = csrf_token(probe)
    response = probe.post("/cases/1/close", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/sign-in"


def test_wrong_role_gets_the_403_page(probe, check_page, session_factory) -> None:
    add_user(session_factory, "rae@example.gov.uk", Role.READ_ONLY)
    sign_in(probe, "rae@example.gov.uk")
    for path in ("/cases", "/admin", "/reports"):
        check_page(probe.get(path), status=403, title="You do not have permission to see this page")


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.ADMINISTRATOR, {"/admin", "/reports"}),
        (Role.MANAGER, {"/cases", "/reports"}),
        (Role.CASEWORKER, {"/cases"}),
    ],
)
def test_each_role_reaches_exactly_its_pages(probe, session_factory, role, allowed) -> None:
    add_user(session_factory, "someone@example.gov.uk", role)
    sign_in(probe, "someone@example.gov.uk")
    for path in ("/cases", "/admin", "/reports"):
        response = probe.get(path)
        assert response.status_code == (200 if path in allowed else 403), path
        if path in allowed:
            assert response.text == f"hello someone@example.gov.uk ({role.value})"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/cases", "/\\evil.example", "http:/evil", "javascript:alert(1)",
     "/cases\r\nSet-Cookie: x=1", "cases"],
)
def test_next_never_leaves_the_app(probe, session_factory, target) -> None:
    add_user(session_factory, "cas@example.gov.uk")
    response = sign_in(probe, "cas@example.gov.uk", next_path=target)
    assert response.status_code == 303 and response.headers["location"] == "/"
    from_get = probe.get("/sign-in", params={"next": target}, follow_redirects=False)
    assert from_get.headers["location"] == "/"  # already signed in: still not sent anywhere else


def test_safe_next_keeps_to_the_mount() -> None:
    assert safe_next("/backoffice/cases/1?tab=notes", "/backoffice") == "/backoffice/cases/1?tab=notes"
    assert safe_next("/backoffice", "/backoffice") == "/backoffice"
    assert safe_next("/capture/", "/backoffice") is None
    assert safe_next("/backofficeevil", "/backoffice") is None
    assert safe_next("/%2F%2Fevil.example", "") == "/%2F%2Fevil.example"  # still a local path
    assert safe_next(None, "") is None and safe_next("", "") is None
