"""Every administration page renders for those allowed, refuses other roles (403) and sends strangers to sign in."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from backoffice.staff.accounts import Role
from tests.backoffice.admin.conftest import Office


def admin_pages(office: Office) -> list[tuple[str, str]]:
    return [
        ("/admin", "Administration"),
        ("/admin/case-types", "Case types"),
        (f"/admin/case-types/{office.foi_id}", "Freedom of Information request"),
        ("/admin/groups", "Groups"),
        ("/admin/groups/new", "Create a group"),
        (f"/admin/groups/{office.info_governance_id}", "Information governance"),
        ("/admin/users", "Users"),
        ("/admin/users/new", "Create an account"),
        (f"/admin/users/{office.ids[Role.CASEWORKER]}", "Caseworker"),
        ("/admin/organisation", "Organisation"),
        ("/admin/bank-holidays", "Bank holidays"),
    ]


MANAGER_PAGES = [("/cases/import", "Import cases"), ("/cases/export", "Export cases")]


def test_administrator_sees_every_page(admin, office, check_page) -> None:
    for path, title in [*admin_pages(office), *MANAGER_PAGES]:
        page = check_page(admin.get(path), title=title)
        assert page.forms is not None
    index = admin.get("/admin").text
    for path in ("/admin/case-types", "/admin/groups", "/admin/users", "/admin/organisation", "/admin/bank-holidays",
                 "/cases/import", "/cases/export"):
        assert f'href="{path}"' in index


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CASEWORKER, Role.READ_ONLY])
def test_other_roles_are_refused_administration(browser, office, check_page, role) -> None:
    someone = browser(role)
    for path, _ in admin_pages(office):
        check_page(someone.get(path), status=403, title="You do not have permission to see this page")
    refused = someone.post(f"/admin/groups/{office.info_governance_id}/members",
                           {"user": str(office.ids[Role.READ_ONLY])})
    check_page(refused, status=403)
    for path, title in MANAGER_PAGES:
        if role is Role.MANAGER:
            check_page(someone.get(path), title=title)
        else:
            check_page(someone.get(path), status=403)


def test_strangers_are_sent_to_sign_in(browser, office) -> None:
    stranger = browser(None)
    for path, _ in [*admin_pages(office), *MANAGER_PAGES]:
        response = stranger.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert urlsplit(response.headers["location"]).path == "/sign-in"


def test_navigation_offers_administration_to_administrators_only(admin, manager) -> None:
    assert 'href="/admin"' in admin.get("/cases/export").text
    assert 'href="/admin"' not in manager.get("/cases/export").text
