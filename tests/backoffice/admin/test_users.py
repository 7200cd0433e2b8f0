"""Staff accounts: creating them within the allowed domains, roles, and deactivation ending every session."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.staff.accounts import Role, StaffUser, create_user, password_matches
from shared.mail.models import OutboxMessage
from tests.backoffice.admin.conftest import SYSTEM, actions

PASSWORD = "a long enough initial password"


def _user(office, email: str) -> StaffUser | None:
    with office.factory() as session:
        return session.scalar(select(StaffUser).where(StaffUser.email == email))


def test_an_account_is_created_with_an_initial_password(admin, office, check_page) -> None:
    response = admin.post("/admin/users/new", {"name": "Pat Lee", "email": "Pat.Lee@example.gov.uk",
                                               "role": "caseworker", "setup": "password", "password": PASSWORD})
    assert response.status_code == 303
    user = _user(office, "pat.lee@example.gov.uk")
    assert user is not None and user.role == "caseworker" and password_matches(user.password_hash, PASSWORD)
    check_page(admin.get(response.headers["location"]), title="Pat Lee")
    listing = admin.get("/admin/users")
    check_page(listing)
    assert "pat.lee@example.gov.uk" in listing.text


def test_an_account_can_be_sent_a_set_password_email(admin, office, check_page) -> None:
    response = admin.post("/admin/users/new", {"name": "Sam Roe", "email": "sam.roe@example.gov.uk",
                                               "role": "manager", "setup": "email"})
    assert response.status_code == 303 and response.headers["location"].endswith("?email=sent")
    page = admin.get(response.headers["location"])
    check_page(page)
    assert "An email with a link to set a password has been sent to sam.roe@example.gov.uk" in page.text
    with office.factory() as session:
        message = session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "sam.roe@example.gov.uk"))
        assert message is not None and "/password/new?token=" in message.body_text
    user = _user(office, "sam.roe@example.gov.uk")
    assert user is not None and user.password_hash is None


def test_an_address_outside_the_allowed_domains_is_refused(admin, office, check_page) -> None:
    response = admin.post("/admin/users/new", {"name": "Eve", "email": "eve@gmail.com", "role": "administrator",
                                               "setup": "password", "password": PASSWORD})
    check_page(response, status=422, title="Error: Create an account")
    assert "Enter an email address from one of the organisation&#39;s staff email domains" in response.text
    assert 'value="eve@gmail.com"' in response.text and PASSWORD not in response.text
    assert _user(office, "eve@gmail.com") is None


def test_every_missing_answer_is_reported(admin, office, check_page) -> None:
    response = admin.post("/admin/users/new", {"name": "", "email": "", "role": "", "setup": ""})
    check_page(response, status=422)
    for message in ("Enter the person&#39;s name", "Enter an email address in the correct format",
                    "Select a role", "Select how the person will get their password"):
        assert message in response.text
    duplicate = admin.post("/admin/users/new", {"name": "Again", "email": "caseworker@example.gov.uk",
                                                "role": "caseworker", "setup": "email"})
    check_page(duplicate, status=422)
    assert "An account for caseworker@example.gov.uk already exists" in duplicate.text


def test_a_role_is_changed_but_the_last_administrator_stays(admin, browser, office, check_page) -> None:
    caseworker = office.ids[Role.CASEWORKER]
    assert admin.post(f"/admin/users/{caseworker}/role", {"role": "manager"}).status_code == 303
    check_page(browser(user_id=caseworker).get("/cases/export"), title="Export cases")
    assert actions(office.factory, "staff_user.role_changed")
    refused = admin.post(f"/admin/users/{office.ids[Role.ADMINISTRATOR]}/role", {"role": "caseworker"})
    check_page(refused, status=422, title="Error:")
    assert "Make someone else an administrator" in refused.text


def test_deactivating_ends_the_persons_sessions(admin, browser, office, check_page) -> None:
    with office.factory() as session, session.begin():
        other_id = create_user(session, SYSTEM, email="second.admin@example.gov.uk", name="Second Admin",
                               role=Role.ADMINISTRATOR, password=None).id
    other = browser(user_id=other_id)
    check_page(other.get("/admin"))
    assert admin.post(f"/admin/users/{other_id}/active", {"active": "no"}).status_code == 303
    bounced = other.get("/admin", follow_redirects=False)
    assert bounced.status_code == 303 and bounced.headers["location"].startswith("/sign-in")
    assert [e.detail["reason"] for e in actions(office.factory, "staff.sessions_revoked")] == ["account deactivated"]
    page = admin.get(f"/admin/users/{other_id}")
    check_page(page)
    assert "Reactivate account" in page.text
    assert admin.post(f"/admin/users/{other_id}/active", {"active": "yes"}).status_code == 303
    user = _user(office, "second.admin@example.gov.uk")
    assert user is not None and user.active
    assert other.get("/admin", follow_redirects=False).status_code == 303  # old sessions stay ended


def test_an_administrator_cannot_deactivate_themselves(admin, office, check_page) -> None:
    response = admin.post(f"/admin/users/{office.ids[Role.ADMINISTRATOR]}/active", {"active": "no"})
    check_page(response, status=422)
    assert "Ask another administrator to deactivate your account" in response.text
    check_page(admin.get("/admin"))
