"""How an app plugs into the suite without ``shared`` importing it.

Each app package exposes an :class:`AppSpec` under the ``civic.apps`` entry
point group. The CLI, the worker and Alembic discover apps through it, so the
dependency arrow stays app -> shared. What one app must know of another's
URLs travels the same way: an app declares its public pages by name and
``shared`` builds their absolute URLs, so no mount is written down twice.
"""

from __future__ import annotations

import argparse
import functools
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from shared.settings import Settings

if TYPE_CHECKING:
    from starlette.types import ASGIApp

    from shared.jobs import JobKind
    from shared.runtime import Runtime

ENTRY_POINT_GROUP = "civic.apps"


@dataclass(frozen=True)
class Schedule:
    """A job kind the worker enqueues every ``every_seconds`` (once per slot, whatever the number of workers)."""

    kind: str
    every_seconds: int


@dataclass(frozen=True)
class HostTask:
    """Work every worker process does itself on a timer, such as bringing this host's own search index up to
    date. Not a queued job: one of those is taken by one worker only, and each host must do this."""

    name: str
    every_seconds: float
    run: Callable[[Runtime], None]


@dataclass(frozen=True)
class AppSpec:
    key: str
    mount: str
    service_name: str
    create_app: Callable[[Runtime], ASGIApp]
    model_modules: tuple[str, ...] = ()
    job_kinds: Callable[[], Mapping[str, JobKind]] | None = None
    schedules: tuple[Schedule, ...] = ()
    host_tasks: tuple[HostTask, ...] = ()
    add_commands: Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None] | None = None
    load_demo_data: Callable[[Session, Settings], list[str]] | None = None
    #: Work a server process does once before taking requests, so no requester's request pays for it.
    warm: Callable[[Runtime], None] | None = None
    order: int = field(default=100)
    #: The app that answers ``/`` and every URL outside every app (the public front page).
    home: bool = False
    #: Pages other apps may link to, by a name they agree on: name -> path under the mount.
    public_paths: Mapping[str, str] = field(default_factory=dict)
    #: Words an intake form's page keys must not take, because the app's own pages sit at them.
    reserved_page_keys: frozenset[str] = frozenset()


def discover() -> list[AppSpec]:
    """Every installed app, in mount order."""
    specs = [ep.load() for ep in entry_points(group=ENTRY_POINT_GROUP)]
    return sorted(specs, key=lambda spec: (spec.order, spec.key))


@functools.cache
def _installed() -> tuple[AppSpec, ...]:
    """The installed apps, looked up once per process (entry points do not change while it runs)."""
    return tuple(discover())


def home(specs: list[AppSpec]) -> AppSpec:
    """The app that says it is the home, else the first in mount order."""
    ordered = sorted(specs, key=lambda spec: (spec.order, spec.key))
    return next((spec for spec in ordered if spec.home), ordered[0])


def public_url(settings: Settings, name: str) -> str:
    """The absolute URL of the page some app declares as ``name``: BASE_URL + its mount + its path.

    So one app links to another's page without importing it or knowing its
    mount. With no installed app declaring it, the suite's front page (a link
    in an email must still lead somewhere).
    """
    for spec in _installed():
        if name in spec.public_paths:
            return settings.url(spec.mount + spec.public_paths[name])
    return settings.url("/")


def reserved_page_keys() -> frozenset[str]:
    """Every word an installed app keeps for its own pages, so no form page can shadow one."""
    return frozenset().union(*(spec.reserved_page_keys for spec in _installed()))


def import_models(specs: list[AppSpec]) -> None:
    """Import every model module so ``Base.metadata`` knows every table."""
    for module in ("shared.models",):
        importlib.import_module(module)
    for spec in specs:
        for module in spec.model_modules:
            importlib.import_module(module)
