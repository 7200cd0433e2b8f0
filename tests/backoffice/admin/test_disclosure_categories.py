"""The Disclosure Log's categories page: add one (once), refuse a blank or repeated name, deactivate."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backoffice.disclosures.models import DisclosureCategory

PAGE = "/admin/disclosure-categories"


def _categories(office: Any) -> list[tuple[str, bool]]:
    with office.factory() as session:
        return [(c.name, c.active) for c in session.scalars(select(DisclosureCategory).order_by(DisclosureCategory.id))]


def test_add_refuse_and_deactivate(admin: Any, office: Any, check_page: Any) -> None:
    check_page(admin.get(PAGE), title="Disclosure log categories")
    first = admin.post(PAGE + "/new", {"name": "Roads and transport"}, key="same-key")
    again = admin.post(PAGE + "/new", {"name": "Roads and transport"}, key="same-key")
    assert (first.status_code, again.status_code) == (303, 303)
    assert _categories(office) == [("Roads and transport", True)]
    check_page(admin.post(PAGE + "/new", {"name": " "}), status=422, title="Error: Disclosure log categories")
    duplicate = admin.post(PAGE + "/new", {"name": "Roads and transport"})
    check_page(duplicate, status=422)
    assert _categories(office) == [("Roads and transport", True)]
    with office.factory() as session:
        category_id = session.scalars(select(DisclosureCategory.id)).one()
    assert admin.post(f"{PAGE}/{category_id}/active", {"active": "no"}).status_code == 303
    assert _categories(office) == [("Roads and transport", False)]
    assert "Reactivate" in admin.get(PAGE).text
