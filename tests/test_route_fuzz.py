"""Guard: whatever a stranger, an administrator or an API client sends, no route answers with a 5xx or a
traceback.

For every route in the inventory (every app built by its factory, as tests/test_routes.py walks them) and
every method it takes, hypothesis makes requests: path parameters (real values found by crawling the apps,
and huge integers, Unicode digits, newlines, %-encodings), query strings with repeated names, headers,
cookies and bodies (arbitrary bytes, deep JSON, huge integers, Unicode digits, repeated fields, urlencoded
and multipart), sent with no credentials, with a browser's session and CSRF token, with an administrator's
staff session, and with an API token. The apps run on the real database (SQLite, or PostgreSQL when
DATABASE_URL says so) with the demo data loaded.

Each route first gets a few systematic requests (path integers past 2^63, every field it reads set to a
Unicode digit, to a huge integer, to a line break, then every field sent twice, and its own form as it stands,
with every field twice, with Unicode digits, with years out of the calendar's range), then hypothesis's. Deterministic: each route has its
own fixed seed and a fixed number of examples (about two minutes for every route on two cores). Set ``FUZZ_EXAMPLES_SCALE`` to run more (or fewer) examples, and
``FUZZ_SHRINK=1`` to have hypothesis shrink a failure to its smallest input.
"""

from __future__ import annotations

import datetime as dt
import html
import inspect
import json
import logging
import os
import re
import tempfile
import traceback
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, Phase, given, seed
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from backoffice.admin.demo import DEMO_CASES
from backoffice.automation.config import seed_automation
from backoffice.cases.case_types import seed_built_in_types
from backoffice.intake.new_cases import NewCase, Requester, create_case, today_in_london
from backoffice.organisation.body import get_organisation
from backoffice.staff.accounts import Role, StaffUser, create_user
from backoffice.staff.groups import Group, add_member
from backoffice.staff.sessions import start_session
from shared import audit
from shared.db import transaction
from shared.runtime import Runtime
from shared.settings import Settings, load_settings
from shared.web.routing import Page
from tests.api_tokens import create_api_token
from tests.conftest import SPECS, fresh_database, starlette_app
from tests.factories import session_cookie

SCALE = float(os.environ.get("FUZZ_EXAMPLES_SCALE", "1"))
#: Examples per route and method: POSTs reach the most code, a HEAD is a GET without its body.
EXAMPLES = {"GET": 12, "HEAD": 2, "POST": 16, "PUT": 16, "PATCH": 16, "DELETE": 16}
ADMIN_EMAIL = "admin@example.gov.uk"
CSRF = "fuzz-csrf-token-0123456789abcdefghijklmnopqrstuvwxyz"
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+")

# ------------------------------------------------------------------ the inventory, at collection time


def _inventory() -> list[tuple[str, str, str]]:
    """(app, path, method) for every route of every app: the same apps tests/test_routes.py walks."""
    with tempfile.TemporaryDirectory(prefix="civic-fuzz-inventory-") as directory:
        settings = load_settings({"DATA_DIR": directory, "DATABASE_URL": f"sqlite:///{directory}/unused.db",
                                  "SECRET_KEY": "inventory-only-secret-key-0123456789abcdef"})
        runtime = Runtime.from_settings(settings)
        found = []
        for spec in SPECS:
            for route in starlette_app(spec, runtime).routes:
                if isinstance(route, Page):
                    found += [(spec.key, route.path, method) for method in sorted(route.methods or ())]
        runtime.engine.dispose()
    return found


ROUTES = _inventory()

# ------------------------------------------------------------------ what the strategies draw from

UNICODE_DIGITS = ["²", "١", "٣٤", "𝟗", "①", "߁", "໒", "፩", "٠", "１２", "Ⅻ", "½"]
HUGE_INTEGERS = [str(2**31), str(2**63 - 1), str(2**63), str(2**64), "9" * 30, "9" * 5000, f"-{2**63 + 1}",
                 "1e999", "-0", "0x10", "1_000", "+7", " 3 ", "NaN", "Infinity"]
NASTY_TEXT = ["", " ", "\n", "a\nb", "\r\n", "\t", "\x00", "\x7f", "%0A", "%00", "%", "<script>x</script>",
              "'\"`", "../../etc/passwd", "\u202e", "é", "日本語", "🙂", "a" * 5000, "null", "true", "[]", "{}",
              "2026-02-30", "0000-00-00", "9999-12-31", "1899-12-31", "31/12/1999", "2024-01-01T00:00:00Z",
              "a..b@example.com", "a@b", "@", "Robert'); DROP TABLE cases;--", "%s%s%n"]
RAW_SEGMENTS = ["%0A", "a%0Ab", "%0D%0A", "%2F", "..%2F..", "%00", "%ZZ", "%", "%C3%28", "%FF", "%E2%80%AE",
                "%F0%9F%99%82", "%25", "%20", "+", ";", "%3B", "~", ".", "..", "%2e%2e", "%C2%B2", "%D9%A1"]
HEADER_NAMES = ["accept", "accept-language", "accept-encoding", "user-agent", "referer", "origin", "x-request-id",
                "x-forwarded-for", "x-forwarded-proto", "x-real-ip", "forwarded", "idempotency-key", "if-none-match",
                "if-modified-since", "range", "x-csrf-token", "content-type", "authorization", "host", "hx-request",
                "x-requested-with", "cache-control", "dnt", "upgrade-insecure-requests"]
CONTENT_TYPES = ["application/json", "application/json; charset=latin-1", "application/problem+json",
                 "application/x-www-form-urlencoded", "multipart/form-data", "multipart/form-data; boundary=",
                 "multipart/form-data; boundary=zz", "text/plain", "text/csv", "application/octet-stream",
                 "application/xml", "", "*/*", "application/json\x00", "application/x-www-form-urlencoded; charset=utf-7",
                 "image/png", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
FILE_NAMES = ["passport.png", "evidence.pdf", "cases.xlsx", "cases.csv", "notes.txt", "", ".", "..", "../x.pdf",
              "a\nb.pdf", "日本.pdf", "x" * 300 + ".pdf", "no-extension", "virus.exe", "a.PDF", "%00.pdf"]
FILE_TYPES = ["application/pdf", "image/png", "text/csv", "text/plain", "application/octet-stream",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "", "x/y"]
FILE_BODIES = [b"", b"%PDF-1.4\n%%EOF\n", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, b"PK\x03\x04" + b"\x00" * 40,
               b"reference,subject\nFOI-1,x\n", "a,b\n²,١\n".encode(), b"\xff\xfe\x00\x00", b"X5O!P%@AP" * 3]


@dataclass
class World:
    """One database with the demo data, every app built once, and what crawling them found."""

    runtime: Runtime
    clients: dict[str, TestClient]
    recorders: dict[str, Recorder]
    cookie_names: dict[str, str]
    admin_id: int
    token: str
    path_values: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)
    route_fields: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    forms: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)
    field_names: set[str] = field(default_factory=set)
    field_values: set[str] = field(default_factory=set)
    json_keys: set[str] = field(default_factory=set)

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    def session_cookie(self, app: str, data: dict[str, Any]) -> str:
        """The signed cookie Starlette's SessionMiddleware would set."""
        return f"{self.cookie_names[app]}={session_cookie(self.settings.secret_key, data)}"

    def staff_session(self) -> str:
        """A new live session for the administrator (the last example may have signed it out everywhere)."""
        with transaction(self.runtime.factory) as session:
            user = session.get(StaffUser, self.admin_id)
            assert user is not None
            user.active, user.role = True, Role.ADMINISTRATOR.value  # an example may have changed either
            _, token = start_session(session, user, ip="testclient", user_agent="route fuzz")
        return token


class Recorder:
    """Wraps an app to keep what escapes it (an error after the response began is not a 500 page)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.escaped: list[BaseException] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except BaseException as exc:
            self.escaped.append(exc)
            raise


class ErrorLog(logging.Handler):
    """Every record logged with an exception while a request runs (the 500 handler logs the traceback)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.records.append(record)


@pytest.fixture(scope="module")
def world(template_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:

    data_dir = tmp_path_factory.mktemp("fuzz")
    url = fresh_database(template_database, data_dir)
    env = {"DATA_DIR": str(data_dir), "DATABASE_URL": url, "APP_ENV": "development",
           "SECRET_KEY": "fuzz-secret-key-that-is-long-enough-0123456789", "BASE_URL": "http://testserver",
           "ORG_NAME": "Testshire Council", "CLAMD_SOCKET": str(data_dir / "no-clamd.sock"),
           "RATE_LIMIT_SCALE": "1000"}
    runtime = Runtime.from_settings(load_settings(env))
    with transaction(runtime.factory) as session:
        admin_id = _seed(session)
    token = create_api_token(env, "route fuzz")
    clients, recorders, cookie_names = {}, {}, {}
    for spec in SPECS:
        app = spec.create_app(runtime)
        assert isinstance(app, Starlette)
        recorders[spec.key] = Recorder(app)
        clients[spec.key] = TestClient(recorders[spec.key], raise_server_exceptions=False, follow_redirects=False)
        cookie_names[spec.key] = f"civic_{app.state.shell.app_key}"
    built = World(runtime, clients, recorders, cookie_names, admin_id, token)
    _read_sources(built)
    _crawl(built)
    yield built
    for client in clients.values():
        client.close()
    runtime.engine.dispose()


def _seed(session: Session) -> int:
    """The demo data's case types, teams, automation and cases, and one administrator in every team
    (without a password: the fuzz signs in by opening sessions, and argon2 would cost seconds)."""
    actor = audit.Actor(type="system", label="route fuzz")
    get_organisation(session)
    seed_built_in_types(session, actor)
    seed_automation(session, actor)
    admin = create_user(session, actor, email=ADMIN_EMAIL, name="Ada Administrator", role=Role.ADMINISTRATOR,
                        password=None)
    for group in session.scalars(select(Group)):
        add_member(session, actor, group.id, admin.id)
    for key, subject, description, name, days_ago in DEMO_CASES:
        create_case(session, actor, NewCase(
            case_type=key, subject=subject, description=description, channel="email",
            requester=Requester(name=name, email=name.lower().replace(" ", ".") + "@example.com"),
            received_on=today_in_london() - dt.timedelta(days=days_ago)))
    return admin.id


# ------------------------------------------------------------------ crawling for real values

_LINK = re.compile(r'(?:href|action)="([^"#]*)"')
_NAME = re.compile(r'\bname="([^"]{1,80})"')
_VALUE = re.compile(r'\bvalue="([^"]{0,80})"')


def _plausible(name: str) -> str:
    """What a person might type in an empty box, so that a changed form gets past the usual checks."""
    for ending, value in (("-day", "1"), ("-month", "1"), ("-year", "2025"), ("email", "sam@example.com"),
                          ("phone", "01632 960000"), ("name", "Sam Jones"), ("postcode", "SW1A 1AA")):
        if name.endswith(ending) or ending in name:
            return value
    return "Fuzz text"


class _Forms(HTMLParser):
    """The forms of a page, each with its action, method and the fields a browser would send as they stand."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, str, list[tuple[str, str]]]] = []
        self._fields: list[tuple[str, str]] | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._fields = []
            self.forms.append((a.get("action", ""), a.get("method", "get").upper(), self._fields))
        elif self._fields is None or not a.get("name"):
            if tag == "option" and self._fields is not None and self._select is not None:
                self._option(a)
        elif tag == "input":
            kind = a.get("type", "text").lower()
            names = [n for n, _ in self._fields]
            if kind in ("radio", "checkbox"):
                if a["name"] not in names or "checked" in a:
                    self._fields[:] = [f for f in self._fields if f[0] != a["name"]] + [(a["name"], a.get("value", "on"))]
            elif kind == "hidden":
                self._fields.append((a["name"], a.get("value", "")))
            elif kind not in ("file", "submit", "button", "image", "reset"):
                self._fields.append((a["name"], a.get("value") or _plausible(a["name"])))
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []
        elif tag == "select":
            self._select = a["name"]

    def _option(self, a: dict[str, str]) -> None:
        assert self._fields is not None and self._select is not None
        if self._select not in [n for n, _ in self._fields] or "selected" in a:
            self._fields[:] = [f for f in self._fields if f[0] != self._select] + [(self._select, a.get("value", ""))]

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None and self._fields is not None:
            self._fields.append((self._textarea, "".join(self._text) or _plausible(self._textarea)))
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._fields = None


def _crawl(world: World, limit: int = 80) -> None:
    """Follow links and form actions as an administrator (and, for the public apps, as anyone) so that path
    parameters can be real references, ids and keys, each route's fields the names its pages use, and each
    form's fields as they stand a starting point to change."""
    routes = {key: [r for r in client.app.app.routes if isinstance(r, Route)]  # type: ignore[attr-defined]
              for key, client in world.clients.items()}

    def route_of(key: str, url: str) -> tuple[str, dict[str, str]] | None:
        for route in routes[key]:
            match = route.path_regex.match(urlsplit(url).path)
            if match:
                return route.path, match.groupdict()
        return None

    seen: set[tuple[str, str]] = set()
    queued: set[tuple[str, str]] = set()
    queue = [(key, path) for key, path, method in ROUTES if method == "GET" and "{" not in path]
    headers = {"cookie": world.session_cookie("backoffice", {"staff_session": world.staff_session(), "csrf": CSRF})}
    while queue and len(seen) < limit:
        key, path = queue.pop(0)
        if (key, path) in seen:
            continue
        seen.add((key, path))
        response = world.clients[key].get(path, headers=headers if key == "backoffice" else {})
        text = response.text if "html" in response.headers.get("content-type", "") else ""
        if path.endswith("openapi.json") and response.status_code == 200:
            world.json_keys |= set(_property_names(response.json()))
        world.field_names |= {html.unescape(n) for n in _NAME.findall(text)}
        world.field_values |= {html.unescape(v) for v in _VALUE.findall(text)}
        forms = _Forms()
        forms.feed(text)
        for action, method, fields in forms.forms:
            found = route_of(key, action or path)
            if found:
                world.route_fields.setdefault((key, found[0]), set()).update(name for name, _ in fields)
                if method == "POST":
                    world.forms.setdefault((key, found[0]), [(n, CSRF if n == "csrf_token" else v) for n, v in fields])
        for link in _LINK.findall(text):
            target = urlsplit(html.unescape(link))
            if target.scheme or target.netloc or not target.path.startswith("/"):
                continue
            found = route_of(key, target.path)
            if found is None:
                continue
            route_path, params = found
            for name, value in parse_qsl(target.query, keep_blank_values=True):
                world.route_fields.setdefault((key, route_path), set()).add(name)
                world.field_values.add(value)
            for name, value in params.items():
                values = world.path_values.setdefault((key, route_path, name), [])
                if value not in values:
                    values.append(value)
            if params and (key, route_path) not in queued:  # one page of each route is enough for its forms
                queued.add((key, route_path))
                queue.append((key, target.path))
    for cookie in list(world.clients["backoffice"].cookies.keys()):
        del world.clients["backoffice"].cookies[cookie]


_READS = re.compile(r"""\b(?:get|getlist|field|get_list|pop)\(\s*["']([a-z][a-z0-9_\-\[\]]{0,40})["']""")


def _read_sources(world: World) -> None:
    """The names each route's handler module reads from the query or the form (``page``, ``owner``, ...),
    which no link may show while there is only one page of cases."""
    for spec in SPECS:
        for route in world.clients[spec.key].app.app.routes:  # type: ignore[attr-defined]
            if not isinstance(route, Page):
                continue
            try:
                source = Path(inspect.getsourcefile(route.handler) or "").read_text()
            except (OSError, TypeError):
                continue
            names = set(_READS.findall(source))
            world.route_fields.setdefault((spec.key, route.path), set()).update(names)
            world.field_names |= names


def _property_names(document: Any) -> Iterator[str]:
    if isinstance(document, dict):
        for name, value in document.items():
            if name == "properties" and isinstance(value, dict):
                yield from value
            yield from _property_names(value)
    elif isinstance(document, list):
        for value in document:
            yield from _property_names(value)


# ------------------------------------------------------------------ strategies


def _text(max_size: int = 40) -> st.SearchStrategy[str]:
    return st.text(st.characters(blacklist_categories=["Cs"]), max_size=max_size)


def _scalar(world: World) -> st.SearchStrategy[str]:
    known = sorted(world.field_values) or ["x"]
    return st.one_of(st.sampled_from(known), st.sampled_from(UNICODE_DIGITS), st.sampled_from(HUGE_INTEGERS),
                     st.sampled_from(NASTY_TEXT), st.integers().map(str), _text())


def _names(world: World, app: str, path: str) -> st.SearchStrategy[str]:
    """Mostly the names this route's own forms and links use, then any name the apps use, then anything."""
    own = sorted(world.route_fields.get((app, path), set()))
    known = sorted(world.field_names) or ["x"]
    return st.one_of(*([st.sampled_from(own)] * 3 if own else []), st.sampled_from(known), _text(20))


def _pairs(world: World, app: str, path: str, max_size: int = 8) -> st.SearchStrategy[list[tuple[str, str]]]:
    """Form or query fields; a name drawn twice is a repeated field."""
    return st.lists(st.tuples(_names(world, app, path), _scalar(world)), max_size=max_size)


def _segment(world: World, app: str, path: str, name: str, convertor: str) -> st.SearchStrategy[str]:
    """One path parameter, already %-encoded for the URL."""
    real = world.path_values.get((app, path, name), [])
    numbers = st.one_of(st.integers(0, 30).map(str), st.sampled_from(HUGE_INTEGERS[:6]), st.sampled_from(UNICODE_DIGITS))
    words = st.one_of(st.sampled_from(sorted(world.field_values) or ["x"]), _text(30),
                      st.sampled_from(UNICODE_DIGITS + HUGE_INTEGERS + NASTY_TEXT[:25]))
    strategies = [st.sampled_from(real)] * 3 if real else []
    strategies += [(numbers if convertor == "int" else words).map(lambda v: quote(v, safe="")), st.sampled_from(RAW_SEGMENTS)]
    return st.one_of(*strategies)


_PARAM = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-z]+))?\}")


@st.composite
def _path(draw: st.DrawFn, world: World, app: str, path: str) -> str:
    return _PARAM.sub(lambda m: draw(_segment(world, app, path, m.group(1), m.group(2) or "str")), path)


@st.composite
def _query(draw: st.DrawFn, world: World, app: str, path: str) -> str:
    kind = draw(st.sampled_from(["none", "pairs", "pairs", "raw"]))
    if kind == "none":
        return ""
    if kind == "raw":
        return draw(st.lists(st.sampled_from([*RAW_SEGMENTS, "a=", "=b", "&", "&&", "page=%C2%B2", "a=1&a=2",
                                              "cursor=%FF", "limit=99999999999999999999"]), max_size=5).map("&".join))
    return urlencode(draw(_pairs(world, app, path)))


def _json_value(world: World) -> st.SearchStrategy[Any]:
    keys = st.one_of(st.sampled_from(sorted(world.json_keys | world.field_names) or ["x"]), _text(12))
    leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.sampled_from([2**63, 2**64, -(2**63) - 1, 10**300]),
                       st.floats(allow_nan=False, allow_infinity=False), _scalar(world))
    return st.recursive(leaves, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=6),
                        max_leaves=20)


def _deep_json(depth: int, kind: str) -> str:
    if kind == "list":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def _multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, str, bytes]], boundary: str) -> bytes:
    parts = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value.encode()
                     + b"\r\n")
    for name, filename, content_type, data in files:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        if content_type:
            head += f"Content-Type: {content_type}\r\n"
        parts.append(head.encode() + b"\r\n" + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


class Body:
    """A request body (a plain class: hypothesis would print a dataclass's bytes whole)."""

    def __init__(self, content: bytes | None = None, content_type: str | None = None, csrf_field: bool = False) -> None:
        self.content, self.content_type, self.csrf_field = content, content_type, csrf_field

    def __repr__(self) -> str:
        if self.content is None:
            return "(no body)"
        more = f"... ({len(self.content)} bytes)" if len(self.content) > 300 else ""
        return repr(self.content[:300]) + more


@st.composite
def _body(draw: st.DrawFn, world: World, app: str, path: str) -> Body:
    baseline = world.forms.get((app, path))
    kinds = ["urlencoded", "urlencoded", "multipart", "multipart", "json", "json", "deep-json", "bytes", "none"]
    kind = draw(st.sampled_from(kinds + ["form"] * 6 if baseline else kinds))
    if kind == "form":
        assert baseline is not None
        return draw(_changed_form(world, app, path, baseline))
    if kind == "none":
        return Body()
    if kind == "bytes":
        return Body(draw(st.binary(max_size=300)), draw(st.sampled_from(CONTENT_TYPES)))
    if kind == "deep-json":
        depth = draw(st.sampled_from([50, 2_000, 100_000]))
        return Body(_deep_json(depth, draw(st.sampled_from(["list", "object"]))).encode(), "application/json")
    if kind == "json":
        value = draw(st.one_of(_json_value(world), st.dictionaries(st.sampled_from(sorted(world.json_keys) or ["x"]),
                                                                    _json_value(world), max_size=8)))
        raw = draw(st.sampled_from(["dumps", "dumps", "dumps", "nan", "big-number", "truncated"]))
        text = json.dumps(value)
        if raw == "nan":
            text = '{"limit": NaN, "received_on": Infinity}'
        elif raw == "big-number":
            text = '{"limit": ' + "9" * 5000 + "}"
        elif raw == "truncated":
            text = text[: max(0, len(text) - 1)]
        return Body(text.encode(), draw(st.sampled_from(["application/json", "application/json; charset=utf-8"])))
    fields = draw(_pairs(world, app, path, max_size=12))
    csrf = draw(st.sampled_from(["valid", "valid", "valid", "none", "garbage", "twice"]))
    if csrf == "valid":
        fields.insert(draw(st.integers(0, len(fields))), ("csrf_token", CSRF))
    elif csrf == "garbage":
        fields.append(("csrf_token", draw(st.one_of(_text(60), st.sampled_from(["é" * 20, CSRF + "é", "²"])))))
    elif csrf == "twice":
        fields += [("csrf_token", CSRF), ("csrf_token", draw(_text(20)))]
    if kind == "urlencoded":
        return Body(urlencode(fields).encode(), "application/x-www-form-urlencoded", csrf_field=csrf == "valid")
    files = draw(st.lists(st.tuples(_names(world, app, path), st.sampled_from(FILE_NAMES), st.sampled_from(FILE_TYPES),
                                    st.one_of(st.sampled_from(FILE_BODIES), st.binary(max_size=200))), max_size=3))
    boundary = "fuzz-boundary-2f1c"
    return Body(_multipart(fields, files, boundary), f"multipart/form-data; boundary={boundary}",
                csrf_field=csrf == "valid")


@st.composite
def _changed_form(draw: st.DrawFn, world: World, app: str, path: str, baseline: list[tuple[str, str]]) -> Body:
    """The route's own form as a browser would send it, with a few fields changed, repeated or added."""
    pairs = list(baseline)
    for index in draw(st.lists(st.integers(0, len(pairs) - 1), max_size=3, unique=True)) if pairs else []:
        pairs[index] = (pairs[index][0], draw(_scalar(world)))
    for name, value in draw(st.lists(st.sampled_from(pairs), max_size=2)) if pairs else []:
        pairs.append((name, draw(st.one_of(st.just(value), _scalar(world)))))
    pairs += draw(_pairs(world, app, path, max_size=2))
    if draw(st.booleans()):
        return Body(urlencode(pairs).encode(), "application/x-www-form-urlencoded", csrf_field=True)
    boundary = "fuzz-boundary-9a0e"
    return Body(_multipart(pairs, [], boundary), f"multipart/form-data; boundary={boundary}", csrf_field=True)


def _header_value() -> st.SearchStrategy[str]:
    """Anything HTTP/1.1 can carry in a header: Latin-1, no line breaks."""
    return st.one_of(st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"),
                             max_size=60),
                     st.sampled_from(["é" * 8, "²", "١", "*/*", "text/html", "application/json", "bytes=0-1",
                                      "bytes=99999999999999999999-", "1.2.3.4, 5.6.7.8", "for=1.2.3.4;proto=https",
                                      "\x00", "a" * 2000]))


class Request:
    """One generated request, printed short enough to read in a failure."""

    def __init__(self, method: str, url: str, headers: dict[str, str], body: Body) -> None:
        self.method, self.url, self.headers, self.body = method, url, headers, body

    def __repr__(self) -> str:
        headers = {k: (v[:120] + "..." if len(v) > 120 else v) for k, v in self.headers.items()}
        return f"{self.method} {self.url[:300]}\nheaders: {headers}\nbody: {self.body!r}"


@st.composite
def _request(draw: st.DrawFn, world: World, app: str, path: str, method: str) -> Request:
    url = draw(_path(world, app, path))
    query = draw(_query(world, app, path))
    if query:
        url += "?" + query
    who = draw(st.sampled_from(["anyone", "browser", "administrator", "administrator", "api-token",
                                "administrator+api-token"]))
    headers: dict[str, str] = {}
    cookies: list[str] = []
    if who in ("browser", "administrator", "administrator+api-token"):
        data: dict[str, Any] = {"csrf": CSRF}
        if "administrator" in who and app == "backoffice":
            data["staff_session"] = world.staff_session()
        cookies.append(world.session_cookie(app, data))
    if "api-token" in who:
        headers["authorization"] = f"Bearer {world.token}"
    for name, value in draw(st.lists(st.tuples(st.sampled_from(HEADER_NAMES), _header_value()), max_size=4)):
        if name == "authorization" and "api-token" in who:
            continue
        headers[name] = value
    if draw(st.booleans()):
        garbage_name = draw(st.sampled_from([*world.cookie_names.values(), "session", "csrf", "a"]))
        cookies.append(f"{garbage_name}={draw(_header_value()).replace(';', '')}")
    if cookies:
        headers["cookie"] = "; ".join(cookies)
    body = Body()
    if method not in ("GET", "HEAD"):
        body = draw(_body(world, app, path))
        if body.content_type is not None:
            headers["content-type"] = body.content_type
        csrf = draw(st.sampled_from(["none", "none", "valid", "garbage"]))
        if csrf == "valid" or (csrf == "none" and not body.csrf_field and body.content_type == "application/json"):
            headers["x-csrf-token"] = CSRF
        elif csrf == "garbage":
            headers["x-csrf-token"] = draw(st.one_of(_header_value(), st.just(CSRF + "é")))
    return Request(method, url, headers, body)


# ------------------------------------------------------------------ the guard


def _header_bytes(value: str) -> bytes:
    """Latin-1 where it can be (what a server decodes headers as), else UTF-8 bytes read as Latin-1."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode()


def _allowed_5xx(path: str, url: str, status: int) -> bool:
    """The error-page preview shows the page it is asked for (500 by raising, on purpose)."""
    if path != "/dev/errors/{status:int}":
        return False
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1] == str(status)


def _where(exc: BaseException) -> str:
    """The exception, where it was raised, and the last line of ours it passed through."""
    root = str(Path(__file__).resolve().parents[1]) + "/"
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if f.filename.startswith(root) and "/.venv/" not in f.filename]
    places = dict.fromkeys(f"{f.filename.replace(root, '')}:{f.lineno} ({f.line})" for f in frames[-1:] + ours[-1:])
    shown = " <- ".join(places)
    return f"{type(exc).__name__}: {str(exc)[:200]}" + (f" at {shown}" if shown else "")


#: One request per value with every field the route reads set to it, then every field twice: what a
#: person or a careless client most often sends, tried on every route before hypothesis goes wider.
SYSTEMATIC_VALUES: list[Any] = ["²", str(2**64), "é\n%00<>"]
#: Query names the shared listing code reads on any page (pagination), whichever module the handler is in.
COMMON_QUERY_NAMES = {"page", "cursor", "limit", "sort", "next"}


def _systematic(world: World, app: str, path: str, method: str) -> list[Request]:
    if method == "HEAD":
        return []
    url = _PARAM.sub(lambda m: (world.path_values.get((app, path, m.group(1))) or ["1"])[0], path)
    names = sorted((world.route_fields.get((app, path), set()) | (COMMON_QUERY_NAMES if method == "GET" else set()))
                   - {"csrf_token"})
    api = "/api/" in path
    headers = {"authorization": f"Bearer {world.token}"} if api else {}
    session: dict[str, Any] = {"csrf": CSRF}
    if app == "backoffice" and not api:
        session["staff_session"] = world.staff_session()
    headers["cookie"] = world.session_cookie(app, session)
    requests = []
    if "{" in path:  # path parameters past what a database integer holds, and a line break in a string one
        for number, text in ((str(2**63), "a%0Ab"), ("9" * 5000, "%C2%B2")):
            def swap(m: re.Match[str], n: str = number, t: str = text) -> str:
                return n if m.group(2) == "int" else t

            odd = _PARAM.sub(swap, path)
            body = world.forms.get((app, path), [("csrf_token", CSRF)])
            requests.append(Request(method, odd, dict(headers), Body()) if method == "GET"
                            else _form_request(method, odd, headers, body))
    fills = [[(name, value) for name in names] for value in SYSTEMATIC_VALUES]
    fills.append([(name, value) for name in names for value in ("1", "2")])
    for pairs in fills:
        if method == "GET":
            requests.append(Request(method, f"{url}?{urlencode(pairs)}", dict(headers), Body()))
        elif api:
            keys = sorted(world.json_keys) or ["x"]
            value = pairs[0][1] if pairs else "1"
            big = int(value) if value.isascii() and value.isdigit() else value
            content = json.dumps(dict.fromkeys(keys, big)).encode()
            requests.append(Request(method, url, dict(headers, **{"content-type": "application/json"}),
                                    Body(content, "application/json")))
        else:
            requests.append(_form_request(method, url, headers, [("csrf_token", CSRF), *pairs]))
    baseline = world.forms.get((app, path))
    if baseline and method == "POST":
        def changed(change) -> list[tuple[str, str]]:
            return [(name, change(name, value)) for name, value in baseline]

        variants = [
            baseline,
            [pair for pair in baseline for _ in (1, 2)],
            changed(lambda _n, v: "²" if v.isdigit() else v),
            changed(lambda _n, v: str(2**64) if v.isdigit() else v),
            changed(lambda n, v: "1899" if n.endswith("year") else v),
            changed(lambda n, v: "2999" if n.endswith("year") else v),
        ]
        requests += [_form_request(method, url, headers, pairs) for pairs in variants]
    return requests


def _form_request(method: str, url: str, headers: dict[str, str], pairs: list[tuple[str, str]]) -> Request:
    kind = "application/x-www-form-urlencoded"
    return Request(method, url, dict(headers, **{"content-type": kind}), Body(urlencode(pairs).encode(), kind, True))


@pytest.mark.parametrize(("app", "path", "method"), ROUTES, ids=[f"{a}-{m}-{p}" for a, p, m in ROUTES])
def test_no_input_makes_a_route_fail(world: World, app: str, path: str, method: str) -> None:
    client, recorder = world.clients[app], world.recorders[app]
    errors = ErrorLog()
    root = logging.getLogger()
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if os.environ.get("FUZZ_SHRINK") else [])

    def send(request: Request) -> None:
        errors.records.clear()
        recorder.escaped.clear()
        client.cookies.clear()
        headers = {name: _header_bytes(value) for name, value in request.headers.items()}
        response = client.request(request.method, request.url, headers=headers, content=request.body.content)
        problems = [f"escaped the app: {_where(exc)}" for exc in recorder.escaped]
        if response.status_code >= 500 and not _allowed_5xx(path, request.url, response.status_code):
            problems.append(f"answered {response.status_code}")
        if TRACEBACK.search(response.text):
            problems.append("a traceback in the body")
        if problems:  # what the error handler logged says why
            problems += [f"logged: {_where(r.exc_info[1])}" for r in errors.records if r.exc_info and r.exc_info[1]]
        assert not problems, f"{request!r}\n" + "\n".join(problems)

    @seed(zlib.crc32(f"{app} {method} {path}".encode()))
    @hypothesis_settings(max_examples=max(1, round(EXAMPLES[method] * SCALE)), deadline=None, database=None,
                         phases=phases, derandomize=False, print_blob=False,
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                HealthCheck.filter_too_much, HealthCheck.large_base_example])
    @given(request=_request(world, app, path, method))
    def generated(request: Request) -> None:
        send(request)

    root.addHandler(errors)
    try:
        for request in _systematic(world, app, path, method):
            send(request)
        generated()
    finally:
        root.removeHandler(errors)
