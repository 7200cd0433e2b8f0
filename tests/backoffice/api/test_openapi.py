"""The OpenAPI document describes the code: same routes and methods both ways, and real responses fit its schemas."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.testclient import TestClient

from backoffice.api.access import scope_of
from backoffice.api.schemas import LIST_PARAMETERS
from shared.web.routing import PUBLIC, Page
from tests.backoffice.api.conftest import Api, body
from tests.backoffice.api.schema_check import assert_valid, resolve

PREFIX = "/api/v1"


def _document(api: Api) -> dict[str, Any]:
    response = api.client.get(f"{PREFIX}/openapi.json")  # public: no token
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    return response.json()


def _api_routes(client: TestClient) -> dict[str, dict[str, Page]]:
    found: dict[str, dict[str, Page]] = {}
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Page) and route.path.startswith(PREFIX + "/"):
            for method in (route.methods or set()) - {"HEAD"}:
                found.setdefault(route.path.removeprefix(PREFIX), {})[method.lower()] = route
    return found


def test_document_and_routes_agree_both_ways(api: Api) -> None:
    doc = _document(api)
    assert doc["openapi"].startswith("3.1.")
    assert doc["servers"] == [{"url": "http://testserver/backoffice/api/v1"}]
    routes = _api_routes(api.client)
    documented = {path: {m for m in item if m in {"get", "post", "put", "patch", "delete"}}
                  for path, item in doc["paths"].items()}
    assert documented == {path: set(methods) for path, methods in routes.items()}
    for path, methods in routes.items():
        for method, route in methods.items():
            operation = doc["paths"][path][method]
            security = operation.get("security", doc["security"])
            if route.access is PUBLIC:
                assert security == [], f"{method} {path} is public but documented as secured"
            else:
                scope = scope_of(route.access)
                assert scope is not None and security == [{"bearerToken": [scope]}], (method, path)
                assert {"401", "403"} <= set(operation["responses"])
    assert doc["components"]["securitySchemes"]["bearerToken"] == {
        **doc["components"]["securitySchemes"]["bearerToken"], "type": "http", "scheme": "bearer"}


def test_every_reference_resolves(api: Api) -> None:
    doc = _document(api)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                resolve(doc, node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)


def test_documented_query_parameters_are_exactly_those_accepted(api: Api) -> None:
    doc = _document(api)
    documented = {p["name"] for p in doc["paths"]["/cases"]["get"]["parameters"] if p["in"] == "query"}
    assert documented == {p.name for p in LIST_PARAMETERS}
    assert api.get(f"{PREFIX}/cases", params={"not_documented": "1"}).status_code == 400
    examples = {"case_type": "foi", "team": "Data protection", "status": "new", "due_within_days": "5",
                "overdue": "true", "open": "false", "limit": "5", "q": "bus", "received_from": "2025-01-01",
                "received_to": "2025-01-01", "owner": "nobody@example.gov.uk", "cursor": "x"}
    assert set(examples) == documented
    for name, value in examples.items():
        response = api.get(f"{PREFIX}/cases", params={name: value})
        if name in {"owner", "cursor"}:  # accepted parameters whose example values name nothing
            assert response.status_code == 422 and response.json()["errors"] == [
                {"field": name, "detail": response.json()["errors"][0]["detail"]}]
        else:
            assert response.status_code == 200, (name, response.text)


def _documented_statuses(doc: dict[str, Any], path: str, method: str) -> set[int]:
    return {int(code) for code in doc["paths"][path][method]["responses"]}


def test_real_responses_fit_the_documented_schemas_and_statuses(api: Api) -> None:
    doc = _document(api)
    example = body(received_on=dt.date(2025, 12, 22).isoformat(), channel="email", priority="high")
    assert_valid(doc, "CaseCreate", example)  # an example the document accepts is accepted by the code
    seen: list[tuple[str, str, Any]] = []

    def record(path: str, method: str, response: Any, schema: str) -> None:
        assert response.status_code in _documented_statuses(doc, path, method), (path, method, response.status_code)
        content = doc["paths"][path][method]["responses"][str(response.status_code)]["content"]
        media_type = response.headers["content-type"]
        assert list(content) == [media_type]
        assert content[media_type]["schema"] == {"$ref": f"#/components/schemas/{schema}"}
        assert_valid(doc, schema, response.json())
        seen.append((path, method, response.status_code))

    created = api.post(example, headers={"Idempotency-Key": "doc"})
    record("/cases", "post", created, "Case")
    record("/cases", "post", api.post(example, headers={"Idempotency-Key": "doc"}), "Case")
    record("/cases", "post", api.post(body(extra=1)), "Problem")
    record("/cases", "post", api.post(body(), headers={"Idempotency-Key": ""}), "Problem")
    record("/cases", "post", api.client.post(f"{PREFIX}/cases", data={"a": "b"}, headers=api.auth), "Problem")
    record("/cases", "post", api.client.post(f"{PREFIX}/cases", json=body()), "Problem")
    record("/cases/{reference}", "get", api.get(f"{PREFIX}/cases/{created.json()['reference']}"), "Case")
    record("/cases/{reference}", "get", api.get(f"{PREFIX}/cases/NOPE-1"), "Problem")
    record("/cases", "get", api.get(f"{PREFIX}/cases", params={"limit": 1}), "CaseList")
    record("/cases", "get", api.get(f"{PREFIX}/cases", params={"limit": "x"}), "Problem")
    assert {status for _, _, status in seen} == {200, 201, 400, 401, 404, 415, 422}
