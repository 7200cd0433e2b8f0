"""The reporting area: the catalogue, a report for a period, a figure's cases, and what is refused."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

import pytest

from backoffice.reporting.registry import all_reports
from backoffice.staff.accounts import Role
from tests.factories import Office
from tests.pages import Browser


def test_a_manager_follows_a_figure_to_its_cases(browser: Callable[[Role], Browser], office: Office,
                                                 check_page: Callable[..., object]) -> None:
    manager = browser(Role.MANAGER)
    check_page(manager.get("/reports"), title="Reports")
    page = manager.get("/reports/cabinet-office-return?period=2026-Q1")
    check_page(page, title="Cabinet Office FOI return: January to March 2026")
    assert "these figures will not change" in page.text
    link = re.search(r'<a class="govuk-link" href="([^"]+figure=late[^"]*)"[^>]*>(\d+)</a>', page.text)
    assert link is not None and link[2] == "1"
    cases = manager.get(unescape(link[1]))
    check_page(cases, title="Late response (i.e. 20-day deadline missed): Cabinet Office FOI return, January to March 2026")
    assert "1 case<" in cases.text and office.late_reference in cases.text  # type: ignore[attr-defined]


def test_timeliness_rows_carry_their_grade_in_words(browser: Callable[[Role], Browser],
                                                    check_page: Callable[..., object]) -> None:
    page = browser(Role.ADMINISTRATOR).get("/reports/timeliness?period=2026-Q1")
    check_page(page, title="Timeliness: January to March 2026")
    assert "Unsatisfactory" in page.text and "govuk-tag--red" in page.text
    assert "By team" in page.text and "February 2026" in page.text


@pytest.mark.parametrize("query", ["period=2999-Q1", "period=2026-Q9", "period=" + "9" * 40,
                                   "period=custom&from-day=5&from-month=3&from-year=2026&to-day=1&to-month=3&to-year=2026",
                                   "period=custom&from-day=x"])
def test_bad_periods_get_an_error_summary(browser: Callable[[Role], Browser], check_page: Callable[..., object],
                                          query: str) -> None:
    page = browser(Role.MANAGER).get("/reports/timeliness?" + query)
    check_page(page, status=422, title="Error: Timeliness")
    assert "There is a problem" in page.text


def test_a_custom_period_and_unknown_reports_figures(browser: Callable[[Role], Browser],
                                                     check_page: Callable[..., object]) -> None:
    manager = browser(Role.MANAGER)
    page = manager.get("/reports/timeliness?period=custom&from-day=1&from-month=1&from-year=2026"
                       "&to-day=15&to-month=2&to-year=2026")
    check_page(page, title="Timeliness: 1 January 2026 to 15 February 2026")
    assert manager.get("/reports/no-such-report").status_code == 404
    assert manager.get("/reports/timeliness/cases?period=2026-Q1&table=type&figure=nope").status_code == 404
    assert manager.get("/reports/timeliness/cases?period=2026-Q1&table=type&figure=late&row=abc").status_code == 404


def test_caseworkers_cannot_see_reports(browser: Callable[[Role], Browser]) -> None:
    assert browser(Role.CASEWORKER).get("/reports").status_code == 403


@pytest.mark.parametrize("name", [r.name for r in all_reports()])
def test_every_report_renders_for_a_past_and_a_running_period(browser: Callable[[Role], Browser], name: str,
                                                              check_page: Callable[..., object]) -> None:
    manager = browser(Role.MANAGER)
    check_page(manager.get(f"/reports/{name}?period=2026-Q1"))
    running = manager.get(f"/reports/{name}?period=2026")
    check_page(running)
    assert "This period has not ended" in running.text


def test_the_dashboard_draws_each_panel_beside_its_figures(browser: Callable[[Role], Browser],
                                                           check_page: Callable[..., object]) -> None:
    manager = browser(Role.MANAGER)
    page = manager.get("/reports/dashboard?period=2026-Q1")
    check_page(page, title="Dashboard: January to March 2026")
    assert page.text.count('<svg') == 3 and page.text.count('role="img"') == 3
    link = re.search(r'href="([^"]+figure=withheld[^"]*)"[^>]*>(\d+)</a>', page.text)
    assert link is not None and link[2] == "1"
    cases = manager.get(unescape(link[1]))
    check_page(cases)
    assert "1 case<" in cases.text
    check_page(manager.get("/reports/dashboard?period=nonsense"), status=422)
