"""The one path convertor for numbers in URLs: ``{name:id}``, bounded to the database's INTEGER.

Starlette's ``int`` convertor matches any run of digits, so ``/admin/users/9223372036854775808``
reached the handler and then the database driver, which cannot bind a number that large (SQLite
raises OverflowError past 2**63, PostgreSQL refuses an INTEGER past 2**31): a 500. ``id`` matches only
0 to 2**31 - 1, the range of every id column, so anything else matches no route and is a plain 404.

Registered once, when :mod:`shared.web` is first imported, which every app's routes are built
through; ``tests/shared/test_convertors.py`` fails on any route that uses ``int`` instead.
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor

#: The largest value of a SQL INTEGER, what every id column is (PostgreSQL ``integer``; SQLite takes more).
MAX_ID = 2**31 - 1
NAME = "id"


def digits_up_to(limit: int) -> str:
    """A regular expression for the strings of ASCII digits whose value is at most ``limit``.

    Shorter strings always are; strings as long as the limit are compared digit by digit,
    which for equal lengths is the numeric order.
    """
    text = str(limit)
    branches = [f"[0-9]{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    for index, digit in enumerate(text):
        if digit != "0":
            rest = len(text) - index - 1
            branches.append(text[:index] + f"[0-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    branches.append(text)
    return "(?:" + "|".join(branches) + ")"


class IdConvertor(Convertor[int]):
    regex = digits_up_to(MAX_ID)

    def convert(self, value: str) -> int:
        return int(value)  # the regex has already allowed only ASCII digits within MAX_ID

    def to_string(self, value: int) -> str:
        value = int(value)
        if not 0 <= value <= MAX_ID:
            raise ValueError(f"{value} is outside the range of an id (0 to {MAX_ID})")
        return str(value)


register_url_convertor(NAME, IdConvertor())
