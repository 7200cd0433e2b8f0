"""Service performance: availability this month and last, 12-month attainment, each count's incidents."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from html import unescape
from typing import Any

from sqlalchemy.orm import Session

from backoffice.incidents import incidents as steps
from backoffice.staff.accounts import Role
from tests.factories import SYSTEM
from tests.pages import Browser

Check = Callable[..., Any]


def _resolved_after(hours: float) -> Callable[[Session, Any], None]:
    def then(session: Session, incident: Any) -> None:
        steps.resolve(session, SYSTEM, incident, text="Fixed", at=incident.received_at + dt.timedelta(hours=hours))
    return then


def test_availability_and_attainment_with_the_incidents_behind_each_count(
        manager: Browser, raise_one: Callable[..., str], check_page: Check, browser: Callable[[Role], Browser]) -> None:
    # Received 30 days ago (the clocks run in service hours): one P3 fixed in an hour, one a week later.
    quick = raise_one("P3", "capture", "Typo on the start page", hours_ago=24 * 30, then=_resolved_after(1))
    slow = raise_one("P3", "capture", "Progress page slow", hours_ago=24 * 30, then=_resolved_after(24 * 7))
    page = manager.get("/incidents/performance")
    check_page(page, title="Service performance")
    assert "Request forms" in page.text and "99.9" in page.text
    everything = re.search(r'href="([^"]+priority=P3[^"]*)">2<', page.text)
    assert everything is not None
    listed = manager.get(unescape(everything[1]))
    check_page(listed, title="P3 incidents on Request forms resolved in the last 12 months")
    assert quick in listed.text and slow in listed.text
    missed = re.search(r'href="([^"]+missed=resolve[^"]*)">1 missed', page.text)
    assert missed is not None
    late = manager.get(unescape(missed[1]))
    check_page(late, title="P3 incidents on Request forms resolved in the last 12 months: resolve target missed")
    assert slow in late.text and quick not in late.text
    assert manager.get("/incidents/performance/incidents?service=nope&priority=P3").status_code == 422
    assert manager.get("/incidents/performance/incidents?service=capture&priority=P3&missed=x").status_code == 404
    assert browser(Role.CASEWORKER).get("/incidents/performance").status_code == 403
