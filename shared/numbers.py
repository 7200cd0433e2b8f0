"""Whole numbers and dates typed or sent from outside, read strictly.

``int()`` takes far more than a form box, a query string or a URL should hold:
digits of every script ("٣" is 3), underscores ("1_000"), signs, surrounding
spaces and thousands of digits, while ``str.isdigit()`` says yes to "²", which
``int()`` then refuses. Text let through either way ends as a ValueError, or an
OverflowError in ``datetime`` or the database driver, deep in a handler: a 500
for ordinary input. Everything that turns outside text into a number comes
through here: ASCII digits only, and never more of them than the caller allows.
"""

from __future__ import annotations

import datetime as dt

#: Up to 999,999,999: inside a SQL INTEGER (2**31 - 1), so any such number is safe to query with.
DEFAULT_MAX_DIGITS = 9


def parse_int(text: str | None, *, max_digits: int = DEFAULT_MAX_DIGITS) -> int | None:
    """``text`` as a whole number if it is 1 to ``max_digits`` ASCII digits and nothing else; otherwise None.

    No sign, no spaces (callers strip what people may have typed around it),
    no underscores, no other scripts' digits.
    """
    if text is None or not 0 < len(text) <= max_digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def date_from_parts(day: str, month: str, year: str) -> dt.date | None:
    """The date a GOV.UK date input's three boxes make, or None when they make no real date.

    Day and month have at most 2 digits and the year exactly 4, so "31" "2" and
    "99999999999999999999" "1" are both simply not real dates.
    """
    numbers = parse_int(day, max_digits=2), parse_int(month, max_digits=2), parse_int(year, max_digits=4)
    if numbers[0] is None or numbers[1] is None or numbers[2] is None or len(year) != 4:
        return None
    try:
        return dt.date(numbers[2], numbers[1], numbers[0])
    except ValueError:
        return None
