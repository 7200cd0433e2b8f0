"""The Jinja environment: the app's templates, the shared GOV.UK shell, and govuk-frontend-jinja."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.routing import NoMatchFound
from starlette.templating import Jinja2Templates

from shared.idempotency import new_key
from shared.web.components import remembered
from shared.web.paths import path_to
from shared.web.routing import ensure_csrf_token

SHARED_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class NavItem:
    text: str
    route: str


@dataclass(frozen=True)
class Shell:
    """What the layout needs to know about the app it frames."""

    app_key: str
    service_name: str
    navigation: tuple[NavItem, ...] = ()
    home_route: str = "start"


class _CompiledOnce(jinja2.BytecodeCache):
    """Compiled templates kept in memory and shared by every app's environment.

    The apps each have an environment of their own but render the same layout
    and GOV.UK macros; with this they compile them once per process. Jinja keys
    the cache by template file and checks the source's checksum, and every
    environment is built here with the same options.
    """

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        compiled = self._compiled.get(bucket.key)
        if compiled is not None:
            bucket.bytecode_from_string(compiled)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED = _CompiledOnce()


def warm(templates: Jinja2Templates) -> int:
    """Compile every template now, so that no requester waits for it (the first render of
    the GOV.UK macros takes about a second otherwise). ``civic serve`` calls it at start-up."""
    names = templates.env.list_templates(extensions=["html", "njk"])
    for name in names:
        templates.env.get_template(name)
    return len(names)


def build_templates(app_templates: Path | None, shell: Shell, org_name: str, brand: str) -> Jinja2Templates:
    loaders: list[jinja2.BaseLoader] = []
    if app_templates is not None:
        loaders.append(jinja2.FileSystemLoader(str(app_templates)))
    loaders.append(jinja2.FileSystemLoader(str(SHARED_TEMPLATES)))
    loaders.append(jinja2.PrefixLoader({"govuk_frontend_jinja": jinja2.PackageLoader("govuk_frontend_jinja", "templates")}))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=COMPILED,
        # Templates ship with the code and change only when it does: no stat of every template, include
        # and imported macro file on each render (a tenth of a case page's time) to see if it changed.
        auto_reload=False,
    )
    env.globals.update(org_name=org_name, brand=brand, shell=shell, new_key=new_key, remembered=remembered)
    env.filters["london_date"] = london_date
    env.filters["london_datetime"] = london_datetime

    def shell_context(request: Request) -> dict[str, Any]:
        root = request.scope.get("root_path", "")

        def path_for(name: str, **params: Any) -> str:
            return root + path_to(request.app, name, **params)

        def path_if_exists(name: str, **params: Any) -> str | None:
            try:
                return path_for(name, **params)
            except NoMatchFound:
                return None

        return {
            "path_if_exists": path_if_exists,
            "csrf_token": ensure_csrf_token(request),
            "csp_nonce": request.scope.get("state", {}).get("csp_nonce", ""),
            "path_for": path_for,
            "asset_root": root + "/assets",
            "static_root": root + "/static",
            "current_path": root + request.url.path.removeprefix(root),
            "navigation": [(item.text, path_for(item.route)) for item in shell.navigation],
        }

    return Jinja2Templates(env=env, context_processors=[shell_context])


def london_date(value: Any, fmt: str = "%-d %B %Y") -> str:
    """Statutory dates are shown in Europe/London, as people in the UK read them."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(ZoneInfo("Europe/London"))
    return str(value.strftime(fmt))


def london_datetime(value: Any) -> str:
    import datetime as dt
    from zoneinfo import ZoneInfo

    if not isinstance(value, dt.datetime):
        return ""
    local = value.astimezone(ZoneInfo("Europe/London"))
    return local.strftime("%-d %B %Y at ") + local.strftime("%-I:%M%p").lower()


def render_string(templates: Jinja2Templates, names: Sequence[str], context: dict[str, Any]) -> str:
    return templates.env.select_template(list(names)).render(context)
