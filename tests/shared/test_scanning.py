"""shared.scanning and shared.clamd_local against real ClamAV daemons."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared import clamd_local, jobs, scanning
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


# --- large files: a timeout that grows with the size, and limits that never read as clean ---------


@contextlib.contextmanager
def small_daemon(max_mb: int) -> Iterator[Settings]:
    """A daemon of this test's own whose StreamMaxLength (and MaxFileSize) is ``max_mb``."""
    if clamd_local.find_clamd() is None:
        pytest.skip(clamd_local.NOT_INSTALLED_MESSAGE)
    directory = Path(tempfile.mkdtemp(prefix="clamd-"))  # short: a socket path must fit 108 bytes
    daemon = clamd_local.start(directory, max_mb=max_mb)
    try:
        yield Settings(clamd_socket=daemon.socket, scanner_max_bytes=100 * 1024 * 1024)
    finally:
        daemon.stop()
        shutil.rmtree(directory, ignore_errors=True)


def test_the_timeout_grows_with_the_size_and_stays_under_the_job_lease() -> None:
    small, large, huge = (scanning.scan_timeout(n) for n in (1024, 500 * 1024 * 1024, 2**32))
    assert scanning.BASE_TIMEOUT <= small < large < huge
    assert huge == scanning.MAX_TIMEOUT == scanning.scan_timeout(None)
    assert jobs.Worker.lease.total_seconds() > scanning.MAX_TIMEOUT


@pytest.mark.clamd
def test_a_stream_past_clamds_limit_is_too_large_not_unavailable() -> None:
    with small_daemon(max_mb=1) as live:
        assert scanning.scan(live, io.BytesIO(b"a" * (1024 * 1024 - 4096))).clean
        with pytest.raises(scanning.TooLargeForScanner, match="too large for the virus scanner") as caught:
            scanning.scan(live, io.BytesIO(b"a" * (3 * 1024 * 1024)))  # no size given: clamd itself refuses
        assert "StreamMaxLength" in caught.value.detail
        # EICAR past the limit is not reported clean either: clamd never scanned it.
        with pytest.raises(scanning.TooLargeForScanner):
            scanning.scan(live, io.BytesIO(b"a" * (2 * 1024 * 1024) + clamd_local.EICAR))


def test_a_file_over_the_configured_limit_is_refused_without_asking_clamd(settings: Settings) -> None:
    limited = dataclasses.replace(settings, scanner_max_bytes=1024)  # and no daemon listens
    with pytest.raises(scanning.TooLargeForScanner):
        scanning.scan(limited, io.BytesIO(b"a" * 1025), size=1025)


def nested_zip(depth: int) -> bytes:
    data = b"Dear Council,\n"
    for level in range(depth):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(f"level{level}.zip" if level else "letter.txt", data)
        data = buffer.getvalue()
    return data


@pytest.mark.clamd
def test_a_file_past_one_of_clamds_own_limits_is_not_scannable_never_clean(clamd_settings: Settings) -> None:
    assert scanning.scan(clamd_settings, io.BytesIO(nested_zip(3))).clean
    with pytest.raises(scanning.NotScannable) as caught:
        scanning.scan(clamd_settings, io.BytesIO(nested_zip(25)))  # deeper than MaxRecursion (17)
    assert "Heuristics.Limits.Exceeded" in caught.value.detail


def test_the_local_daemon_is_configured_for_2gb_files(tmp_path: Path) -> None:
    paths = clamd_local.Paths(tmp_path)
    conf = clamd_local.write_config(paths, tmp_path / "db").read_text()
    for line in ("StreamMaxLength 2048M", "MaxFileSize 2048M", "MaxScanSize 4000M", "AlertExceedsMax yes"):
        assert f"\n{line}\n" in conf
    assert Settings().scanner_max_bytes <= clamd_local.DEFAULT_MAX_MB * 1024 * 1024
    with pytest.raises(ValueError, match="4095M"):
        clamd_local.size_limits(4096)
