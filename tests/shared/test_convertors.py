"""The bounded ``{name:id}`` path convertor, and that every app's numbers in paths use it."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st
from starlette.convertors import IntegerConvertor
from starlette.routing import Route

from shared.web.convertors import MAX_ID, IdConvertor, digits_up_to
from tests.conftest import SPECS, starlette_app


def _matches(limit: int, text: str) -> bool:
    return re.fullmatch(digits_up_to(limit), text) is not None


def test_the_id_convertor_takes_exactly_the_integer_range() -> None:
    regex = IdConvertor.regex
    for text in ("0", "1", "42", "999999999", "1000000000", "2147483647", "0000000007"):
        assert re.fullmatch(regex, text), text
    for text in ("2147483648", "2147483650", "2200000000", "9999999999", "10000000000", str(2**63), str(2**64),
                 "", "-1", "+1", "1_0", "²", "٣", "1 ", " 1", "1e3", "1\n"):
        assert not re.fullmatch(regex, text), text
    assert IdConvertor().convert("2147483647") == MAX_ID == 2**31 - 1


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from([9, 10, 99, 100, 2**31 - 1, 2**63 - 1, 5070]))
def test_digits_up_to_agrees_with_arithmetic(number: int, limit: int) -> None:
    assert _matches(limit, str(number)) == (number <= limit)


def test_every_number_in_every_apps_paths_is_bounded(runtime) -> None:
    """Starlette's ``int`` takes any run of digits, which the database cannot bind: no route may use it."""
    unbounded = []
    for app_spec in SPECS:
        for route in starlette_app(app_spec, runtime).routes:
            if isinstance(route, Route):
                unbounded += [f"{app_spec.key} {route.path}" for convertor in route.param_convertors.values()
                              if isinstance(convertor, IntegerConvertor)]
    assert unbounded == []
