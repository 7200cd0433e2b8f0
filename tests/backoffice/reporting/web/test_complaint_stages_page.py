"""Complaints by stage on screen: its own group of rows per stage, each figure a link to its cases."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from html import unescape

from backoffice.cases.stages import escalate
from backoffice.staff.accounts import Role
from shared.audit import SYSTEM
from shared.db import transaction
from tests.factories import Office
from tests.pages import Browser


def test_stage_rows_link_to_their_cases(browser: Callable[[Role], Browser], office: Office,
                                        check_page: Callable[..., object]) -> None:
    with transaction(office.factory) as session:
        here = dataclasses.replace(office, session=session)
        # Answered at stage 1 in time (due 2 Feb), escalated 26 Jan; stage 2 due 2 Mar, answered 20 Mar: late.
        late = here.new_case("complaint", received_on=dt.date(2026, 1, 12))
        late.responded_on = dt.date(2026, 1, 20)
        session.flush()
        escalate(session, SYSTEM, late, on=dt.date(2026, 1, 26))
        late.responded_on = dt.date(2026, 3, 20)
        reference = late.reference
    manager = browser(Role.MANAGER)
    page = manager.get("/reports/timeliness?period=2026-Q1")
    check_page(page, title="Timeliness: January to March 2026")
    assert "Complaints by stage" in page.text
    assert "Stage 1 (15 working days)" in page.text and "Stage 2 (25 working days)" in page.text
    link = re.search(r'href="([^"]+table=complaint-stage&amp;figure=late&amp;row=stage2)"[^>]*>(\d+)</a>', page.text)
    assert link is not None and link[2] == "1"
    cases = manager.get(unescape(link[1]))
    check_page(cases)
    assert reference in cases.text and "1 case<" in cases.text
