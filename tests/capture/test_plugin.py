"""What capture declares in its AppSpec: the home, the pages others link to, the words form pages may not take."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.routing import Route

from backoffice.intake.forms import BUILT_IN_FORMS, parse_definition
from capture.plugin import spec
from capture.web import MOUNT, routes
from shared.apps import discover, home, public_url, reserved_page_keys
from shared.errors import InvalidInput
from shared.settings import Settings


def test_capture_is_the_suites_home() -> None:
    assert home(discover()) is spec


def test_every_declared_public_path_is_a_page_of_captures() -> None:
    paths = {route.path for route in routes() if isinstance(route, Route)}
    assert spec.public_paths and set(spec.public_paths.values()) <= paths


def test_a_public_url_is_base_url_mount_and_path(settings: Settings) -> None:
    assert public_url(settings, "request-progress") == "http://testserver" + MOUNT + "/progress"
    assert public_url(settings, "no-such-page") == "http://testserver/"


def test_the_reserved_words_are_captures_own_pages_beside_a_forms() -> None:
    assert spec.reserved_page_keys == {"check", "check-your-email", "resend", "published-answers", "suggestions"}
    assert spec.reserved_page_keys <= reserved_page_keys()


def test_no_built_in_form_takes_a_reserved_word() -> None:
    for definition in BUILT_IN_FORMS.values():
        assert not {page.key for page in definition.pages} & reserved_page_keys(), definition.key


@pytest.mark.parametrize("word", sorted(spec.reserved_page_keys))
def test_an_administrators_form_may_not_take_a_reserved_word(word: str) -> None:
    raw: dict[str, Any] = {"key": "t", "title": "T", "pages": [
        {"key": "name", "title": "Name", "questions": [
            {"key": "name", "type": "text", "label": "Name", "noun": "your name", "maps_to": "requester.name"}]},
        {"key": word, "title": "Email", "questions": [
            {"key": "email", "type": "email", "label": "Email", "noun": "your email", "maps_to": "requester.email"}]},
    ]}
    with pytest.raises(InvalidInput) as caught:
        parse_definition(raw)
    assert word in caught.value.errors["definition"]
    raw["pages"][1]["key"] = "email"
    assert parse_definition(raw).page("email") is not None
