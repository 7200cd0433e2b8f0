"""Guard: the API does what its OpenAPI document says, on the real server, whatever a client sends.

schemathesis (pinned in requirements.lock) takes every operation of the document and sends its examples,
its coverage cases (every boundary, and every way to break each constraint) and generated requests to a
live ``civic serve`` (the e2e harness's LiveServer: db upgrade, demo data, then the server), signed with an
API token that has every scope. Every response must be no 5xx, of a status, content type and headers the
document lists for that operation, and match its schema (a problem document for a refusal); a request the
document calls valid must be accepted, or refused only for what the document cannot say (404 no such case,
409 the case's state, 422 a rule such as "not in the future"); one it calls invalid must be refused.

pytest needs the operations before any server runs, so they come from the code that builds the served
document; a test compares the two. The server runs on its own SQLite database, so the PostgreSQL database
the rest of the run uses is left alone. Deterministic (a fixed seed) and bounded:
``SCHEMATHESIS_MAX_EXAMPLES`` generated requests per operation (default 100), about a minute in all.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis

from e2e.harness.server import LiveServer
from tests.api_tokens import create_api_token

OPENAPI = "/backoffice/api/v1/openapi.json"
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "100"))
#: What a request the document calls valid may still get: the document cannot know which references
#: exist (404), what state a case's clock is in (409), or rules such as "not in the future" (422).
VALID_BUT_REFUSED = ["2xx", "404", "409", "422"]


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    server = LiveServer(data_dir=tmp_path_factory.mktemp("schemathesis"), database_url=None)
    server.start(timeout=60)
    try:
        yield server, create_api_token(server.env(), "schemathesis")
    finally:
        server.stop()


def _document() -> dict[str, Any]:
    """The document the server publishes, built as the server builds it (the test below compares the two):
    pytest needs the operations when it collects, before any server is running."""
    import tempfile

    from backoffice.api.openapi import document
    from backoffice.cases.case_types import BUILT_IN
    from shared.settings import load_settings

    with tempfile.TemporaryDirectory() as directory:
        settings = load_settings({"DATA_DIR": directory, "SECRET_KEY": "openapi-document-only-0123456789abcdef",
                                  "BASE_URL": "http://127.0.0.1"})
        # The served document lists the active case types: the live server has the built-in ones.
        return document(settings, [spec.key for spec in BUILT_IN])


schema = schemathesis.openapi.from_dict(_document(), config=schemathesis.Config.from_dict({
    "seed": 11,
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    "phases": {"stateful": {"enabled": False}},
    "checks": {"positive_data_acceptance": {"expected-statuses": VALID_BUT_REFUSED}},
    "request-timeout": 30,
}))


@schema.parametrize()
def test_the_api_keeps_to_its_openapi_document(case: Any, api_server: tuple[LiveServer, str]) -> None:
    server, token = api_server
    case.call_and_validate(base_url=f"{server.base_url}/backoffice/api/v1", headers={"Authorization": f"Bearer {token}"})


def test_the_guard_tests_the_document_the_server_publishes(api_server: tuple[LiveServer, str]) -> None:
    """The operations above come from the same code as the served document; this says they are the same."""
    import json
    import urllib.request

    server, _ = api_server
    with urllib.request.urlopen(f"{server.base_url}{OPENAPI}", timeout=10) as response:
        served = json.load(response)
    assert served["servers"] == [{"url": f"{server.base_url}/backoffice/api/v1"}]
    assert {**served, "servers": None} == {**_document(), "servers": None}
