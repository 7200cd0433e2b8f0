"""How an app plugs into the suite without ``shared`` importing it.

Each app package exposes an :class:`AppSpec` under the ``civic.apps`` entry
point group. The CLI, the worker and Alembic discover apps through it, so the
dependency arrow stays app -> shared.
"""

from __future__ import annotations

import argparse
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
class AppSpec:
    key: str
    mount: str
    service_name: str
    create_app: Callable[[Runtime], ASGIApp]
    model_modules: tuple[str, ...] = ()
    job_kinds: Callable[[], Mapping[str, JobKind]] | None = None
    schedules: tuple[Schedule, ...] = ()
    add_commands: Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None] | None = None
    load_demo_data: Callable[[Session, Settings], list[str]] | None = None
    #: Work a server process does once before taking requests, so no requester's request pays for it.
    warm: Callable[[Runtime], None] | None = None
    order: int = field(default=100)


def discover() -> list[AppSpec]:
    """Every installed app, in mount order (the back-office core first)."""
    specs = [ep.load() for ep in entry_points(group=ENTRY_POINT_GROUP)]
    return sorted(specs, key=lambda spec: (spec.order, spec.key))


def import_models(specs: list[AppSpec]) -> None:
    """Import every model module so ``Base.metadata`` knows every table."""
    for module in ("shared.models",):
        importlib.import_module(module)
    for spec in specs:
        for module in spec.model_modules:
            importlib.import_module(module)
