"""The one strict reader of numbers and date boxes from outside (shared/numbers.py)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from shared.numbers import date_from_parts, parse_int


def test_only_ascii_digits_are_numbers() -> None:
    assert parse_int("0") == 0 and parse_int("42") == 42 and parse_int("007") == 7
    for text in (None, "", " 1", "1 ", "+1", "-1", "1_000", "1.0", "1e3", "²", "٣", "１２", "1\n", "0x10", "١٢٣"):
        assert parse_int(text) is None, repr(text)


def test_never_more_digits_than_allowed() -> None:
    assert parse_int("999999999") == 999_999_999 and parse_int("1000000000") is None  # 9 by default: an INTEGER
    assert parse_int("12", max_digits=1) is None and parse_int("123456", max_digits=6) == 123456
    assert parse_int("9" * 5000) is None  # int() would raise ValueError past 4300 digits


@given(st.text(max_size=12))
def test_any_text_is_a_number_only_if_int_agrees_and_it_is_plain_digits(text: str) -> None:
    number = parse_int(text)
    if number is not None:
        assert text.isascii() and text.isdigit() and int(text) == number and number < 10**9


def test_date_boxes_make_a_real_date_or_none() -> None:
    assert date_from_parts("27", "3", "1985") == dt.date(1985, 3, 27)
    assert date_from_parts("01", "02", "2026") == dt.date(2026, 2, 1)
    for parts in (("31", "2", "2026"), ("99999999999999999999", "1", "2026"), ("9999999999", "1", "2026"),
                  ("1", "13", "2026"), ("0", "1", "2026"), ("1", "1", "0000"), ("1", "1", "26"), ("1", "1", "20260"),
                  ("²", "1", "2026"), ("١", "1", "2026"), ("1", "1", "２０２６"), ("", "1", "2026"), ("001", "1", "2026")):
        assert date_from_parts(*parts) is None, parts
