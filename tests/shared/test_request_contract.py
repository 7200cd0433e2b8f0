"""The request contract routing offers a handler: what is kept of a refused request, who it acts for,
and whether its refusals are pages or problem documents (decided by the route, never by the path)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from starlette.responses import PlainTextResponse, Response
from starlette.testclient import TestClient

from shared import audit
from shared.audit import Actor
from shared.errors import InvalidInput
from shared.runtime import Runtime
from shared.web import PUBLIC, Access, RequestContext, page
from shared.web.factory import create_web_app
from shared.web.routing import ensure_csrf_token
from shared.web.templating import Shell

SHELL = Shell(app_key="probe", service_name="Probe service")


def _actions(runtime: Runtime) -> list[str]:
    with runtime.factory() as session:
        return list(session.scalars(select(audit.AuditEvent.action).order_by(audit.AuditEvent.id)))


def _client(runtime: Runtime, routes: list, api_prefix: str | None = None) -> TestClient:
    app = create_web_app(runtime, shell=SHELL, routes=routes, templates_dir=None, api_prefix=api_prefix)
    return TestClient(app, raise_server_exceptions=False)


def test_a_refusal_keeps_its_work_only_when_the_handler_says_so(runtime: Runtime) -> None:
    def refuses(ctx: RequestContext) -> Response:
        how = ctx.request.path_params["how"]
        audit.record(ctx.db, ctx.anonymous_actor(), f"probe.{how}", "probe", 1)
        if how != "undone":
            ctx.keep_changes()
        if how == "raised":
            raise ZeroDivisionError("an exception undoes the work whatever was declared")
        return PlainTextResponse("refused", status_code=422)

    client = _client(runtime, [page("/{how}", refuses, name="refuses", access=PUBLIC, writes_on_get=True)])
    assert [client.get(f"/{how}").status_code for how in ("undone", "kept", "raised")] == [422, 422, 500]
    assert _actions(runtime) == ["probe.kept"]


def test_a_refused_attempt_stores_nothing_partial_and_the_form_reads_the_database_without_it(
        runtime: Runtime) -> None:
    """The work before the attempt stands (kept here, as a failed sign-in's count would be); the attempt's
    half-done writes are gone before the handler shows its form again, and never reach the database."""

    def form(ctx: RequestContext) -> Response:
        if ctx.is_read:
            return PlainTextResponse(ensure_csrf_token(ctx.request))
        audit.record(ctx.db, ctx.anonymous_actor(), "probe.before", "probe", 1)
        try:
            with ctx.attempt():
                audit.record(ctx.db, ctx.anonymous_actor(), "probe.half-done", "probe", 2)
                ctx.db.flush()
                raise InvalidInput("Refused midway", {"name": "Enter a name"})
        except InvalidInput:
            seen = ctx.db.scalars(select(audit.AuditEvent.action)).all()
            ctx.keep_changes()
            return PlainTextResponse(" ".join(seen), status_code=422)
        return PlainTextResponse("saved")

    client = _client(runtime, [page("/", form, name="start", access=PUBLIC, methods=("GET", "POST"))])
    token = client.get("/").text
    shown = client.post("/", data={"csrf_token": token, "name": ""})
    assert (shown.status_code, shown.text) == (422, "probe.before")
    assert _actions(runtime) == ["probe.before"]


@dataclass(frozen=True)
class Visitor:
    actor: Actor
    user: object | None


def test_the_principal_is_who_the_request_acts_for_and_whom_the_page_shows(runtime: Runtime, tmp_path) -> None:
    def let_in(ctx: RequestContext) -> Visitor:
        return Visitor(Actor(type="staff", id="7", label="ada@example.gov.uk"), "Ada Lovelace")

    def shows(ctx: RequestContext) -> Response:
        assert ctx.actor is not None and ctx.principal is not None
        return ctx.render("who.html", {"label": ctx.actor.label})

    (tmp_path / "who.html").write_text("{{ user }} acts as {{ label }}")
    routes = [page("/", shows, name="start", access=Access("visitor", check=let_in))]
    app = create_web_app(runtime, shell=SHELL, routes=routes, templates_dir=tmp_path)
    assert TestClient(app).get("/").text == "Ada Lovelace acts as ada@example.gov.uk"


def test_whether_a_refusal_is_a_problem_is_the_routes_to_say_not_the_paths(runtime: Runtime) -> None:
    def ok(ctx: RequestContext) -> Response:
        return PlainTextResponse("ok")

    routes = [page("/v1/things", ok, name="things", access=PUBLIC, api=True),
              page("/pages/api/help", ok, name="help", access=PUBLIC),
              page("/", ok, name="start", access=PUBLIC)]  # the layout's header links to it
    client = _client(runtime, routes, api_prefix="/v1")
    problem = "application/problem+json"
    # A method the route does not take: the route is the API's, wherever its path is.
    wrong = client.post("/v1/things")
    assert wrong.status_code == 405 and wrong.headers["content-type"] == problem
    assert wrong.json()["title"] == "Method not allowed"
    # A path no route takes, under the prefix the app declared as its API's; and /healthz, for machines.
    assert client.get("/v1/nothing").headers["content-type"] == problem
    assert client.post("/healthz").headers["content-type"] == problem
    # "/api/" in a person's page's path makes it no API page, and an undeclared prefix is no API.
    assert client.post("/pages/api/help").headers["content-type"].startswith("text/html")
    assert client.get("/api/nothing").headers["content-type"].startswith("text/html")
    undeclared = _client(runtime, routes)
    assert undeclared.get("/v1/nothing").headers["content-type"].startswith("text/html")
