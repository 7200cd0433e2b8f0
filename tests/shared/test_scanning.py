"""shared.scanning and shared.clamd_local against real ClamAV daemons."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import pytest

from shared import clamd_local, scanning
from shared.settings import Settings


@pytest.mark.clamd
def test_ping_answers_only_when_a_daemon_listens(clamd_settings: Settings, settings: Settings) -> None:
    assert scanning.ping(clamd_settings) is True
    assert scanning.ping(settings) is False  # the default test settings point at a socket nobody listens on


@pytest.mark.clamd
def test_scan_tells_clean_from_eicar(clamd_settings: Settings) -> None:
    assert scanning.scan(clamd_settings, io.BytesIO(b"Dear Council, please fix the streetlight.\n")).clean
    result = scanning.scan(clamd_settings, io.BytesIO(clamd_local.EICAR))
    assert not result.clean
    assert result.signature is not None and "Eicar" in result.signature


def test_scan_without_a_daemon_raises_scanner_unavailable(settings: Settings) -> None:
    with pytest.raises(scanning.ScannerUnavailable):
        scanning.scan(settings, io.BytesIO(b"hello"))


@pytest.mark.clamd
def test_local_daemon_starts_stops_and_reports_status(tmp_path: Path, settings: Settings) -> None:
    daemon = clamd_local.start(tmp_path / "c")
    try:
        assert daemon.signatures == "test"
        assert clamd_local.status(tmp_path / "c") == "running"
        assert scanning.ping(dataclasses.replace(settings, clamd_socket=daemon.socket))
        conf = (tmp_path / "c" / "clamd.conf").read_text()
        assert f"LocalSocket {daemon.socket}" in conf
        assert "TCPSocket" not in conf and "\nUser " not in conf
    finally:
        daemon.stop()
    assert clamd_local.status(tmp_path / "c") == "stopped"
    assert not Path(daemon.socket).exists()
    assert clamd_local.stop(tmp_path / "c") is False


@pytest.mark.clamd
def test_cli_starts_and_stops_a_background_daemon(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = str(tmp_path / "cli")
    assert clamd_local.main(["start", "--dir", directory, "--signatures", "test"]) == 0
    try:
        assert "CLAMD_SOCKET=" in capsys.readouterr().out
        assert clamd_local.main(["status", "--dir", directory]) == 0
        assert clamd_local.main(["start", "--dir", directory, "--signatures", "test"]) == 0
        assert "already running" in capsys.readouterr().out
    finally:
        assert clamd_local.main(["stop", "--dir", directory]) == 0
    assert clamd_local.main(["status", "--dir", directory]) == 3


@pytest.mark.clamd
def test_a_daemon_that_cannot_start_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "signatures"
    broken.mkdir()
    (broken / "main.cvd").write_bytes(b"this is not a signature database")
    monkeypatch.setattr(clamd_local, "SYSTEM_DATABASE", broken)
    with pytest.raises(clamd_local.ClamdStartError) as caught:
        clamd_local.start(tmp_path / "c", use_system_signatures=True, timeout=20)
    message = str(caught.value)
    assert "clamd exited" in message
    assert "main.cvd" in message or "database" in message.lower()


def test_system_signatures_are_refused_when_there_are_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clamd_local, "SYSTEM_DATABASE", tmp_path / "empty")
    with pytest.raises(clamd_local.ClamdStartError, match="freshclam"):
        clamd_local.start(tmp_path / "c", use_system_signatures=True)
