"""`make run`'s ClamAV: installed when missing, and a local clamd that lives exactly as long as the server.

The server is the real ``civic serve`` in a subprocess; the daemon is the real clamd. What is checked
at the end is the machine's process table: no clamd is left for that directory, however the server ended.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from shared import clamd_local
from shared.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]


def clamd_pids(directory: Path) -> list[int]:
    """Every live clamd on this machine started with the config file in ``directory``."""
    conf = str((directory / "clamd.conf").absolute()).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if argv and b"clamd" in argv[0] and conf in argv and state != "Z":
            found.append(int(entry.name))
    return found


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} within {timeout:.0f} s")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def short_dir(tmp_path: Path) -> Path:
    """The socket path has to fit in 108 bytes."""
    directory = tmp_path / "clamav"
    if len(str(directory / "clamd.sock")) > 100:
        import tempfile

        directory = Path(tempfile.mkdtemp(prefix="clamd-")) / "clamav"
    return directory


def serve(settings: Settings, clamd_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTP_", "NOTIFY_"))}
    env.update(DATA_DIR=str(settings.data_dir), DATABASE_URL=settings.database_url, SECRET_KEY=settings.secret_key,
               APP_ENV="development", HOST="127.0.0.1", PORT=str(port), BASE_URL=f"http://127.0.0.1:{port}",
               CLAMD_SOCKET=str(clamd_dir / "clamd.sock"), PYTHONUNBUFFERED="1")
    log = (settings.data_dir / "serve.log").open("wb")
    return subprocess.Popen([sys.executable, "-m", "shared.cli", "serve", "--clamd-dir", str(clamd_dir)],
                            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def log_of(settings: Settings) -> str:
    return (settings.data_dir / "serve.log").read_text(errors="replace")


@pytest.mark.clamd
@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT", "SIGKILL"])
def test_the_local_clamd_stops_with_the_server(settings: Settings, tmp_path: Path, how: str) -> None:
    """SIGTERM is a service manager stopping it, SIGINT is Ctrl-C, SIGKILL is the server dying outright."""
    if clamd_local.find_clamd() is None:
        pytest.skip(clamd_local.NOT_INSTALLED_MESSAGE)
    clamd_dir = short_dir(tmp_path)
    port = free_port()
    server = serve(settings, clamd_dir, port)
    try:
        wait_for(lambda: healthy(f"http://127.0.0.1:{port}/capture/healthz") or server.poll() is not None, 60,
                 "the server did not answer")
        assert server.poll() is None, log_of(settings)
        wait_for(lambda: clamd_local.status(clamd_dir) == "running", 30, "clamd did not answer")
        assert len(clamd_pids(clamd_dir)) == 1
        server.send_signal(getattr(signal, how))
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    wait_for(lambda: not clamd_pids(clamd_dir), 10, f"clamd outlived the server ({how}): {log_of(settings)}")
    if how != "SIGKILL":
        assert "clamd is ready" in log_of(settings)
        assert not (clamd_dir / "clamd.sock").exists() and not (clamd_dir / "clamd.pid").exists()
    assert clamd_local.status(clamd_dir) == "stopped"


@pytest.mark.clamd
def test_the_local_clamd_stops_when_the_server_cannot_start(settings: Settings, tmp_path: Path) -> None:
    if clamd_local.find_clamd() is None:
        pytest.skip(clamd_local.NOT_INSTALLED_MESSAGE)
    clamd_dir = short_dir(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = serve(settings, clamd_dir, taken.getsockname()[1])
        try:
            assert server.wait(timeout=60) != 0
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
    assert "clamd started" in log_of(settings)
    wait_for(lambda: not clamd_pids(clamd_dir), 10, f"clamd outlived the server: {log_of(settings)}")


@pytest.mark.clamd
def test_for_the_server_ends_clamd_when_the_block_raises(tmp_path: Path) -> None:
    if clamd_local.find_clamd() is None:
        pytest.skip(clamd_local.NOT_INSTALLED_MESSAGE)
    clamd_dir = short_dir(tmp_path)
    said: list[str] = []
    with pytest.raises(RuntimeError, match="the server crashed"), clamd_local.for_the_server(clamd_dir,
                                                                                              say=said.append) as daemon:
        assert daemon is not None
        daemon.wait_until_ready(30)
        assert clamd_pids(clamd_dir) == [daemon.pid]
        raise RuntimeError("the server crashed")
    assert clamd_pids(clamd_dir) == []
    assert any("EICAR test signature" in line for line in said)


@pytest.mark.clamd
def test_for_the_server_uses_a_daemon_already_running_and_leaves_it(tmp_path: Path) -> None:
    if clamd_local.find_clamd() is None:
        pytest.skip(clamd_local.NOT_INSTALLED_MESSAGE)
    clamd_dir = short_dir(tmp_path)
    with clamd_local.start(clamd_dir) as running:
        said: list[str] = []
        with clamd_local.for_the_server(clamd_dir, say=said.append) as daemon:
            assert daemon is None
        assert clamd_pids(clamd_dir) == [running.pid]
        assert "already running" in said[0]


def test_without_clamav_the_server_still_serves_and_says_how_to_install_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clamd_local, "find_clamd", lambda: None)
    said: list[str] = []
    with clamd_local.for_the_server(tmp_path / "clamav", say=said.append) as daemon:
        assert daemon is None
    assert said == [clamd_local.NOT_INSTALLED_MESSAGE]


# --- the Makefile: ClamAV installed when missing, with sudo unless root ---------------------------


def fake_debian(tmp_path: Path, uid: int) -> Path:
    """``id``, ``sudo`` and ``apt-get`` stand-ins that write down how they were called."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    scripts = {
        "id": f'[ "$1" = -u ] && echo {uid} || exec /usr/bin/id "$@"',
        "sudo": f'echo "sudo $*" >> {calls}; exec "$@"',
        "apt-get": f'echo "apt-get $*" >> {calls}',
    }
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text(f"#!/bin/bash\n{body}\n")
        path.chmod(0o755)
    return bin_dir


def make(tmp_path: Path, bin_dir: Path, *args: str) -> tuple[str, list[str]]:
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}")
    result = subprocess.run(["make", "--no-print-directory", *args], cwd=REPO_ROOT, env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    calls = tmp_path / "calls"
    return result.stdout, calls.read_text().splitlines() if calls.exists() else []


@pytest.mark.parametrize(("uid", "sudo"), [(0, ""), (1000, "sudo ")])
def test_make_installs_clamav_when_it_is_missing(tmp_path: Path, uid: int, sudo: str) -> None:
    bin_dir = fake_debian(tmp_path, uid)
    out, calls = make(tmp_path, bin_dir, "clamav", "CLAMD=/nonexistent/clamd")
    assert "Installing Debian packages: clamav-daemon" in out
    apt = [call for call in calls if call.startswith("apt-get")]
    assert apt == ["apt-get update -q", "apt-get install -y -q clamav-daemon"]
    assert [call for call in calls if call.startswith("sudo")] == (
        ["sudo apt-get update -q", "sudo apt-get install -y -q clamav-daemon"] if sudo else [])


def test_make_installs_nothing_when_clamav_is_there(tmp_path: Path) -> None:
    bin_dir = fake_debian(tmp_path, 1000)
    present = tmp_path / "clamd"
    present.write_text("#!/bin/sh\n")
    present.chmod(0o755)
    out, calls = make(tmp_path, bin_dir, "clamav", f"CLAMD={present}")
    assert calls == [] and "Installing" not in out


def test_make_test_installs_what_is_missing_at_once(tmp_path: Path) -> None:
    bin_dir = fake_debian(tmp_path, 0)
    _, calls = make(tmp_path, bin_dir, "system-deps", "CLAMD=/nonexistent/clamd", "CHROMIUM=/nonexistent/chromium")
    assert calls == ["apt-get update -q", "apt-get install -y -q chromium fonts-liberation clamav-daemon"]


def test_make_run_installs_clamav_and_serves_with_a_clamd_of_its_own(tmp_path: Path) -> None:
    """A dry run: what `make run` would do on a machine without ClamAV."""
    out, _ = make(tmp_path, fake_debian(tmp_path, 0), "-n", "run", "CLAMD=/nonexistent/clamd")
    install = out.index("apt-get install -y -q clamav-daemon")
    serve_line = out.index("serve --clamd-dir")
    assert install < out.index("civic db upgrade") < serve_line
