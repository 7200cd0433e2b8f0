"""The published schemas say exactly what the code accepts: values at and past each rule's boundary,
and values generated from the published patterns, are accepted exactly when the document says they are.

The verdict on each side is independent: ``schema_check`` reads the document as served, the server
answers with the real validator and case core behind it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select

from backoffice.api import schemas
from backoffice.api.schemas import KEYWORDS, SCHEMAS
from backoffice.cases.models import CaseType
from tests.backoffice.api.conftest import Api, body
from tests.backoffice.api.schema_check import errors, resolve

PREFIX = "/api/v1"


def _document(api: Api) -> dict[str, Any]:
    return api.client.get(f"{PREFIX}/openapi.json").json()


def _walk(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += _walk(value)
    elif isinstance(node, list):
        for value in node:
            found += _walk(value)
    return found


def _keywords(schema: dict[str, Any]) -> set[str]:
    """Every keyword used in ``schema`` and its subschemas (property maps are not schemas themselves)."""
    used = set(schema)
    for sub in schema.get("properties", {}).values():
        used |= _keywords(sub)
    for sub in [*schema.get("anyOf", []), *([schema["items"]] if "items" in schema else [])]:
        used |= _keywords(sub)
    return used


def test_the_validator_enforces_every_keyword_the_schemas_use() -> None:
    used = set().union(*(_keywords(schema) for schema in SCHEMAS.values()))
    used |= set().union(*(_keywords(p.schema) for p in schemas.LIST_PARAMETERS))
    assert used <= KEYWORDS, used - KEYWORDS


def test_published_patterns_mean_the_same_in_ecma_262_and_python(api: Api) -> None:
    """No ``$`` (Python's matches before a final newline too), no ``\\d`` or lone ``\\s`` (other sets)."""
    doc = _document(api)
    patterns = [n["pattern"] for n in _walk(doc) if isinstance(n.get("pattern"), str)]
    assert len(patterns) >= 5
    for pattern in patterns:
        bare = pattern.replace("[\\s\\S]", "")
        assert "$" not in bare and "\\d" not in bare and "\\s" not in bare and "\\w" not in bare, pattern
        re.compile(pattern)


def test_the_served_document_lists_the_active_case_types_and_hides_private_keywords(api: Api) -> None:
    def listed() -> list[str]:
        return _document(api)["components"]["schemas"]["CaseCreate"]["properties"]["case_type"]["enum"]

    assert {"foi", "eir", "sar", "complaint", "enquiry"} <= set(listed())
    with api.session() as session, session.begin():
        session.scalars(select(CaseType).where(CaseType.key == "enquiry")).one().active = False
    assert "enquiry" not in listed()
    assert _send(api, body(case_type="enquiry")).status_code == 422
    assert schemas.MESSAGES not in json.dumps(_document(api))


def _send(api: Api, payload: Any, **headers: str):
    return api.client.post(f"{PREFIX}/cases", content=json.dumps(payload).encode(),
                           headers={**api.auth, "Content-Type": "application/json", **headers})


def _agrees(api: Api, doc: dict[str, Any], payload: Any, **headers: str) -> None:
    documented = errors(doc, {"$ref": "#/components/schemas/CaseCreate"}, payload)
    response = _send(api, payload, **headers)
    if documented:
        assert response.status_code == 422, (documented, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    else:
        assert response.status_code == 201, (payload, response.text)


def _requester(**values: Any) -> dict[str, Any]:
    return {"name": "Sam Jones", "email": "sam@example.com", **values}


def _boundaries(doc: dict[str, Any]) -> list[Any]:
    """Bodies at and just past every length, pattern, enum and anyOf rule of CaseCreate."""
    create = doc["components"]["schemas"]["CaseCreate"]["properties"]
    person = resolve(doc, "#/components/schemas/RequesterInput")["properties"]
    bodies: list[Any] = []
    for field in ("subject", "description"):
        most = create[field]["maxLength"]
        bodies += [body(**{field: "x" * most}), body(**{field: "x" * (most + 1)}), body(**{field: ""}),
                   body(**{field: " \t\n"}), body(**{field: "\x1c\u3000"}), body(**{field: "\x1c\u3000é"}),
                   body(**{field: " " * (most - 1) + "x"}), body(**{field: " " * most + "x"})]
    most = person["name"]["maxLength"]
    bodies += [body(requester=_requester(name=value)) for value in ("n" * most, "n" * (most + 1), "", "\u2028", "\x85a")]
    for phone in ("", None, "012345", "01234", "+44 (0)1632-960 001", "0" * 40, "0" * 41, "0123456\n",
                  "\n0123456", "01632 960 00١", "01632x960001"):
        bodies.append(body(requester=_requester(phone=phone)))
    most = person["address"]["maxLength"]
    bodies += [body(requester={"name": "Pat", "address": "a" * most}),
               body(requester={"name": "Pat", "address": "a" * (most + 1)}),
               body(requester={"name": "Pat", "address": ""}), body(requester={"name": "Pat", "email": ""}),
               body(requester={"name": "Pat", "email": None, "address": None}), body(requester={"name": "Pat"})]
    for field in ("channel", "priority"):
        bodies += [body(**{field: value}) for value in [*create[field]["enum"], "", "FAX", "Normal"]]
    bodies += [body(case_type=value) for value in [*create["case_type"]["enum"], "", "FOI", "parking"]]
    return bodies


def test_boundary_values_are_accepted_exactly_when_the_document_says(api: Api) -> None:
    doc = _document(api)
    for payload in _boundaries(doc):
        _agrees(api, doc, payload)


_PHONES = st.from_regex(schemas.PHONE).filter(lambda phone: len(phone) <= 40)


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(phone=st.one_of(_PHONES, st.text(alphabet="0123456789+() -x\n", max_size=42)),
       subject=st.one_of(st.from_regex(schemas.NOT_BLANK), st.text(alphabet=" \t\x1c\u3000a", max_size=4)))
def test_values_generated_from_the_published_patterns_agree(api: Api, phone: str, subject: str) -> None:
    doc = _document(api)
    _agrees(api, doc, body(subject=subject[:300], requester=_requester(phone=phone)))


@pytest.mark.parametrize(("schema", "value", "field"), [
    ("ClockExtend", {"reason": "r" * 2000}, None),
    ("ClockExtend", {"reason": "r" * 2001}, "reason"),
    ("ClockExtend", {"reason": "r" * 1999 + "  "}, "reason"),  # too long as sent, whatever trimming leaves
    ("ClockExtend", {"reason": "\u3000"}, "reason"),
    ("ClockPause", {"reason": "fee", "note": "n" * 2000}, None),
    ("ClockPause", {"reason": "fee", "note": "n" * 2001}, "note"),
    ("ClockPause", {"reason": "Fee"}, "reason"),
    ("Clarification", {}, "requested_on"),
    ("Clarification", {"requested_on": None, "received_on": None}, "requested_on"),
    ("Clarification", {"received_on": "2025-12-23"}, None),
])
def test_clock_bodies_are_checked_as_published(api: Api, schema: str, value: dict[str, Any],
                                               field: str | None) -> None:
    doc = _document(api)
    documented = errors(doc, {"$ref": f"#/components/schemas/{schema}"}, value)
    found = schemas.check(SCHEMAS[schema], value)
    assert bool(documented) == bool(found) == (field is not None), (documented, found)
    if field is not None:
        assert list(found) == [field]
        reference = api.seed_case()
        action = {"ClockExtend": "extend", "ClockPause": "pause", "Clarification": "clarification"}[schema]
        response = api.client.post(f"{PREFIX}/cases/{reference}/{action}", json=value, headers=api.auth)
        assert response.status_code == 422 and [e["field"] for e in response.json()["errors"]] == [field]


@pytest.mark.parametrize(("key", "accepted"), [
    ("k" * 200, True), ("k" * 201, False), ("a b~c", True), ("caf\xe9", False), ("tab\there", False),
])
def test_idempotency_keys_are_checked_as_published(api: Api, key: str, accepted: bool) -> None:
    doc = _document(api)
    [header] = [p for p in doc["paths"]["/cases"]["post"]["parameters"] if p["name"] == "Idempotency-Key"]
    assert (not errors(doc, header["schema"], key)) is accepted
    response = api.client.post(f"{PREFIX}/cases", json=body(),
                               headers=[(b"Authorization", api.auth["Authorization"].encode()),
                                        (b"Idempotency-Key", key.encode("latin-1"))])
    assert response.status_code == (201 if accepted else 400), response.text


@pytest.mark.parametrize(("name", "value", "accepted"), [
    ("q", "q" * 200, True), ("q", "q" * 201, False), ("q", " ", False), ("q", "", False),
    ("case_type", "", False), ("case_type", "\u3000", False), ("status", "new", True), ("status", "\t", False),
    ("team", " ", False), ("limit", "1", True), ("limit", "200", True), ("limit", "0", False),
    ("limit", "201", False), ("due_within_days", "0", True), ("due_within_days", "3650", True),
    ("due_within_days", "3651", False),
])
def test_query_parameters_are_checked_as_published(api: Api, name: str, value: str, accepted: bool) -> None:
    doc = _document(api)
    [parameter] = [p for p in doc["paths"]["/cases"]["get"]["parameters"] if p["name"] == name]
    schema = parameter["schema"]["items"] if parameter["schema"]["type"] == "array" else parameter["schema"]
    typed: Any = int(value) if schema["type"] == "integer" else value
    assert (not errors(doc, schema, typed)) is accepted
    response = api.get(f"{PREFIX}/cases", params={name: value})
    assert response.status_code == (200 if accepted else 400), response.text
