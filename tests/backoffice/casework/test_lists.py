"""My cases, the team queue and All open cases: the right cases, filtered, searched, sorted and paged."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from sqlalchemy import select

from backoffice.cases import workflow
from backoffice.cases.models import Case
from backoffice.cases.queues import CaseFilter, find_cases
from backoffice.intake.new_cases import NewCase, Requester, create_case
from backoffice.staff.accounts import StaffUser
from backoffice.staff.groups import Group
from shared import audit
from tests.backoffice.casework.conftest import SYSTEM, Office, days_ago
from tests.backoffice.casework.helpers import error_summary

ROW = re.compile(r'<th scope="row" class="govuk-table__header"><a class="govuk-link" href="/cases/([^"]+)">')


def listed(client, path: str, **params) -> list[str]:
    query = urlencode(params, doseq=True)
    response = client.get(path + ("?" + query if query else ""))
    assert response.status_code == 200, response.text[:2000]
    return ROW.findall(response.text)


def _claim(office: Office, reference: str, who: str = "caseworker") -> None:
    with office.factory() as session, session.begin():
        user = session.get(StaffUser, office.ids[who])
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert user is not None and case is not None
        workflow.claim(session, office_actor(user), user, case)


def office_actor(user: StaffUser) -> audit.Actor:
    return audit.Actor(type="staff", id=str(user.id), label=user.email)


def _seed(office: Office) -> dict[str, str]:
    cases = {
        "late": office.new_reference("foi", subject="Potholes on Mill Lane", received_on=days_ago(60)),
        "sar": office.new_reference("sar", subject="My records", received_on=days_ago(25)),
        "fresh": office.new_reference("foi", subject="Library opening hours", received_on=days_ago(0),
                                 requester=Requester(name="Alex Smith", email="alex@example.org")),
        "closed": office.new_reference("enquiry", subject="Bins", received_on=days_ago(2)),
    }
    _claim(office, cases["sar"])
    with office.factory() as session, session.begin():
        user = session.get(StaffUser, office.ids["manager"])
        case = session.scalar(select(Case).where(Case.reference == cases["closed"]))
        assert user is not None and case is not None
        workflow.close(session, office_actor(user), user, case, outcome="answered")
    return cases


def test_all_open_cases_filters_search_and_sort(office: Office, browser, check_page) -> None:
    c = _seed(office)
    client = browser("manager")
    page = client.get("/cases")
    check_page(page, title="All open cases")
    assert ">3 cases<" in page.text and 'class="civic-scroll-region" role="region" aria-label="Cases" tabindex="0"' in page.text
    assert listed(client, "/cases") == [c["late"], c["sar"], c["fresh"]]
    assert listed(client, "/cases", type="sar") == [c["sar"]]
    assert listed(client, "/cases", type=["foi", "sar"], sort="reference") == sorted([c["late"], c["sar"], c["fresh"]])
    assert listed(client, "/cases", sort="received") == [c["fresh"], c["sar"], c["late"]]
    assert listed(client, "/cases", owner="none") == [c["late"], c["fresh"]]
    assert listed(client, "/cases", owner=str(office.ids["caseworker"])) == [c["sar"]]
    with office.factory() as session:
        data_protection = session.scalar(select(Group.id).where(Group.name == "Data protection"))
    assert listed(client, "/cases", team=str(data_protection)) == [c["sar"]]
    assert listed(client, "/cases", overdue="yes") == [c["late"]]
    assert listed(client, "/cases", due_within="10") == [c["late"], c["sar"]]
    between = {"received_from-day": days_ago(30).day, "received_from-month": days_ago(30).month,
               "received_from-year": days_ago(30).year, "received_to-day": days_ago(1).day,
               "received_to-month": days_ago(1).month, "received_to-year": days_ago(1).year}
    assert listed(client, "/cases", **between) == [c["sar"]]
    assert listed(client, "/cases", q="library HOURS") == [c["fresh"]]
    assert listed(client, "/cases", q="alex smith") == [c["fresh"]]
    assert listed(client, "/cases", q="ALEX@example.org") == [c["fresh"]]
    assert listed(client, "/cases", q=c["late"].lower()) == [c["late"]]
    assert listed(client, "/cases", q="nothing matches this") == []
    filtered = client.get("/cases?" + urlencode({"type": "sar", "q": "records", "status": "in_progress"}))
    check_page(filtered)
    assert ">0 cases<" in filtered.text and "There are no cases to show." in filtered.text
    assert 'value="records"' in filtered.text and 'value="sar" checked' in filtered.text
    assert 'value="in_progress" selected' in filtered.text


def test_status_filter_matches_the_status_in_every_type(office: Office, browser) -> None:
    c = _seed(office)
    with office.factory() as session, session.begin():
        user = session.get(StaffUser, office.ids["caseworker"])
        case = session.scalar(select(Case).where(Case.reference == c["sar"]))
        assert user is not None and case is not None
        status = next(s for s in case.case_type.statuses if s.key == "in_progress")
        workflow.change_status(session, office_actor(user), user, case, status.id)
    assert listed(browser("manager"), "/cases", status="in_progress") == [c["sar"]]
    assert listed(browser("manager"), "/cases", status="new") == [c["late"], c["fresh"]]


def test_bad_filters_are_explained(office: Office, browser, check_page) -> None:
    client = browser("caseworker")
    response = client.get("/cases?" + urlencode({"due_within": "soon", "received_from-day": "31",
                                                 "received_from-month": "2", "received_from-year": "2026",
                                                 "received_to-year": "2026"}))
    check_page(response, title="Error: All open cases")
    assert error_summary(response.text) == [
        ("#due_within", "Due within must be a whole number of days, like 10"),
        ("#received_from-day", "Received on or after must be a real date"),
        ("#received_to-day", "Received on or before must include a day and month"),
    ]
    assert 'value="soon"' in response.text and "<details class=\"govuk-details\" open>" in response.text


def test_pages_of_cases_keep_the_filters(office: Office, browser, check_page) -> None:
    with office.factory() as session, session.begin():
        for number in range(27):
            create_case(session, SYSTEM, NewCase(case_type="enquiry", subject=f"Question {number}", description="?",
                                                 requester=Requester(name="Pat", email="pat@example.com"),
                                                 channel="phone", received_on=days_ago(number)))
    client = browser("caseworker")
    first = client.get("/cases?type=enquiry")
    check_page(first)
    assert ">27 cases<" in first.text and len(ROW.findall(first.text)) == 25
    assert 'aria-label="Pages of cases"' in first.text
    assert 'href="/cases?type=enquiry&amp;page=2"' in first.text
    second = client.get("/cases?type=enquiry&page=2")
    check_page(second)
    assert len(ROW.findall(second.text)) == 2 and 'aria-current="page"' in second.text
    assert set(ROW.findall(second.text)).isdisjoint(ROW.findall(first.text))
    assert len(listed(client, "/cases", type="enquiry", page="99")) == 0


def test_my_cases_and_the_team_queue(office: Office, browser, check_page) -> None:
    c = _seed(office)
    caseworker = browser("caseworker")
    assert listed(caseworker, "/cases/mine") == [c["sar"]]
    assert listed(browser("manager"), "/cases/mine") == []
    # Unclaimed first, each part by due date; the owner filter narrows it.
    assert listed(caseworker, "/cases/team") == [c["late"], c["fresh"], c["sar"]]
    assert listed(caseworker, "/cases/team", owner="none") == [c["late"], c["fresh"]]
    assert listed(caseworker, "/cases/team", owner=str(office.ids["caseworker"])) == [c["sar"]]
    queue = caseworker.get("/cases/team").text
    claimable = re.findall(r'action="/cases/([^/]+)/claim"', queue)
    assert claimable == [c["late"], c["fresh"]]
    check_page(browser("outsider").get("/cases/team"))
    assert listed(browser("outsider"), "/cases") == []


def test_queue_additions_in_the_domain(office: Office) -> None:
    """CaseFilter.team_group_ids and the unowned-first sort, which the team queue relies on."""
    c = _seed(office)
    with office.factory() as session:
        manager = session.get(StaffUser, office.ids["manager"])
        assert manager is not None
        groups = tuple(session.scalars(select(Group.id).where(Group.name.in_(["Data protection", "Parks"]))))
        only = find_cases(session, manager, CaseFilter(team_group_ids=groups))
        assert [case.reference for case in only.cases] == [c["sar"]]
        ordered = find_cases(session, manager, CaseFilter(sort="unowned"))
        assert [case.reference for case in ordered.cases] == [c["late"], c["fresh"], c["sar"]]
