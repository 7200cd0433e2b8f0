"""The civic console script, run for real against a temporary database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from backoffice.staff.accounts import StaffUser, password_matches
from backoffice.staff.api_clients import ApiClient, digest
from shared.settings import Settings


def civic(settings: Settings, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.secret_key,
    }
    result = subprocess.run([sys.executable, "-m", "shared.cli", *args], env=env, capture_output=True, text=True,
                            timeout=120, check=False)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_db_upgrade_is_idempotent(settings: Settings) -> None:
    assert "up to date" in civic(settings, "db", "upgrade").stdout


def test_demo_data_twice_gives_one_user_per_role(settings: Settings) -> None:
    first = civic(settings, "demo-data").stdout
    civic(settings, "demo-data")
    assert "caseworker@example.gov.uk" in first
    engine = create_engine(settings.database_url)
    with engine.connect() as conn:
        roles = conn.execute(select(StaffUser.role, func.count()).group_by(StaffUser.role)).all()
    engine.dispose()
    assert sorted(roles) == [("administrator", 1), ("caseworker", 1), ("manager", 1), ("read-only", 1)]


def test_api_token_is_printed_alone_on_the_last_line_and_only_its_hash_stored(settings: Settings) -> None:
    out = civic(settings, "api-tokens", "create", "--name", "Council website", "--scope", "cases:write").stdout
    token = out.strip().splitlines()[-1]
    assert token.startswith("civic_") and len(token) >= 40 and " " not in token
    engine = create_engine(settings.database_url)
    with engine.connect() as conn:
        stored = conn.execute(select(ApiClient.name, ApiClient.token_hash)).one()
    engine.dispose()
    assert stored == ("Council website", digest(token))
    assert token not in stored.token_hash


def test_users_create(settings: Settings) -> None:
    civic(settings, "users", "create", "--email", "New.Person@Example.gov.uk", "--name", "New Person",
          "--role", "caseworker", "--password", "correct horse battery")
    bad = civic(settings, "users", "create", "--email", "new.person@example.gov.uk", "--name", "Again",
                "--role", "caseworker", "--password", "correct horse battery", check=False)
    assert bad.returncode == 2 and "already exists" in bad.stderr
    weak = civic(settings, "users", "create", "--email", "x@example.gov.uk", "--name", "X", "--role", "manager",
                 "--password", "short", check=False)
    assert weak.returncode == 2 and "12 characters" in weak.stderr
    engine = create_engine(settings.database_url)
    with engine.connect() as conn:
        user = conn.execute(select(StaffUser)).one()
    engine.dispose()
    assert user.email == "new.person@example.gov.uk" and password_matches(user.password_hash, "correct horse battery")


def test_production_without_secret_refuses_to_start(tmp_path: Path) -> None:
    env = {**os.environ, "APP_ENV": "production", "DATA_DIR": str(tmp_path)}
    env.pop("SECRET_KEY", None)
    result = subprocess.run([sys.executable, "-m", "shared.cli", "db", "upgrade"], env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 2 and "SECRET_KEY must be set in production" in result.stderr


@pytest.mark.parametrize("command", [["serve", "--help"], ["worker", "--help"]])
def test_help(settings: Settings, command: list[str]) -> None:
    assert "usage: civic" in civic(settings, *command).stdout


def run_into_a_closed_pipe(*command: str) -> subprocess.CompletedProcess[str]:
    """Run with stdout a pipe nobody reads any more, as `… | head -1` leaves it once head has its line."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([sys.executable, *command], stdout=write_end, stderr=subprocess.PIPE, text=True,
                              timeout=120, check=False)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("command", [("-m", "shared.cli", "deadline"), ("-m", "backoffice.clocks.cli")],
                         ids=["civic deadline", "python -m backoffice.clocks.cli"])
def test_output_piped_into_a_reader_that_stops_early_ends_quietly(command: tuple[str, ...]) -> None:
    result = run_into_a_closed_pipe(*command, "foi", "2026-12-21", "--event", "fee_requested:2027-01-08")
    assert result.stderr == ""  # no BrokenPipeError traceback, no "Exception ignored" at exit
    assert result.returncode == 141  # what a shell reports for a command its pipe stopped (128 + SIGPIPE)

