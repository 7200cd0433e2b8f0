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


def _escalated_complaint(office: Office) -> str:
    """Answered at stage 1 in time (due 2 Feb), escalated 26 Jan; stage 2 due 2 Mar, answered 20 Mar: late."""
    with transaction(office.factory) as session:
        here = dataclasses.replace(office, session=session)
        complaint = here.new_case("complaint", received_on=dt.date(2026, 1, 12))
        complaint.responded_on = dt.date(2026, 1, 20)
        session.flush()
        escalate(session, SYSTEM, complaint, on=dt.date(2026, 1, 26))
        complaint.responded_on = dt.date(2026, 3, 20)
        assert complaint.due_on == dt.date(2026, 3, 2)
        return complaint.reference


def test_stage_rows_link_to_their_cases(browser: Callable[[Role], Browser], office: Office,
                                        check_page: Callable[..., object]) -> None:
    reference = _escalated_complaint(office)
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


def _cells(page_text: str, reference: str) -> list[str]:
    """The cells of the listed row of ``reference``, as text."""
    row = re.search(r"<tr class=\"govuk-table__row\">\s*<th scope=\"row\"[^>]*>(?:<a [^>]*>)?"
                    + re.escape(reference) + r"(.*?)</tr>", page_text, re.S)
    assert row is not None, reference
    return [unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row[1], re.S)]


def test_a_stage_figures_cases_show_that_stages_dates(browser: Callable[[Role], Browser], office: Office,
                                                       check_page: Callable[..., object]) -> None:
    """Stage 1 of a complaint now at stage 2 is listed with stage 1's start, due date and answer (12 Jan, due
    2 Feb, answered 20 Jan), not the case's own, which are stage 2's (due 2 Mar, answered 20 Mar)."""
    reference = _escalated_complaint(office)
    manager = browser(Role.MANAGER)
    report = manager.get("/reports/timeliness?period=2026-Q1")
    for row, figure, expected in (("stage1", "in_time", ["Stage 2", "12 Jan 2026", "2 Feb 2026", "20 Jan 2026"]),
                                  ("stage2", "late", ["Stage 2", "26 Jan 2026", "2 Mar 2026", "20 Mar 2026"])):
        link = re.search(r'href="([^"]+table=complaint-stage&amp;figure=' + figure + r'&amp;row=' + row
                         + r')"[^>]*>(\d+)</a>', report.text)
        assert link is not None and link[2] == "1", (row, figure)
        cases = manager.get(unescape(link[1]))
        check_page(cases)
        stage = row[-1]
        assert "1 case<" in cases.text  # as many as the figure
        assert f"The dates are of stage {stage}, the stage this figure counts" in cases.text
        for heading in ("Stage now", f"Stage {stage} began", f"Stage {stage} due", f"Stage {stage} answered"):
            assert f">{heading}</th>" in cases.text
        assert _cells(cases.text, reference)[-4:] == expected


def test_other_figures_list_the_cases_own_dates(browser: Callable[[Role], Browser], office: Office,
                                                check_page: Callable[..., object]) -> None:
    with transaction(office.factory) as session:
        here = dataclasses.replace(office, session=session)
        request = here.new_case("foi", received_on=dt.date(2026, 1, 12))
        reference, due = request.reference, request.due_on
    assert due is not None
    manager = browser(Role.MANAGER)
    cases = manager.get("/reports/timeliness/cases?period=2026-Q1&table=type&figure=received&row="
                        + str(office.foi_id))
    check_page(cases)
    assert ">Received</th>" in cases.text and "Stage now" not in cases.text and "listed-stage" not in cases.text
    assert _cells(cases.text, reference)[-3:] == ["12 Jan 2026", due.strftime("%-d %b %Y"), "Not yet"]
