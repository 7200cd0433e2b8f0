"""The incidents list, raising an incident and its page: what they show, each step's form, and refusals."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.clocks.service_hours import LONDON
from backoffice.incidents import incidents as steps
from backoffice.incidents.models import Incident, IncidentEvent
from backoffice.staff.accounts import Role
from shared.db import utcnow
from tests.factories import SYSTEM, Office
from tests.pages import Browser

Check = Callable[..., object]


def time_fields(prefix: str, moment: dt.datetime) -> dict[str, str]:
    local = moment.astimezone(LONDON)
    return {f"{prefix}-day": str(local.day), f"{prefix}-month": str(local.month), f"{prefix}-year": str(local.year),
            f"{prefix}-time": f"{local:%H:%M}"}


def incident(office: Office, reference: str) -> Incident:
    with office.factory() as session:
        found = session.scalars(select(Incident).where(Incident.reference == reference)).one()
        session.expunge(found)
        return found


def events(office: Office, reference: str) -> list[tuple[str, bool, str]]:
    with office.factory() as session:
        return [(e.kind, e.public, e.text) for e in session.scalars(
            select(IncidentEvent).join(Incident, Incident.id == IncidentEvent.incident_id)
            .where(Incident.reference == reference).order_by(IncidentEvent.at, IncidentEvent.id))]


def count(office: Office) -> int:
    with office.factory() as session:
        return session.scalar(select(func.count()).select_from(Incident)) or 0


def test_the_list_shows_open_incidents_by_priority_then_those_closed_and_filters_by_service(
        manager: Browser, office: Office, raise_one: Callable[..., str], check_page: Check) -> None:
    def closed(session: Session, found: Incident) -> None:
        steps.resolve(session, SYSTEM, found)
        steps.close(session, SYSTEM, found)

    p3 = raise_one("P3", service="capture", title="Postcode look-up slow")
    p1 = raise_one("P1", title="No downloads at all")
    done = raise_one("P4", service="capture", title="Misaligned logo", then=closed)
    page = manager.get("/incidents")
    check_page(page, title="Incidents")
    opened = page.text.split('id="closed-incidents"')[0]
    assert opened.index(p1) < opened.index(p3) and done not in opened
    assert done in page.text.split('id="closed-incidents"')[1]
    assert re.search(r'href="/incidents" aria-current="true">\s*<strong[^>]*>Incidents<', page.text)  # the navigation
    filtered = manager.get("/incidents?service=capture")
    check_page(filtered, title="Incidents")
    assert p3 in filtered.text and p1 not in filtered.text
    check_page(manager.get("/incidents?service=nope"), status=422, title="Error: Incidents")


def test_a_manager_raises_an_incident_with_each_priority_defined_beside_it(manager: Browser, office: Office,
                                                                          check_page: Check) -> None:
    form = manager.get("/incidents/new")
    check_page(form, title="Raise an incident")
    assert "no webform can be submitted, no file downloaded" in form.text and 'name="received-time"' in form.text
    received = utcnow() - dt.timedelta(hours=1)
    response = manager.post("/incidents/new", {"service": "disclosure_log", "priority": "P3",
                                               "title": "Search returns nothing", "affected": "Search",
                                               "security": "security_incident", **time_fields("received", received)})
    assert response.status_code == 303
    reference = response.headers["location"].rsplit("/", 1)[1]
    raised = incident(office, reference)
    assert raised.service == "disclosure_log" and raised.priority == "P3" and raised.title == "Search returns nothing"
    assert raised.received_at == received.replace(second=0, microsecond=0) and raised.security == "security_incident"
    page = manager.get(response.headers["location"])
    check_page(page, title=f"{reference}: Search returns nothing")
    assert f"{reference} raised" in page.text and "The P3 response target under Plus is" in page.text


@pytest.mark.parametrize(("data", "fields"), [
    ({}, ["#service", "#priority", "#received-day"]),
    ({"service": "capture", "priority": "P2", "title": " "}, ["#title"]),
    ({"service": "nope", "priority": "P9", "title": "x"}, ["#service", "#priority"]),
    ({"service": "capture", "priority": "P2", "title": "x", "received-day": "31", "received-month": "2",
      "received-year": "2026", "received-time": "10:00"}, ["#received-day"]),
    ({"service": "capture", "priority": "P2", "title": "x", "received-day": "29", "received-month": "3",
      "received-year": "2026", "received-time": "01:30"}, ["#received-time"]),  # the hour the clocks skip
    ({"service": "capture", "priority": "P2", "title": "x", "received-day": "3", "received-month": "12",
      "received-year": "2099", "received-time": "10:00"}, ["#received-time"]),
    ({"service": "capture", "priority": "P2", "title": "x", "received-day": "3", "received-month": "12",
      "received-year": "2026", "received-time": "25:99"}, ["#received-time"]),
])
def test_raising_with_mistakes_shows_an_error_summary_and_stores_nothing(
        manager: Browser, office: Office, check_page: Check, data: dict[str, str], fields: list[str]) -> None:
    data = {**time_fields("received", utcnow()), **data} if "received-day" not in data and data else data
    page = manager.post("/incidents/new", data)
    check_page(page, status=422, title="Error: Raise an incident")
    summary = page.text.split("govuk-error-summary__list")[1].split("</ul>")[0]
    assert re.findall(r'href="([^"]+)"', summary) == fields
    assert count(office) == 0


def test_each_step_from_the_page_with_its_time(manager: Browser, office: Office, raise_one: Callable[..., str],
                                               check_page: Check) -> None:
    reference = raise_one("P2", hours_ago=5)
    path = f"/incidents/{reference}"
    page = manager.get(path)
    check_page(page, title=f"{reference}: Downloads failing")
    assert "The P2 resolve target under Plus is 8 service hours" in page.text and "Internal" in page.text
    earlier = utcnow() - dt.timedelta(hours=4)
    assert manager.post(path + "/update", {"text": "Looking into it", "visibility": "internal",
                                           **time_fields("at", earlier)}).status_code == 303
    assert manager.post(path + "/update", {"text": "We know: downloads fail", "visibility": "public",
                                           "status": "identified"}).status_code == 303
    assert incident(office, reference).status == "identified" and incident(office, reference).responded_at
    assert manager.post(path + "/pause", {"reason": "Which browser?"}).status_code == 303
    page = manager.get(path)
    check_page(page)
    assert "Awaiting customer" in page.text and "None while awaiting the customer" in page.text
    assert 'name="status"' not in page.text  # an update cannot change the status while paused
    assert manager.post(path + "/resume", {}).status_code == 303
    assert manager.post(path + "/reprioritise", {"priority": "P3", "reason": "Only some browsers"}).status_code == 303
    assert manager.post(path + "/external", {"party": "The CDN supplier"}).status_code == 303
    assert manager.post(path + "/resolve", {"text": "Cache cleared", "workaround": "yes"}).status_code == 303
    assert manager.post(path + "/close", {}).status_code == 303
    done = incident(office, reference)
    assert (done.status, done.priority, done.external_cause) == ("closed", "P3", "The CDN supplier")
    kinds = [kind for kind, _, _ in events(office, reference)]
    for kind in ("update", "responded", "paused", "resumed", "reprioritised", "external_cause", "resolved", "closed"):
        assert kind in kinds
    assert ("update", True, "We know: downloads fail") in events(office, reference)
    page = manager.get(path)
    check_page(page)
    assert "This incident is closed" in page.text and "Post an update" not in page.text
    assert re.search(r"Update <strong class=\"govuk-tag govuk-tag--blue\">\s*Public\s*</strong>", page.text)
    assert "The CDN supplier" in page.text


def test_a_recorded_response_and_a_resolve_without_text(manager: Browser, office: Office,
                                                        raise_one: Callable[..., str]) -> None:
    reference = raise_one("P4")
    assert manager.post(f"/incidents/{reference}/respond", {}).status_code == 303
    assert incident(office, reference).responded_at is not None
    assert manager.post(f"/incidents/{reference}/resolve", {}).status_code == 303
    assert incident(office, reference).status == "resolved"


@pytest.mark.parametrize(("step", "data", "status", "anchor", "words"), [
    ("update", {}, 422, "#update-visibility", "Select public or internal"),
    ("update", {"visibility": "public"}, 422, "#update-text", "Enter the update"),
    ("update", {"text": "Hello"}, 422, "#update-visibility", "Select public or internal"),
    ("update", {"text": "Hello", "visibility": "public", "status": "closed"}, 422, "#update-status", "Select investigating"),
    ("update", {"text": "Hello", "visibility": "public", "at-day": "3", "at-month": "12", "at-year": "2099",
                "at-time": "10:00"}, 422, "#update-at-time", "must be now or in the past"),
    ("update", {"text": "Hello", "visibility": "public", "at-day": "1", "at-month": "1", "at-year": "2020",
                "at-time": "10:00"}, 422, "#update-at-day", "the incident&#39;s last step"),
    ("update", {"text": "Hello", "visibility": "public", "at-day": "1", "at-month": "1", "at-year": "2020"},
     422, "#update-at-time", "Enter the time of the time"),
    ("resume", {}, 409, "#resume", "is not awaiting the customer"),
    ("close", {}, 409, "#close", "is not resolved"),
    ("reprioritise", {"priority": "P2", "reason": "x"}, 422, "#reprioritise-priority", "already P2"),
    ("reprioritise", {"priority": "P1"}, 422, "#reprioritise-reason", "Enter the reason"),
    ("external", {"party": ""}, 422, "#external-party", "Enter who the cause lies with"),
    ("pause", {"reason": "x" * 5001}, 422, "#pause-reason", "5,000 characters"),
])
def test_a_refused_step_is_the_page_again_with_its_error_and_nothing_stored(
        manager: Browser, office: Office, raise_one: Callable[..., str], check_page: Check, step: str,
        data: dict[str, str], status: int, anchor: str, words: str) -> None:
    reference = raise_one("P2")
    before = events(office, reference)
    page = manager.post(f"/incidents/{reference}/{step}", data)
    check_page(page, status=status, title=f"Error: {reference}")
    summary = page.text.split("govuk-error-summary__list")[1].split("</ul>")[0]
    assert f'href="{anchor}"' in summary and words in summary
    assert anchor.lstrip("#") in re.findall(r'id="([^"]+)"', page.text)
    assert events(office, reference) == before
    assert data.get("text", "") in page.text  # what was typed is kept


def test_a_p1_cannot_close_without_its_report_and_closes_once_it_is_written(
        manager: Browser, office: Office, raise_one: Callable[..., str], check_page: Check) -> None:
    reference = raise_one("P1", then=lambda session, found: steps.resolve(session, SYSTEM, found))
    path = f"/incidents/{reference}"
    page = manager.get(path)
    check_page(page)
    assert "Not written yet: a P1 cannot be closed without one" in page.text
    refused = manager.post(path + "/close", {})
    check_page(refused, status=409, title=f"Error: {reference}")
    assert "is a P1: write its major outage report before closing it" in refused.text
    assert incident(office, reference).closed_at is None
    form = manager.get(path + "/report")
    check_page(form, title=f"Major outage report – {reference}")
    partial = manager.post(path + "/report", {"timeline": "09:00 down; 10:00 up", "impact": "Nobody could download"})
    check_page(partial, status=422, title="Error: Major outage report")
    assert {'href="#cause"', 'href="#actions"', 'href="#changes"'} <= set(re.findall(r'href="#\w+"', partial.text))
    assert steps.report_of is not None and "Nobody could download" in partial.text
    report = {"timeline": "09:00 down; 10:00 up", "impact": "Nobody could download", "cause": "A full disk",
              "actions": "Space freed", "changes": "Disk alerts at 80%"}
    assert manager.post(path + "/report", report).status_code == 303
    check_page(manager.get(path + "/report"))
    assert manager.post(path + "/close", {}).status_code == 303
    assert incident(office, reference).status == "closed"


def test_an_incident_that_is_not_a_p1_has_no_report_page_and_unknown_references_are_not_found(
        manager: Browser, raise_one: Callable[..., str]) -> None:
    reference = raise_one("P3")
    assert manager.get(f"/incidents/{reference}/report").status_code == 404
    assert manager.get("/incidents/INC-99999").status_code == 404
    assert manager.post("/incidents/INC-99999/close", {}).status_code == 404


def test_a_repeated_form_acts_once(manager: Browser, office: Office, raise_one: Callable[..., str]) -> None:
    reference = raise_one("P3")
    data = {"text": "Once", "visibility": "internal"}
    assert manager.post(f"/incidents/{reference}/update", data, key="same-key").status_code == 303
    assert manager.post(f"/incidents/{reference}/update", data, key="same-key").status_code == 303
    assert [text for kind, _, text in events(office, reference) if kind == "update"] == ["Once"]


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.READ_ONLY])
def test_caseworkers_have_no_incidents(browser: Callable[[Role], Browser], raise_one: Callable[..., str],
                                       office: Office, role: Role) -> None:
    reference = raise_one("P2")
    person = browser(role)
    for path in ("/incidents", "/incidents/new", "/incidents/maintenance", f"/incidents/{reference}"):
        assert person.get(path).status_code == 403, path
    assert person.post(f"/incidents/{reference}/close", {}).status_code == 403
    assert person.post("/incidents/new", {"service": "capture", "priority": "P1", "title": "x"}).status_code == 403
    assert 'href="/incidents"' not in person.get("/my-cases").text
    assert count(office) == 1
