"""Capture's abuse limits (capture/limits.py): the defaults, a deployment's own values, and the short cache."""

from __future__ import annotations

import argparse
import datetime as dt

import pytest

from capture import limits
from shared.db import transaction
from shared.runtime import Runtime


def test_the_defaults_apply_until_a_deployment_sets_its_own(runtime: Runtime) -> None:
    current = limits.current(runtime.factory)
    assert set(current) == set(limits.DEFAULTS)
    assert current["send-ip"].count == limits.DEFAULTS["send-ip"].count
    assert current["send-ip"].window == dt.timedelta(minutes=limits.DEFAULTS["send-ip"].minutes)
    with transaction(runtime.factory) as session:
        limits.set_limit(session, "send-ip", 50, 30)
    assert limits.current(runtime.factory)["send-ip"].count == limits.DEFAULTS["send-ip"].count  # cached a while
    limits.forget_cache()
    changed = limits.current(runtime.factory)["send-ip"]
    assert (changed.count, changed.window) == (50, dt.timedelta(minutes=30))
    with transaction(runtime.factory) as session:
        limits.set_limit(session, "send-ip", 60, 30)  # a second change updates the same row
    limits.forget_cache()
    assert limits.current(runtime.factory)["send-ip"].count == 60


@pytest.mark.parametrize(("name", "count", "minutes"), [("no-such-limit", 1, 1), ("send-ip", 0, 1), ("send-ip", 1, 0)])
def test_a_limit_that_makes_no_sense_is_refused(runtime: Runtime, name: str, count: int, minutes: int) -> None:
    with transaction(runtime.factory) as session, pytest.raises(ValueError):
        limits.set_limit(session, name, count, minutes)


def test_hits_are_paired_with_the_limit_of_their_name(runtime: Runtime) -> None:
    resolved = limits.resolve(runtime.factory, [("send-ip", "192.0.2.1"), ("send-email", "sam@example.com")])
    assert [(limit.name, subject) for limit, subject in resolved] == [
        ("capture-send-ip", "192.0.2.1"), ("capture-send-email", "sam@example.com")]


def test_the_command_scales_every_limit(runtime: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    limits.add_commands(parser.add_subparsers())
    args = parser.parse_args(["capture-limits", "--scale", "3"])
    assert args.handler(runtime, args) == 0
    assert limits.current(runtime.factory)["feedback-ip"].count == 3 * limits.DEFAULTS["feedback-ip"].count
    assert "feedback-ip" in capsys.readouterr().out
    bad = parser.parse_args(["capture-limits", "--set", "nothing", "1", "1"])
    assert bad.handler(runtime, bad) == 2
