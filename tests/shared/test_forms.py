"""The one GOV.UK form library: date input wording and boxes, the error summary's links, the email rule."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.mail import ADDRESS_ERROR
from shared.web.forms import DATE_PARTS, Past, date_items, date_parts, email_error, error_summary, parse_date

LABEL = "the date of the letter"
TODAY = dt.date(2026, 6, 15)


def _parts(day: str = "", month: str = "", year: str = "") -> dict[str, str]:
    return {"day": day, "month": month, "year": year}


def test_a_real_date_is_read() -> None:
    answer = parse_date(_parts("7", "03", "2026"), LABEL)
    assert answer.value == dt.date(2026, 3, 7) and answer.error is None and answer.wrong == ()


def test_nothing_typed_is_enter_the_date_or_nothing_when_optional() -> None:
    answer = parse_date(_parts(), LABEL)
    assert (answer.value, answer.error, answer.wrong) == (None, "Enter the date of the letter", DATE_PARTS)
    assert parse_date(_parts(), LABEL, missing="Enter the date you wrote").error == "Enter the date you wrote"
    optional = parse_date(_parts(), LABEL, required=False)
    assert (optional.value, optional.error) == (None, None)


@pytest.mark.parametrize(("parts", "message", "first"), [
    (_parts("", "3", "2026"), "The date of the letter must include a day", "day"),
    (_parts("7", "", "2026"), "The date of the letter must include a month", "month"),
    (_parts("7", "3", ""), "The date of the letter must include a year", "year"),
    (_parts("", "", "2026"), "The date of the letter must include a day and month", "day"),
    (_parts("7", "", ""), "The date of the letter must include a month and year", "month"),
])
def test_missing_parts_are_named_and_the_link_goes_to_the_first(parts: dict[str, str], message: str,
                                                                first: str) -> None:
    answer = parse_date(parts, LABEL, required=False)  # a partly typed optional date is still wrong
    assert (answer.value, answer.error, answer.part) == (None, message, first)
    assert answer.anchor("letter") == f"letter-{first}"


@pytest.mark.parametrize("parts", [
    _parts("31", "2", "2026"), _parts("29", "2", "2025"), _parts("1", "13", "2026"), _parts("0", "1", "2026"),
    _parts("x", "1", "2026"), _parts("²", "1", "2026"), _parts("١", "1", "2026"), _parts("-1", "1", "2026"),
    _parts("1.5", "1", "2026"), _parts("99999999999999999999", "1", "2026"),
])
def test_impossible_dates_and_non_digits_are_not_real_dates(parts: dict[str, str]) -> None:
    answer = parse_date(parts, LABEL)
    assert (answer.value, answer.error, answer.wrong) == (None, "The date of the letter must be a real date", DATE_PARTS)


def test_a_year_without_4_numbers_points_at_the_year() -> None:
    for year in ("26", "20260"):
        answer = parse_date(_parts("1", "1", year), LABEL)
        assert (answer.error, answer.wrong) == ("Year must include 4 numbers", ("year",))


def test_a_leap_day_is_real_in_a_leap_year() -> None:
    assert parse_date(_parts("29", "2", "2028"), LABEL).value == dt.date(2028, 2, 29)


def test_bounds_are_worded_as_the_design_system_does() -> None:
    first, last = dt.date(2000, 1, 1), dt.date(2045, 12, 31)
    both = "The date of the letter must be between 1 January 2000 and 31 December 2045"
    assert parse_date(_parts("31", "12", "1999"), LABEL, earliest=first, latest=last).error == both
    assert parse_date(_parts("1", "1", "2046"), LABEL, earliest=first, latest=last).error == both
    assert parse_date(_parts("1", "1", "2000"), LABEL, earliest=first, latest=last).value == first
    assert parse_date(_parts("31", "12", "2045"), LABEL, earliest=first, latest=last).value == last
    assert (parse_date(_parts("31", "12", "1999"), LABEL, earliest=first).error
            == "The date of the letter must be the same as or after 1 January 2000")
    assert (parse_date(_parts("1", "1", "2046"), LABEL, latest=last).error
            == "The date of the letter must be the same as or before 31 December 2045")
    assert parse_date(_parts("1", "1", "1999"), LABEL, earliest=first).wrong == DATE_PARTS


def test_dates_in_the_past_with_or_without_today() -> None:
    today, tomorrow = _parts("15", "6", "2026"), _parts("16", "6", "2026")
    before = parse_date(today, LABEL, past=Past.BEFORE_TODAY, today=TODAY)
    assert before.error == "The date of the letter must be in the past"
    assert parse_date(_parts("14", "6", "2026"), LABEL, past=Past.BEFORE_TODAY, today=TODAY).value == dt.date(2026, 6, 14)
    assert parse_date(today, LABEL, past=Past.TODAY_OR_BEFORE, today=TODAY).value == TODAY
    assert (parse_date(tomorrow, LABEL, past=Past.TODAY_OR_BEFORE, today=TODAY).error
            == "The date of the letter must be today or in the past")


def test_date_parts_are_read_from_fields_or_a_field_reader() -> None:
    fields = {"on-day": " 7 ", "on-month": "3", "other": "x"}
    assert date_parts(fields, "on") == {"day": "7", "month": "3", "year": ""}
    assert date_parts(lambda name: fields.get(name, ""), "on") == {"day": "7", "month": "3", "year": ""}


def test_date_items_keep_what_was_typed_and_mark_only_the_wrong_boxes() -> None:
    items = date_items(_parts("7", "", "2026"), wrong=("month",))
    assert [(i["name"], i["value"]) for i in items] == [("day", "7"), ("month", ""), ("year", "2026")]
    assert ["govuk-input--error" in i["classes"] for i in items] == [False, True, False]
    assert "govuk-input--width-4" in items[2]["classes"]


def test_the_error_summary_lists_fields_in_page_order_linking_to_each() -> None:
    errors = {"email": "Enter your email address", "extra": "Something else", "name": "Enter your name"}
    summary = error_summary(errors, ("name", "email"))
    assert summary["errors"] == errors
    assert summary["error_list"] == [
        {"text": "Enter your name", "href": "#name"},
        {"text": "Enter your email address", "href": "#email"},
        {"text": "Something else", "href": "#extra"},
    ]
    assert error_summary({}, ("name",)) == {"errors": {}, "error_list": []}


def test_a_date_inputs_summary_link_goes_to_its_first_wrong_box() -> None:
    answer = parse_date(_parts("7", "", ""), "date received")
    summary = error_summary({"received_on": answer.error or ""}, anchors={"received_on": answer.anchor("received_on")})
    assert summary["error_list"] == [{"text": "Date received must include a month and year",
                                      "href": "#received_on-month"}]


@pytest.mark.parametrize("address", ["a..b@example.com", "name@localhost", "name@", "@example.com", "name example.com",
                                     "name@example.c", "x" * 65 + "@example.com"])
def test_email_uses_the_mailers_rule(address: str) -> None:
    assert email_error(address) == ADDRESS_ERROR


def test_email_blank_is_its_own_message_or_none_when_optional() -> None:
    assert email_error("") == "Enter your email address"
    assert email_error("  ", missing="Enter the team's email address") == "Enter the team's email address"
    assert email_error("", missing=None) is None
    assert email_error("Name.Surname+tag@Example.gov.uk") is None
