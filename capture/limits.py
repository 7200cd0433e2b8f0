"""Abuse limits for the public forms: per address and per IP, no CAPTCHA.

The defaults suit one public body's website. A deployment whose traffic
differs (a large authority behind one proxy address, or a load test over
loopback where every requester shares 127.0.0.1) changes them with
``civic capture-limits``; the values live in capture's own table, so no setting
is read from the environment outside shared/settings.py and every process of
the deployment applies the same limits.
"""

from __future__ import annotations

import argparse
import datetime as dt
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from capture.models import CaptureLimitSetting
from shared.db import read_only, transaction, utcnow
from shared.ratelimit import Limit
from shared.runtime import Runtime


@dataclass(frozen=True)
class Default:
    count: int
    minutes: int
    meaning: str


DEFAULTS: dict[str, Default] = {
    "send-ip": Default(10, 60, "confirmation emails asked for from one IP address"),
    "send-email": Default(5, 60, "confirmation emails sent to one email address"),
    "confirm-ip": Default(30, 60, "confirmation links used or tried from one IP address"),
    "answers-ip": Default(600, 60, "answers saved from one IP address"),
    "progress-ip": Default(10, 15, "progress checks asked for from one IP address"),
    "progress-email": Default(3, 15, "progress links sent to one email address"),
    "feedback-ip": Default(10, 60, "feedback responses from one IP address"),
    "suggest-ip": Default(600, 15, "published-answer suggestions asked for (as a request is typed) from one IP address"),
}
#: Limits are read from the database at most this often per process.
CACHE_SECONDS = 30.0
_cache: weakref.WeakKeyDictionary[sessionmaker[Session], tuple[float, dict[str, Limit]]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def current(factory: sessionmaker[Session]) -> dict[str, Limit]:
    """The deployment's limits: its own rows over the defaults, cached briefly."""
    now = time.monotonic()
    with _lock:
        cached = _cache.get(factory)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
    limits = {name: Limit(f"capture-{name}", d.count, dt.timedelta(minutes=d.minutes)) for name, d in DEFAULTS.items()}
    with read_only(factory()) as session:  # the request's own session may hold the write lock
        for row in session.scalars(select(CaptureLimitSetting)):
            if row.name in limits:
                limits[row.name] = Limit(f"capture-{row.name}", row.count, dt.timedelta(minutes=row.minutes))
    with _lock:
        _cache[factory] = (now, limits)
    return limits


def forget_cache() -> None:
    with _lock:
        _cache.clear()


def resolve(factory: sessionmaker[Session], hits: Sequence[tuple[str, str]]) -> list[tuple[Limit, str]]:
    """Each (limit name, subject) hit with the deployment's limit of that name."""
    configured = current(factory)
    return [(configured[name], subject) for name, subject in hits]


def set_limit(session: Session, name: str, count: int, minutes: int) -> None:
    if name not in DEFAULTS:
        raise ValueError(f"no limit called {name!r}; the limits are {', '.join(DEFAULTS)}")
    if count < 1 or minutes < 1:
        raise ValueError("a limit needs at least one hit in at least one minute")
    row = session.get(CaptureLimitSetting, name)
    if row is None:
        session.add(CaptureLimitSetting(name=name, count=count, minutes=minutes, updated_at=utcnow()))
    else:
        row.count, row.minutes, row.updated_at = count, minutes, utcnow()


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("capture-limits", help="show or change the public forms' abuse limits")
    parser.add_argument("--set", nargs=3, metavar=("NAME", "COUNT", "MINUTES"), help="change one limit")
    parser.add_argument("--scale", type=int, help="multiply every default count by this (e.g. for a load test)")
    parser.set_defaults(handler=_run)


def _run(runtime: Runtime, args: argparse.Namespace) -> int:
    with transaction(runtime.factory) as session:
        try:
            if args.set:
                set_limit(session, args.set[0], int(args.set[1]), int(args.set[2]))
            if args.scale:
                for name, default in DEFAULTS.items():
                    set_limit(session, name, default.count * args.scale, default.minutes)
        except ValueError as exc:
            print(f"error: {exc}")
            return 2
    forget_cache()
    for name, limit in current(runtime.factory).items():
        print(f"{name:<15} {limit.count:>8} per {int(limit.window.total_seconds() // 60)} min: {DEFAULTS[name].meaning}")
    return 0
