"""The planned maintenance page: what is coming, scheduling with six hours' notice, cancelling."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from sqlalchemy import select

from backoffice.clocks.service_hours import LONDON
from backoffice.incidents.models import Maintenance
from shared.db import utcnow
from tests.factories import Office
from tests.pages import Browser

Check = Callable[..., object]


def next_saturday(hour: int) -> dt.datetime:
    """A Saturday from tomorrow on, at ``hour`` in London: outside core hours and with notice."""
    day = (utcnow().astimezone(LONDON) + dt.timedelta(days=1)).date()
    day += dt.timedelta(days=(5 - day.weekday()) % 7)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON)


def fields(prefix: str, moment: dt.datetime) -> dict[str, str]:
    local = moment.astimezone(LONDON)
    return {f"{prefix}-day": str(local.day), f"{prefix}-month": str(local.month), f"{prefix}-year": str(local.year),
            f"{prefix}-time": f"{local:%H:%M}"}


def planned(office: Office) -> list[Maintenance]:
    with office.factory() as session:
        rows = list(session.scalars(select(Maintenance).order_by(Maintenance.id)))
        session.expunge_all()
        return rows


def test_scheduling_listing_and_cancelling(manager: Browser, office: Office, check_page: Check) -> None:
    page = manager.get("/incidents/maintenance")
    check_page(page, title="Planned maintenance")
    assert "No maintenance is planned." in page.text
    start = next_saturday(10)
    response = manager.post("/incidents/maintenance", {"service": "secure_share", "title": "Database upgrade",
                                                       **fields("starts", start),
                                                       **fields("ends", start + dt.timedelta(hours=2))})
    assert response.status_code == 303
    [row] = planned(office)
    assert (row.service, row.title, row.starts_at) == ("secure_share", "Database upgrade", start.astimezone(dt.UTC))
    page = manager.get("/incidents/maintenance")
    check_page(page, title="Planned maintenance")
    assert "Maintenance scheduled" in page.text and "Database upgrade" in page.text and "Secure Share" in page.text
    action = re.search(r'action="(/incidents/maintenance/\d+/cancel)"', page.text)
    assert action is not None
    assert manager.post(action[1], {}).status_code == 303
    assert planned(office)[0].cancelled_at is not None
    page = manager.get("/incidents/maintenance")
    assert "No maintenance is planned." in page.text and "“Database upgrade” cancelled" in page.text
    again = manager.post(action[1], {})
    check_page(again, status=409, title="Error: Planned maintenance")
    assert "was already cancelled" in again.text and 'href="#upcoming"' in again.text
    assert manager.post("/incidents/maintenance/999999/cancel", {}).status_code == 404


def test_all_services_at_once(manager: Browser, office: Office) -> None:
    start = next_saturday(9)
    assert manager.post("/incidents/maintenance", {"service": "all", "title": "Network move",
                                                   **fields("starts", start),
                                                   **fields("ends", start + dt.timedelta(hours=8))}).status_code == 303
    assert planned(office)[0].service == ""
    assert "All services" in manager.get("/incidents/maintenance").text


def test_short_notice_core_hours_and_bad_boxes_are_refused_with_an_error_summary(
        manager: Browser, office: Office, check_page: Check) -> None:
    soon = utcnow() + dt.timedelta(hours=1)
    cases = [
        ({"service": "capture", "title": "Upgrade", **fields("starts", soon), **fields("ends", soon + dt.timedelta(hours=1))},
         "#starts-day", "at least 6 hours from now"),
        ({"service": "capture", "title": "Upgrade", **fields("starts", next_saturday(10)),
          **fields("ends", next_saturday(9))}, "#ends-day", "The end must be after the start"),
        ({"service": "capture", "title": "Upgrade", **fields("starts", next_saturday(22)),
          **fields("ends", next_saturday(22) + dt.timedelta(days=2))}, "#starts-day", "runs into core business hours"),
        ({"service": "capture", "title": "", **fields("starts", next_saturday(10)),
          **fields("ends", next_saturday(11))}, "#title", "Enter what the maintenance is for"),
        ({"service": "nowhere", "title": "Upgrade", **fields("starts", next_saturday(10)),
          **fields("ends", next_saturday(11))}, "#service", "Select the service, or all services"),
        ({"service": "capture", "title": "Upgrade", "starts-day": "1", "starts-month": "1", "starts-year": "2030",
          "starts-time": "noon", **fields("ends", next_saturday(11))}, "#starts-time", "a time like 14:30"),
        ({"service": "capture", "title": "Upgrade"}, "#starts-day", "Enter the start"),
    ]
    for data, anchor, words in cases:
        page = manager.post("/incidents/maintenance", data)
        check_page(page, status=422, title="Error: Planned maintenance")
        summary = page.text.split("govuk-error-summary__list")[1].split("</ul>")[0]
        assert f'href="{anchor}"' in summary and words in summary, (anchor, summary)
    assert planned(office) == []
