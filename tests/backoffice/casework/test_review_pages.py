"""Reviews and appeals on the case page, and the pages that start an internal review or record a complaint to
the regulator, over HTTP as a browser uses them: the section, who is offered what, the GOV.UK errors for a
refused date, and the link back from the review to the request.

Today is fixed at Monday 16 March 2026; the request was received on Monday 2 March and answered on 9 March.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from backoffice.cases import tasks, workflow
from backoffice.cases.models import Case
from backoffice.staff.accounts import StaffUser
from shared import audit
from shared.db import transaction
from tests.backoffice.casework.conftest import SYSTEM, Office
from tests.backoffice.casework.helpers import banner, count_cases, error_summary, form_fields, get_case, submit

TODAY = dt.datetime(2026, 3, 16, 12, 0, tzinfo=dt.UTC)
RECEIVED = dt.date(2026, 3, 2)
FORBIDDEN = "You do not have permission to see this page"


@pytest.fixture(autouse=True)
def _today(time_machine) -> None:
    time_machine.move_to(TODAY)


def closed_request(office: Office, case_type: str = "foi") -> str:
    reference = office.new_reference(case_type, received_on=RECEIVED)
    with transaction(office.factory) as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert case is not None
        manager = session.get(StaffUser, office.ids["manager"])
        assert manager is not None
        for task in tasks.tasks_of(session, case):
            tasks.finish_task(session, SYSTEM, manager, case, task.id, tasks.DONE)
        case.responded_on = dt.date(2026, 3, 9)
        workflow.close(session, SYSTEM, manager, case, outcome="refused_in_full")
    return reference


def _section(page: str) -> str:
    start = page.index('id="reviews"')
    return page[start:page.index("Timeline<", start)]


def _offered(page: str, reference: str) -> set[str]:
    return {name for name in ("internal-review", "regulator-complaint") if f'href="/cases/{reference}/{name}"' in page}


def _date(day: int, month: int = 3, year: int = 2026) -> dict[str, str]:
    return {"received_on-day": str(day), "received_on-month": str(month), "received_on-year": str(year)}


def test_a_closed_request_offers_reviews_and_appeals(office: Office, browser, check_page) -> None:
    reference = closed_request(office)
    page = browser("caseworker").get(f"/cases/{reference}")
    check_page(page, title=reference)
    section = _section(page.text)
    assert "Reviews and appeals" in section and "No internal review or complaint to the regulator" in section
    assert "Start an internal review" in section and "Record a complaint to the regulator" in section
    offered = {who: _offered(browser(who).get(f"/cases/{reference}").text, reference)
               for who in ("administrator", "manager", "caseworker", "read-only")}
    both = {"internal-review", "regulator-complaint"}
    assert offered == {"administrator": both, "manager": both, "caseworker": both, "read-only": set()}
    # Not on an open request, nor on a closed case of another kind.
    open_request = office.new_reference("foi", received_on=RECEIVED)
    assert 'id="reviews"' not in browser("manager").get(f"/cases/{open_request}").text
    assert browser("manager").get(f"/cases/{open_request}/internal-review",
                                  follow_redirects=False).headers["location"] == f"/cases/{open_request}"


@pytest.mark.parametrize(("path", "heading", "prefix", "kind"), [
    ("internal-review", "Start an internal review", "IR-2026-", "Internal review"),
    ("regulator-complaint", "Record a complaint to the regulator", "ICO-2026-", "Complaint to the regulator"),
])
def test_start_a_review_from_the_request(office: Office, browser, check_page, path: str, heading: str,
                                         prefix: str, kind: str) -> None:
    reference = closed_request(office)
    client = browser("caseworker")
    form = client.get(f"/cases/{reference}/{path}")
    check_page(form, title=heading)
    assert 'name="received_on-day" type="text" value="16"' in form.text  # today by default
    assert "It cannot be before 9 March 2026" in form.text
    fields = form_fields(form.text, f"/cases/{reference}/{path}")
    data = {**fields, **_date(12), "description": "They say s.43 was applied too widely."}
    response = client.post(f"/cases/{reference}/{path}", data=data, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith(f"/cases/{prefix}")
    again = client.post(f"/cases/{reference}/{path}", data=data, follow_redirects=False)  # a double click acts once
    assert again.status_code == 303
    review_path = response.headers["location"]
    review_reference = review_path.rsplit("/", 1)[1]
    page = client.get(review_path)
    check_page(page, title=review_reference)
    assert banner(page.text) == f"{kind} {review_reference} started"
    back = page.text[page.text.index('id="review-of"'):]
    assert f'href="/cases/{reference}"' in back[:400] and "answered on 9 March 2026" in back[:400]
    assert "They say s.43 was applied too widely." in page.text
    review = get_case(office.factory, review_reference)
    assert review.received_on == dt.date(2026, 3, 12) and review.review_of_id == get_case(office.factory, reference).id
    original = client.get(f"/cases/{reference}")
    section = _section(original.text)
    row = re.search(r"<tr class=\"govuk-table__row\">\s*<td[^>]*><a[^>]*href=\"/cases/([^\"]+)\">.*?</tr>", section, re.S)
    assert row and row.group(1) == review_reference
    assert kind in row.group(0) and "New" in row.group(0) and "Not decided yet" in row.group(0)
    assert f"{kind} {review_reference} started, received 12 March 2026" in original.text  # the timeline


def test_a_decided_review_shows_its_outcome(office: Office, browser) -> None:
    reference = closed_request(office)
    client = browser("manager")
    response = submit(client, f"/cases/{reference}/internal-review", f"/cases/{reference}/internal-review", _date(16))
    review_reference = response.headers["location"].rsplit("/", 1)[1]
    with transaction(office.factory) as session:
        review = session.scalar(select(Case).where(Case.reference == review_reference))
        assert review is not None
        manager = session.get(StaffUser, office.ids["manager"])
        assert manager is not None
        workflow.close(session, SYSTEM, manager, review, outcome="upheld_in_part")
    section = _section(client.get(f"/cases/{reference}").text)
    assert "Closed" in section and "Original decision upheld in part" in section


@pytest.mark.parametrize(("data", "expected", "status"), [
    (_date(8), [("#received_on-day", "Date received must be on or after 9 March 2026, when {ref} was answered")],
     422),
    (_date(17), [("#received_on-day", "Date received must be today or in the past")], 422),
    ({"received_on-day": "", "received_on-month": "", "received_on-year": ""},
     [("#received_on-day", "Enter the date the request for a review was received")], 422),
    (_date(12, 13), [("#received_on-day", "Date received must be a real date")], 422),
    ({**_date(12), "received_on-year": ""}, [("#received_on-year", "Date received must include a year")], 422),
    ({**_date(12), "description": "x" * 20_001},
     [("#description", "What the requester is unhappy about must be 20,000 characters or fewer")], 422),
])
def test_refused_input_is_shown_as_govuk_errors(office: Office, browser, check_page, data: dict[str, str],
                                                expected: list[tuple[str, str]], status: int) -> None:
    reference = closed_request(office)
    before = count_cases(office.factory)
    client = browser("caseworker")
    path = f"/cases/{reference}/internal-review"
    response = submit(client, path, path, data)
    check_page(response, status=status, title="Error: Start an internal review")
    assert error_summary(response.text) == [(href, text.format(ref=reference)) for href, text in expected]
    assert count_cases(office.factory) == before


def test_a_second_open_review_is_refused_on_the_form(office: Office, browser, check_page) -> None:
    reference = closed_request(office)
    client = browser("caseworker")
    path = f"/cases/{reference}/internal-review"
    first = submit(client, path, path, _date(12))
    review_reference = first.headers["location"].rsplit("/", 1)[1]
    second = submit(client, path, path, _date(13))
    check_page(second, status=409, title="Error: Start an internal review")
    assert error_summary(second.text) == [
        ("#review", f"Internal review {review_reference} of {reference} is still open")]
    assert 'id="review"' in second.text


def test_who_may_open_the_pages(office: Office, browser, stranger) -> None:
    reference = closed_request(office)
    for who in ("read-only", "outsider"):
        page = browser(who).get(f"/cases/{reference}/regulator-complaint")
        assert page.status_code == 403 and FORBIDDEN in page.text
    assert stranger.get(f"/cases/{reference}/internal-review", follow_redirects=False).status_code in (302, 303)
    with office.factory() as session:
        assert not [e for e in audit.history(session, "case", reference) if e.action == "case.review_started"]
