"""An API token that may do everything, made the way an operator makes one: ``civic api-tokens create``.

The route fuzz test and the schemathesis run both sign their API requests with it: it holds every
scope in the registry, so a route that needs a new capability's scope is fuzzed too.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator, Mapping

from backoffice.staff.api_clients import SCOPES
from shared import cli

#: The ``civic api-tokens create`` arguments that grant every scope there is.
ALL_SCOPES: list[str] = [argument for scope in SCOPES for argument in ("--scope", scope)]


def create_api_token(env: Mapping[str, str], name: str = "guard") -> str:
    """Run ``civic api-tokens create`` against the database ``env`` names; return the token it prints last.

    In this process (a subprocess would cost seconds of imports), with ``env`` as the environment the
    command reads its settings from.
    """
    out, err = io.StringIO(), io.StringIO()
    with _environment(env), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(["api-tokens", "create", "--name", name, *ALL_SCOPES])
    assert status == 0, f"civic api-tokens create failed ({status}):\n{out.getvalue()}{err.getvalue()}"
    token = out.getvalue().strip().splitlines()[-1].strip()
    assert token.startswith("civic_"), out.getvalue()
    return token


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
