"""Groups: creating one (once, however often the button is pressed), and adding and removing members."""

from __future__ import annotations

from sqlalchemy import func, select

from backoffice.staff.accounts import Role
from backoffice.staff.groups import Group, members_of


def _group_count(office) -> int:
    with office.factory() as session:
        return int(session.scalar(select(func.count(Group.id))) or 0)


def test_a_group_is_created_once(admin, office, check_page) -> None:
    before = _group_count(office)
    first = admin.post("/admin/groups/new", {"name": "Planning", "email": "planning@example.gov.uk"}, key="same-key")
    assert first.status_code == 303
    repeat = admin.post("/admin/groups/new", {"name": "Planning", "email": ""}, key="same-key")
    assert repeat.status_code == 303 and repeat.headers["location"] == "/admin/groups"
    assert _group_count(office) == before + 1
    page = admin.get(first.headers["location"])
    check_page(page, title="Planning")
    assert "Nobody is in this group yet." in page.text
    check_page(admin.get("/admin/groups"))


def test_group_errors_are_shown_and_nothing_is_stored(admin, office, check_page) -> None:
    before = _group_count(office)
    blank = admin.post("/admin/groups/new", {"name": " ", "email": "not an address"})
    check_page(blank, status=422, title="Error: Create a group")
    assert "Enter an email address in the correct format, like name@example.com" in blank.text
    duplicate = admin.post("/admin/groups/new", {"name": "Customer relations", "email": ""})
    check_page(duplicate, status=422)
    assert "A group called Customer relations already exists" in duplicate.text
    assert 'value="Customer relations"' in duplicate.text
    assert _group_count(office) == before


def test_members_are_added_from_a_list_and_removed(admin, office, check_page) -> None:
    group = f"/admin/groups/{office.customer_relations_id}"
    reader = office.ids[Role.READ_ONLY]
    page = admin.get(group)
    check_page(page)
    assert f'<option value="{reader}">' in page.text
    assert admin.post(group + "/members", {"user": str(reader)}).status_code == 303
    with office.factory() as session:
        assert reader in members_of(session, office.customer_relations_id)
    nobody = admin.post(group + "/members", {"user": ""})
    check_page(nobody, status=422, title="Error:")
    assert "Select the person to add" in nobody.text
    assert admin.post(f"{group}/members/{reader}/remove").status_code == 303
    with office.factory() as session:
        assert reader not in members_of(session, office.customer_relations_id)
    check_page(admin.get(group))


def test_a_group_mailbox_the_mailer_would_refuse_is_refused(admin, office, check_page) -> None:
    before = _group_count(office)
    page = admin.post("/admin/groups/new", {"name": "Planning", "email": "planning..team@example.gov.uk"})
    check_page(page, status=422, title="Error: Create a group")
    assert "Enter an email address in the correct format, like name@example.com" in page.text
    assert _group_count(office) == before
