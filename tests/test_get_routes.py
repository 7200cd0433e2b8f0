"""Every GET route runs read-only and survives a staff session older than the touch interval.

Walks the route inventory (every app, every :class:`Page` that answers GET) signed in as an
administrator, with path parameters filled from demo data (real case references, case types,
groups, users, notices, an import, a clean attachment, a kept email, a reset link, an API token)
where there are any, else placeholders. Before each request the session was last seen just over ``TOUCH_INTERVAL`` ago,
so anything that refreshes it inside a read-only transaction fails here. Each GET must not be a
5xx, and a GET on a route that neither says ``writes_on_get`` nor sits behind a writing access
policy must begin only read-only transactions.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import itertools
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from sqlalchemy import Connection, event, select, update
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from backoffice.admin.demo import DEMO_PASSWORD, load_demo_data
from backoffice.admin.imports import run_import
from backoffice.cases.case_types import case_types
from backoffice.cases.models import Case
from backoffice.cases.transfer import IMPORT_COLUMNS
from backoffice.cases.workflow import add_attachment
from backoffice.intake.forms import form_for
from backoffice.notifications.catalogue import Notice
from backoffice.staff.accounts import StaffUser
from backoffice.staff.api_clients import SCOPES, create_api_client
from backoffice.staff.authentication import staff_actor
from backoffice.staff.groups import Group
from backoffice.staff.password_reset import request_reset
from backoffice.staff.sessions import TOUCH_INTERVAL, StaffSession
from shared import audit
from shared.db import READ_ONLY, transaction, utcnow
from shared.files import CLEAN, StoredFile
from shared.jobs import Worker
from shared.mail import JOB_KINDS, send_email
from shared.runtime import Runtime
from shared.web import errors
from shared.web.routing import Page
from tests.conftest import SPECS
from tests.factories import recording

ADMIN = "admin@example.gov.uk"
#: An issuer nothing listens on: the single sign-on routes are in the inventory and fail fast.
OIDC: dict[str, Any] = {"oidc_issuer": "http://127.0.0.1:9", "oidc_client_id": "civic", "oidc_client_secret": "not-a-secret"}
#: ``/dev/errors/{status}`` answers with the status it previews: the 5xx previews are 5xx on purpose.
PREVIEWED = sorted(status for status in errors.PAGES if status < 500)
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")


@dataclass
class Examples:
    """Values for path parameters: each alone, and those that only make sense together."""

    single: dict[str, list[str]] = field(default_factory=dict)
    together: dict[frozenset[str], list[dict[str, str]]] = field(default_factory=dict)
    queries: dict[str, list[str]] = field(default_factory=dict)
    api_token: str = ""

    def paths(self, template: str) -> list[str]:
        names = _PARAM.findall(template)
        if not names:
            return [template + query for query in ["", *self.queries.get(template, [])]]
        combos = self.together.get(frozenset(names))
        if combos is None:
            choices = [self.single.get(name) or [_placeholder(template, name)] for name in names]
            combos = [dict(zip(names, values, strict=True)) for values in itertools.product(*choices)]
        return [_PARAM.sub(lambda m, combo=combo: combo[m.group(1)], template) for combo in combos]  # type: ignore[misc]


def _placeholder(template: str, name: str) -> str:
    return "1" if re.search(r"{" + name + r":(?:int|id)}", template) else "placeholder"


def _examples(runtime: Runtime) -> Examples:
    """Demo data, and one of each thing a path can name that the demo data lacks."""
    with transaction(runtime.factory) as session:
        load_demo_data(session, runtime.settings)
    with transaction(runtime.factory) as session:
        admin = session.scalars(select(StaffUser).where(StaffUser.email == ADMIN)).one()
        actor = staff_actor(admin, audit.Actor(type="staff", label=ADMIN))
        case = session.scalars(select(Case).order_by(Case.id)).first()
        assert case is not None
        attachment = add_attachment(session, actor, admin, case, runtime.settings, "notes.txt",
                                    io.BytesIO(b"Notes of a telephone call.\n"))
        stored = session.get(StoredFile, attachment.file_id)
        assert stored is not None
        stored.status = CLEAN  # as ClamAV would have it: the download itself is served
        _client, api_token = create_api_client(session, actor, "Route guard", SCOPES)
        problems = io.StringIO()
        writer = csv.writer(problems)
        writer.writerow(IMPORT_COLUMNS)
        writer.writerow(["no-such-type", *[""] * (len(IMPORT_COLUMNS) - 1)])
        refused_import = run_import(session, actor, "cases.csv", problems.getvalue().encode())
        send_email(session, "person@example.com", "Kept message", "Kept body")
        reset_tokens: list[str] = []
        request_reset(session, ADMIN, link_for=recording(reset_tokens),
                      origin=actor, service_name="Case management")
        types = case_types(session)
        web_types = case_types(session, web_only=True)
        pages = [{"type_key": t.key, "page_key": page.key} for t in web_types for page in form_for(session, t).pages]
        foi = next(t for t in types if t.key == "foi")
        examples = Examples(
            single={
                "reference": [c.reference for c in session.scalars(select(Case).order_by(Case.id))],
                "case_type_id": [str(t.id) for t in types],
                "group_id": [str(g.id) for g in session.scalars(select(Group))],
                "user_id": [str(u.id) for u in session.scalars(select(StaffUser))],
                "event_id": [str(refused_import.event_id)],
                "fmt": ["csv", "xlsx"],
                "status": [str(status) for status in PREVIEWED],
                "type_key": [t.key for t in web_types],
            },
            together={
                frozenset({"type_key", "page_key"}): pages,
                frozenset({"case_type_id", "notice"}): [{"case_type_id": str(foi.id), "notice": n.value} for n in Notice],
                frozenset({"reference", "attachment_id"}): [{"reference": case.reference,
                                                             "attachment_id": str(attachment.id)}],
            },
            queries={"/password/new": [f"?token={reset_tokens[0]}", "?token=not-a-token"]},
            api_token=api_token,
        )
    Worker(settings=runtime.settings, factory=runtime.factory, kinds=JOB_KINDS).run_until_idle()  # keeps the mail
    with runtime.factory() as session:
        examples.single["message_id"] = [str(mid) for mid in _kept_message_ids(session)]
    return examples


def _kept_message_ids(session: Session) -> list[int]:
    from shared.mail import kept_messages

    return [message.id for message in kept_messages(session, limit=5)]


@dataclass(eq=False)  # hashable: SQLAlchemy keeps listeners by identity
class Transactions:
    """Whether each transaction begun on the engine (and its read-only twin) was read-only."""

    begun: list[bool] = field(default_factory=list)

    def __call__(self, conn: Connection) -> None:
        self.begun.append(bool(conn.get_execution_options().get(READ_ONLY)))


@pytest.fixture
def suite(runtime: Runtime) -> Iterator[tuple[Runtime, Examples, Transactions]]:
    configured = Runtime(dataclasses.replace(runtime.settings, **OIDC), runtime.engine, runtime.factory)
    examples = _examples(configured)
    transactions = Transactions()
    event.listen(runtime.engine, "begin", transactions)
    yield configured, examples, transactions
    event.remove(runtime.engine, "begin", transactions)


def _sign_in(client: TestClient) -> None:
    page = client.get("/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    response = client.post("/sign-in", data={"csrf_token": token.group(1), "email": ADMIN, "password": DEMO_PASSWORD},
                           follow_redirects=False)
    assert response.status_code == 303, response.text


def _last_seen_long_enough_ago(runtime: Runtime, at: dt.datetime) -> None:
    """The administrator's session was last seen at ``at``: test arrangement, outside any request."""
    with transaction(runtime.factory) as session:
        session.execute(update(StaffSession).where(StaffSession.revoked_at.is_(None)).values(last_seen_at=at))


def _get_routes(app: Any) -> list[Page]:
    return [route for route in app.routes if isinstance(route, Page) and "GET" in (route.methods or ())]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.key)
def test_every_get_route_is_read_only_and_survives_an_idle_staff_session(suite, spec, caplog) -> None:
    runtime, examples, transactions = suite
    app = spec.create_app(runtime)
    client = TestClient(app, raise_server_exceptions=False)
    if spec.key == "backoffice":
        _sign_in(client)
    seen = utcnow()
    problems: list[str] = []
    requested = 0
    for route in _get_routes(app):
        read_only_expected = not (route.writes_on_get or route.access.writes)
        for path in examples.paths(route.path):
            _last_seen_long_enough_ago(runtime, seen)
            transactions.begun.clear()
            caplog.clear()
            with caplog.at_level(logging.ERROR), time_machine.travel(seen + TOUCH_INTERVAL + dt.timedelta(seconds=1),
                                                                   tick=False):
                headers = {"Authorization": f"Bearer {examples.api_token}"} if route.api else {}
                response = client.get(path, headers=headers, follow_redirects=False)
            requested += 1
            if response.status_code >= 500 or "Traceback" in response.text:
                logged = "\n".join(record.getMessage() + "\n" + (record.exc_text or "") for record in caplog.records)
                problems.append(f"GET {path} ({route.access.name}): {response.status_code}\n{logged}")
            if read_only_expected and not all(transactions.begun):
                problems.append(f"GET {path} ({route.access.name}) began a write transaction "
                                f"but the route is neither writes_on_get nor behind a writing policy")
    assert requested >= len(_get_routes(app))
    assert not problems, "\n\n".join(problems)
    if spec.key == "backoffice":
        assert client.get("/sign-out-everywhere", follow_redirects=False).status_code == 200  # still signed in


def test_the_guard_sees_a_write_in_a_read_only_get(runtime) -> None:
    """The transaction listener tells read-only transactions from writing ones (else the guard proves nothing)."""
    from starlette.responses import PlainTextResponse

    from shared.web import PUBLIC, page
    from shared.web.factory import create_web_app
    from shared.web.templating import Shell

    def reads(ctx):
        ctx.db.scalar(select(StaffUser.id))
        return PlainTextResponse("read")

    routes = [page("/reads", reads, name="reads", access=PUBLIC),
              page("/declared", reads, name="declared", access=PUBLIC, writes_on_get=True)]
    app = create_web_app(runtime, shell=Shell(app_key="probe", service_name="Probe"), routes=routes, templates_dir=None)
    transactions = Transactions()
    event.listen(runtime.engine, "begin", transactions)
    try:
        client = TestClient(app)
        client.get("/reads")
        assert transactions.begun == [True]
        transactions.begun.clear()
        client.get("/declared")
        assert transactions.begun == [False]
    finally:
        event.remove(runtime.engine, "begin", transactions)
