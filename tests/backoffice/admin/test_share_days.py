"""A case type's default share length: how long documents sent securely stay unless the caseworker changes it,
set where administrators edit the type, 1 to 90 days."""

from __future__ import annotations

import re

import pytest

from backoffice.cases.case_types import SHARE_MAX_DAYS, SHARE_MIN_DAYS
from backoffice.cases.models import CaseType
from backoffice.releases.state import DEFAULT_DAYS, MAX_DAYS, MIN_DAYS

SETTINGS = {"name": "Freedom of Information request", "reference_prefix": "FOI", "deadline_rule": "foi",
            "extension_days": "", "web_enabled": "yes", "responsible_group": "", "escalation_group": ""}


def _share_days(office) -> int:
    with office.factory() as session:
        case_type = session.get(CaseType, office.foi_id)
        assert case_type is not None
        return case_type.share_days


def _form(office) -> dict[str, object]:
    return {**SETTINGS, "groups": [str(office.info_governance_id)]}


def test_the_bounds_are_the_shares_own() -> None:
    assert (SHARE_MIN_DAYS, SHARE_MAX_DAYS) == (MIN_DAYS, MAX_DAYS)


def test_the_default_is_shown_and_saved(admin, office, check_page) -> None:
    path = f"/admin/case-types/{office.foi_id}"
    page = admin.get(path)
    check_page(page, title="Freedom of Information request")
    assert re.search(r'<input[^>]*id="share_days"[^>]*value="' + str(DEFAULT_DAYS) + '"', page.text)
    response = admin.post(path + "/settings", {**_form(office), "share_days": "14"})
    assert response.status_code == 303
    assert _share_days(office) == 14
    assert re.search(r'<input[^>]*id="share_days"[^>]*value="14"', admin.get(path).text)
    # A form from before the setting existed leaves it alone.
    assert admin.post(path + "/settings", _form(office)).status_code == 303
    assert _share_days(office) == 14


@pytest.mark.parametrize(("value", "message"), [
    ("0", "Enter a number of days from 1 to 90"),
    ("91", "Enter a number of days from 1 to 90"),
    ("", "Enter how many days documents sent securely stay available"),
    ("thirty", "Days must be a whole number, like 30"),
    ("-5", "Days must be a whole number, like 30"),
])
def test_a_wrong_number_of_days_is_refused(admin, office, check_page, value: str, message: str) -> None:
    response = admin.post(f"/admin/case-types/{office.foi_id}/settings", {**_form(office), "share_days": value})
    check_page(response, status=422, title="Error: Freedom of Information request")
    assert message in response.text and 'href="#share_days"' in response.text
    assert _share_days(office) == DEFAULT_DAYS
