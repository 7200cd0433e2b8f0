"""Numbers in back-office URLs: past the database's INTEGER a route is the GOV.UK 404 page, never a 500.

Every route with a number in its path is found by walking the app, so a route added later is covered
too; each is asked, signed in as an administrator (who may use every one), by every method it takes.
"""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import func, select
from starlette.routing import Route
from starlette.testclient import TestClient

from backoffice.cases.case_types import seed_built_in_types
from backoffice.intake.new_cases import NewCase, Requester, create_case
from backoffice.notifications.catalogue import Notice
from backoffice.staff.accounts import Role, create_user
from backoffice.staff.groups import Group, add_member
from shared import audit
from shared.runtime import Runtime
from tests.conftest import spec, starlette_app
from tests.factories import signed_in

SYSTEM = audit.Actor(type="system", label="tests")
#: Past PostgreSQL's INTEGER, past SQLite's 64-bit INTEGER, and far past both.
HUGE = (2**31, 2**63, 2**64, 10**30)
#: What the other parameters of those routes are set to: values that exist, so only the number is wrong.
OTHERS = {"what": "reminder", "notice": Notice.CASE_RAISED.value, "fmt": "csv"}
PARAM = re.compile(r"\{(\w+)(?::(\w+))?\}")


def _numeric(route: Route) -> list[str]:
    """The route's path parameters that take numbers (whatever convertor they are declared with)."""
    return [name for name, convertor in route.param_convertors.items()
            if re.fullmatch(convertor.regex, "7") and not re.fullmatch(convertor.regex, "x")]


def _path(route: Route, values: dict[str, str]) -> str:
    return PARAM.sub(lambda m: values[m.group(1)], route.path)


def _evidence(runtime: Runtime) -> tuple[int, int]:
    with runtime.factory() as session:
        return (int(session.scalar(select(func.count(audit.AuditEvent.id))) or 0),
                int(session.scalar(select(func.count(Group.id))) or 0))


def test_every_number_in_a_path_past_the_integer_range_is_not_found(runtime: Runtime, settings) -> None:
    with runtime.factory() as session, session.begin():
        seed_built_in_types(session, SYSTEM)
        admin = create_user(session, SYSTEM, email="administrator@example.gov.uk", name="Admin",
                            role=Role.ADMINISTRATOR, password=None)
        for group in session.scalars(select(Group)):
            add_member(session, SYSTEM, group.id, admin.id)
        reference = create_case(session, SYSTEM, NewCase(
            case_type="foi", subject="Bus timetables", description="Send them.", channel="email",
            requester=Requester(name="Sam Jones", email="sam@example.com"))).reference
        admin_id = admin.id
    app = starlette_app("backoffice", runtime)
    routes = [route for route in app.routes if isinstance(route, Route) and _numeric(route)]
    assert len(routes) >= 15  # tasks, attachments, case types, statuses, groups, users, imports, dev mail...
    client = signed_in(TestClient(app, raise_server_exceptions=False), runtime.factory, settings.secret_key, admin_id)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-out-everywhere").text)
    assert token
    before = _evidence(runtime)
    for route in routes:
        for name in _numeric(route):
            for number in HUGE:
                values = {**OTHERS, "reference": reference, **dict.fromkeys(_numeric(route), "1"), name: str(number)}
                path = _path(route, values)
                for method in sorted(set(route.methods or ()) - {"HEAD"}):
                    data = {"csrf_token": token.group(1), "idempotency_key": uuid.uuid4().hex}
                    response = client.request(method, path, data=data if method == "POST" else None,
                                              follow_redirects=False)
                    assert response.status_code == 404, f"{method} {path}: {response.status_code}"
                    assert "Page not found" in response.text, f"{method} {path}"
    assert _evidence(runtime) == before  # nothing was done, nothing was recorded


@pytest.mark.parametrize("number", ["1" + "0" * 9, str(2**31 - 1)])
def test_numbers_in_range_still_reach_the_handler(runtime: Runtime, settings, number: str) -> None:
    """Within the INTEGER range the route matches, and an id that names nothing is the handler's own 404."""
    with runtime.factory() as session, session.begin():
        seed_built_in_types(session, SYSTEM)
        admin_id = create_user(session, SYSTEM, email="administrator@example.gov.uk", name="Admin",
                               role=Role.ADMINISTRATOR, password=None).id
    client = signed_in(TestClient(spec("backoffice").create_app(runtime), raise_server_exceptions=False),
                       runtime.factory, settings.secret_key, admin_id)
    for path in (f"/admin/users/{number}", f"/admin/case-types/{number}", f"/cases/import/{number}"):
        response = client.get(path)
        assert response.status_code == 404 and "Page not found" in response.text, path
