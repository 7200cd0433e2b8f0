"""The e2e harness: a live server, a mail sink, axe, page checks and the HTML report."""

from e2e.harness.axe import run_axe
from e2e.harness.checks import (
    FocusStop,
    assert_govuk_frontend_initialised,
    assert_govuk_styled,
    assert_skip_link,
    check_page,
    focus_from_top,
    focused,
    horizontal_overflow,
    page_width,
    press_continue,
    soft_failures,
    tab_through,
    visit,
)

__all__ = [
    "FocusStop",
    "assert_govuk_frontend_initialised",
    "assert_govuk_styled",
    "assert_skip_link",
    "check_page",
    "focus_from_top",
    "focused",
    "horizontal_overflow",
    "page_width",
    "press_continue",
    "run_axe",
    "soft_failures",
    "tab_through",
    "visit",
]
