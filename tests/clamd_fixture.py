"""Fixtures that run real, throwaway ClamAV daemons loaded with the EICAR test signature.

Registered in tests/conftest.py through ``pytest_plugins``. Each pytest process
(each xdist worker) starts its own daemon once; it loads in well under a second.
Without ClamAV installed the tests that need it are skipped with the reason.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from shared import clamd_local
from shared.settings import Settings


def _require_clamd() -> None:
    if clamd_local.find_clamd() is None:
        pytest.skip(clamd_local.NOT_INSTALLED_MESSAGE)


def _short_dir(path: Path) -> Path:
    """A Unix socket path must fit in 108 bytes; a long --basetemp would not."""
    if len(str(path / "clamd.sock")) <= 100:
        return path
    return Path(tempfile.mkdtemp(prefix="clamd-"))


@pytest.fixture(scope="session")
def clamd_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[clamd_local.LocalClamd]:
    """One daemon for the whole run: tests must not stop it (use ``clamd_factory`` for that)."""
    _require_clamd()
    daemon = clamd_local.start(_short_dir(tmp_path_factory.mktemp("clamd")))
    yield daemon
    daemon.stop()


@pytest.fixture(scope="session")
def clamd_socket(clamd_daemon: clamd_local.LocalClamd) -> str:
    return clamd_daemon.socket


@pytest.fixture
def clamd_settings(settings: Settings, clamd_socket: str) -> Settings:
    """The test's settings, pointed at the live daemon."""
    return dataclasses.replace(settings, clamd_socket=clamd_socket)


@pytest.fixture
def clamd_factory(tmp_path: Path) -> Iterator[Callable[..., clamd_local.LocalClamd]]:
    """Start daemons this test owns and may stop; each call starts one in its own directory."""
    _require_clamd()
    started: list[clamd_local.LocalClamd] = []

    def start(directory: Path | None = None) -> clamd_local.LocalClamd:
        target = directory or _short_dir(tmp_path / f"clamd{len(started)}")
        daemon = clamd_local.start(target)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        daemon.stop()
