"""Start and stop a throwaway ClamAV daemon for development and tests, without root.

Uploads stay quarantined until clamd says they are clean, so a developer (and the
test suite) needs a real daemon, but not the system service: this one lives in a
directory of its own, listens only on a Unix socket there, and runs as whoever
starts it. No ``User`` line is written, so clamd never tries to drop privileges
(as root it stays root and can read the directory; as a normal user nothing
needs changing hands).

Signatures: the system's (``/var/lib/clamav``, kept fresh by freshclam) when it
holds any, else one signature for the standard EICAR test file, because clamd
refuses to start with an empty database. Loading the real signatures takes tens
of seconds and about a gigabyte of memory; the test signature loads at once.

``make run`` uses :func:`for_the_server` (``civic serve --clamd-dir var/clamav``):
the daemon is the server's child and ends with it, however the server ends
(Ctrl-C, SIGTERM, a crash, even SIGKILL), so stopping the suite leaves nothing
behind. ``python -m shared.clamd_local start|stop|status --dir DIR`` starts one
that outlives the command, for those who want it.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

SYSTEM_DATABASE = Path("/var/lib/clamav")
#: The standard 68-byte anti-virus test file (https://www.eicar.org): harmless, detected by every scanner.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
EICAR_SIGNATURE_NAME = "Eicar-Test-Signature"
NOT_INSTALLED_MESSAGE = (
    "ClamAV is not installed: uploads will stay quarantined. Install it with: sudo apt-get install clamav-daemon"
)
_SOCKET_PATH_MAX = 107  # sun_path is 108 bytes with the terminating NUL
_APPARMOR_PROFILE = Path("/etc/apparmor.d/usr.sbin.clamd")
_PR_SET_PDEATHSIG = 1
#: The largest stream the local daemon accepts, in megabytes: staff send response documents up to 2GB.
#: Matches the default of SCANNER_MAX_MB (shared.settings), so what the suite accepts the daemon scans.
DEFAULT_MAX_MB = 2048


class ClamdNotInstalled(RuntimeError):
    """No clamd binary on this machine."""


class ClamdStartError(RuntimeError):
    """clamd did not come up; the message carries the end of its log."""


def find_clamd() -> str | None:
    """clamd is in /usr/sbin, which a normal user's PATH often lacks."""
    found = shutil.which("clamd")
    if found:
        return found
    for candidate in ("/usr/sbin/clamd", "/usr/local/sbin/clamd"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def has_system_signatures(directory: Path | None = None) -> bool:
    """True when freshclam (or a package) has put real signature databases there."""
    directory = directory or SYSTEM_DATABASE
    try:
        return any(p.suffix in (".cvd", ".cld") for p in directory.iterdir())
    except OSError:
        return False


def write_test_database(directory: Path) -> Path:
    """A database holding only an MD5 signature (``md5:size:name``) of the EICAR test file."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "eicar-test.hdb"
    digest = hashlib.md5(EICAR, usedforsecurity=False).hexdigest()
    path.write_text(f"{digest}:{len(EICAR)}:{EICAR_SIGNATURE_NAME}\n")
    return path


@dataclass(frozen=True)
class Paths:
    """Where one local daemon keeps everything."""

    root: Path

    @property
    def conf(self) -> Path:
        return self.root / "clamd.conf"

    @property
    def socket(self) -> Path:
        return self.root / "clamd.sock"

    @property
    def pid(self) -> Path:
        return self.root / "clamd.pid"

    @property
    def log(self) -> Path:
        return self.root / "clamd.log"

    @property
    def output(self) -> Path:
        return self.root / "clamd.out"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def test_database(self) -> Path:
        return self.root / "db"


def size_limits(max_mb: int) -> list[str]:
    """clamd.conf lines that let a file of ``max_mb`` megabytes be streamed in and scanned whole.

    ``StreamMaxLength`` bounds what INSTREAM accepts (beyond it clamd answers "INSTREAM size limit
    exceeded"); ``MaxFileSize`` and ``MaxScanSize`` bound what is scanned, and a file past them would
    otherwise be answered "OK" unscanned. ``MaxScanSize`` counts a container and what it holds, so it is
    twice the file (ClamAV takes 4000M at most). ``AlertExceedsMax`` makes any limit that is still hit
    (size, recursion, scan time) a ``Heuristics.Limits.Exceeded`` answer instead of a silent "OK";
    shared.scanning treats that as "could not be scanned", never as clean. ``MaxScanTime`` is raised from
    two minutes so a 2GB document is not cut short; the scan's client timeout (shared.scanning) stays
    under the job queue's lease.
    """
    if max_mb < 1 or max_mb > 4095:
        raise ValueError("clamd's StreamMaxLength must be between 1M and 4095M")
    return [
        f"StreamMaxLength {max_mb}M",
        f"MaxFileSize {max_mb}M",
        f"MaxScanSize {min(4000, 2 * max_mb)}M",
        "AlertExceedsMax yes",
        "MaxScanTime 240000",
    ]


def write_config(paths: Paths, database: Path, *, max_mb: int = DEFAULT_MAX_MB) -> Path:
    """A clamd.conf for a foreground daemon on a private Unix socket, with no TCP listener."""
    lines = [
        f"LocalSocket {paths.socket}",
        "LocalSocketMode 600",
        "Foreground yes",
        f"DatabaseDirectory {database}",
        f"PidFile {paths.pid}",
        f"TemporaryDirectory {paths.tmp}",
        f"LogFile {paths.log}",
        "LogTime yes",
        "LogFileMaxSize 1M",
        # Leaves clamd as the user who started it: nothing to chown, works as root and not.
        "# no User line on purpose",
        "SelfCheck 3600",
        *size_limits(max_mb),
    ]
    paths.conf.write_text("\n".join(lines) + "\n")
    return paths.conf


def ping_socket(path: Path | str, timeout: float = 1.0) -> bool:
    """PING over the socket by hand, so this module needs nothing but the standard library."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(path))
            sock.sendall(b"zPING\0")
            return sock.recv(16).rstrip(b"\0\n") == b"PONG"
    except OSError:
        return False


def _log_tail(paths: Paths, lines: int = 20) -> str:
    chunks = []
    for path in (paths.log, paths.output):
        with contextlib.suppress(OSError):
            text = path.read_text(errors="replace").strip()
            if text:
                chunks.append("\n".join(text.splitlines()[-lines:]))
    return "\n".join(chunks) or "(clamd wrote nothing)"


def _apparmor_hint(paths: Paths) -> str:
    """Ubuntu confines /usr/sbin/clamd to a few paths, including the temporary directory."""
    if _APPARMOR_PROFILE.exists() and not paths.root.resolve().is_relative_to(Path(tempfile.gettempdir()).resolve()):
        return (
            "\nIf AppArmor confines clamd here, use a directory under "
            f"{tempfile.gettempdir()} (--dir {Path(tempfile.gettempdir()) / 'civic-clamav'}) "
            "or run: sudo aa-complain /usr/sbin/clamd"
        )
    return ""


def _pid_is_clamd(pid: int) -> bool:
    """Guard against signalling an unrelated process that reused a stale pid."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True  # no /proc (not Linux): trust the pid file
    return b"clamd" in cmdline.split(b"\0")[0]


def read_pid(paths: Paths) -> int | None:
    try:
        pid = int(paths.pid.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _pid_is_clamd(pid) else None


@dataclass
class LocalClamd:
    """A running local daemon; ``stop()`` ends it (tests use it as a context manager)."""

    paths: Paths
    pid: int
    signatures: str  # "system" or "test"
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def socket(self) -> str:
        return str(self.paths.socket)

    def ping(self) -> bool:
        return ping_socket(self.paths.socket)

    def wait_until_ready(self, timeout: float | None = None) -> None:
        """Return once clamd answers PING; raise :class:`ClamdStartError` if it exits or takes too long."""
        _wait_until_ready(self, timeout)

    def stop(self, timeout: float = 10.0) -> None:
        _terminate(self.pid, timeout, self.process)
        with contextlib.suppress(FileNotFoundError):
            self.paths.socket.unlink()
        with contextlib.suppress(FileNotFoundError):
            self.paths.pid.unlink()

    def __enter__(self) -> LocalClamd:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def _terminate(pid: int, timeout: float, process: subprocess.Popen[bytes] | None) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None:
            if process.poll() is not None:
                return
        elif not _alive(pid):
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    if process is not None:
        process.wait(timeout=5)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours still "exists"; /proc says whether it has really ended.
    with contextlib.suppress(OSError):
        return " Z " not in Path(f"/proc/{pid}/stat").read_text().split(")", 1)[1][:4]
    return True


def _die_with_parent() -> None:
    """Runs in the child before exec: on Linux, end clamd if the process that started it dies."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def start(
    directory: Path | str,
    use_system_signatures: bool = False,
    timeout: float | None = None,
    *,
    outlive_caller: bool = False,
    max_mb: int = DEFAULT_MAX_MB,
) -> LocalClamd:
    """Start clamd in ``directory`` and return once it answers PING.

    ``use_system_signatures`` loads /var/lib/clamav (refused when it holds none);
    otherwise only the EICAR test signature is loaded, which is what tests want.
    Unless ``outlive_caller`` (the CLI), clamd ends with its caller even if that is
    killed, so a test run that dies leaves no daemon behind.
    """
    daemon = launch(directory, use_system_signatures, outlive_caller=outlive_caller, max_mb=max_mb)
    daemon.wait_until_ready(timeout)
    return daemon


def launch(
    directory: Path | str,
    use_system_signatures: bool = False,
    *,
    outlive_caller: bool = False,
    max_mb: int = DEFAULT_MAX_MB,
) -> LocalClamd:
    """Start clamd in ``directory`` without waiting for it to load its signatures.

    The real signatures take tens of seconds to load: a server need not wait for
    them, as uploads stay quarantined (and their scans retry) until clamd answers.
    Call :meth:`LocalClamd.wait_until_ready` to wait. ``max_mb`` is the largest stream it scans
    (its StreamMaxLength, see :func:`size_limits`).
    """
    binary = find_clamd()
    if binary is None:
        raise ClamdNotInstalled(NOT_INSTALLED_MESSAGE)
    paths = Paths(Path(directory).absolute())
    if len(os.fsencode(paths.socket)) > _SOCKET_PATH_MAX:
        raise ClamdStartError(f"The socket path {paths.socket} is too long for a Unix socket; use a shorter --dir")
    paths.root.mkdir(parents=True, exist_ok=True)
    paths.tmp.mkdir(exist_ok=True)
    if read_pid(paths) is not None:
        raise ClamdStartError(f"A clamd is already running from {paths.root} (pid {read_pid(paths)})")
    if use_system_signatures:
        if not has_system_signatures():
            raise ClamdStartError(f"{SYSTEM_DATABASE} holds no signatures: run `sudo freshclam` first")
        database, kind = SYSTEM_DATABASE, "system"
    else:
        write_test_database(paths.test_database)
        database, kind = paths.test_database, "test"
    for stale in (paths.socket, paths.pid, paths.log):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()
    write_config(paths, database, max_mb=max_mb)
    with paths.output.open("wb") as output:
        process = subprocess.Popen(
            [binary, "--config-file", str(paths.conf)],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in a terminal reaches the server, which then stops clamd itself
            preexec_fn=None if outlive_caller else _die_with_parent,  # ends with us unless told
        )
    # Written at once (clamd writes it too, once loaded) so that `stop` and `status` find it while it loads.
    paths.pid.write_text(f"{process.pid}\n")
    return LocalClamd(paths=paths, pid=process.pid, signatures=kind, process=process)


def _wait_until_ready(daemon: LocalClamd, timeout: float | None) -> None:
    paths, process = daemon.paths, daemon.process
    assert process is not None, "only a daemon this process launched can be waited for"
    limit = timeout if timeout is not None else (300.0 if daemon.signatures == "system" else 30.0)
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if ping_socket(paths.socket):
            paths.pid.write_text(f"{process.pid}\n")  # clamd wrote it too; make sure it is ours
            return
        if process.poll() is not None:
            with contextlib.suppress(FileNotFoundError):
                paths.pid.unlink()
            raise ClamdStartError(
                f"clamd exited with status {process.returncode} while starting. Its log ends:\n"
                f"{_log_tail(paths)}{_apparmor_hint(paths)}"
            )
        time.sleep(0.05)
    daemon.stop(5.0)
    raise ClamdStartError(f"clamd did not answer within {limit:.0f} s. Its log ends:\n{_log_tail(paths)}")


@contextlib.contextmanager
def for_the_server(directory: Path | str, *, say: Callable[[str], None] | None = None) -> Iterator[LocalClamd | None]:
    """A local clamd for exactly as long as the ``with`` block: ``civic serve --clamd-dir``.

    clamd is this process's child and is stopped when the block ends, however it
    ends (the server returning, KeyboardInterrupt, an exception, SIGTERM, which
    is turned into SystemExit here); if this process is killed outright, the
    kernel ends clamd too (PR_SET_PDEATHSIG). Without ClamAV, or when clamd
    cannot start, the server still serves (uploads wait in quarantine) and
    ``say`` tells why. A daemon already running from ``directory`` (started with
    ``python -m shared.clamd_local start``) is used and left running.
    """
    say = say or _say
    paths = Paths(Path(directory).absolute())
    if find_clamd() is None:
        say(NOT_INSTALLED_MESSAGE)
        yield None
        return
    if status(paths.root) != "stopped":
        say(f"Using the clamd already running from {paths.root} (stop it with: "
            f"python -m shared.clamd_local stop --dir {paths.root})")
        yield None
        return
    system = has_system_signatures()
    try:
        daemon = launch(paths.root, use_system_signatures=system)
    except ClamdStartError as exc:
        say(f"clamd could not start, uploads will stay quarantined: {exc}")
        yield None
        return
    if system:
        say(f"clamd is loading the ClamAV signatures from {SYSTEM_DATABASE} (pid {daemon.pid}): uploads are "
            "scanned once it has (this takes a while and about 1GB of memory)")
    else:
        say(f"clamd started with only the EICAR test signature (pid {daemon.pid}): real viruses will not be "
            "detected. Run `sudo freshclam` for the real signatures.")
    stopping = threading.Event()
    threading.Thread(target=_report_ready, args=(daemon, say, stopping), name="clamd-ready", daemon=True).start()
    try:
        with _sigterm_as_exit():
            yield daemon
    finally:
        stopping.set()
        daemon.stop()


def _say(message: str) -> None:
    print(message, flush=True)  # from a thread too, while the server logs to stderr


def _report_ready(daemon: LocalClamd, say: Callable[[str], None], stopping: threading.Event) -> None:
    try:
        daemon.wait_until_ready(None)
    except ClamdStartError as exc:
        if not stopping.is_set():
            say(f"clamd stopped, uploads will stay quarantined: {exc}")
    else:
        if not stopping.is_set():
            say(f"clamd is ready: CLAMD_SOCKET={daemon.socket}")


@contextlib.contextmanager
def _sigterm_as_exit() -> Iterator[None]:
    """SIGTERM's default kills the process without unwinding; as SystemExit, ``finally`` blocks run.

    uvicorn takes SIGTERM over while it serves, shuts down gracefully, then
    raises the signal again: it then reaches this handler.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def exit_on_sigterm(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, exit_on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def stop(directory: Path | str, timeout: float = 10.0) -> bool:
    """Stop the daemon started from ``directory`` (by another process); False when none was running."""
    paths = Paths(Path(directory).absolute())
    pid = read_pid(paths)
    if pid is None:
        return False
    LocalClamd(paths=paths, pid=pid, signatures="unknown").stop(timeout)
    return True


def status(directory: Path | str) -> str:
    paths = Paths(Path(directory).absolute())
    pid = read_pid(paths)
    if pid is None:
        return "stopped"
    return "running" if ping_socket(paths.socket) else "starting"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.clamd_local", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["start", "stop", "status"])
    parser.add_argument("--dir", default="var/clamav", type=Path, help="where the socket, log and pid live")
    parser.add_argument(
        "--signatures",
        choices=["auto", "system", "test"],
        default="auto",
        help="system: /var/lib/clamav; test: the EICAR test signature only; auto: system when present",
    )
    parser.add_argument("--timeout", type=float, default=None, help="seconds to wait for clamd to answer")
    args = parser.parse_args(argv)
    paths = Paths(args.dir.absolute())

    if args.command == "status":
        state = status(args.dir)
        print(f"clamd {state}" + (f": CLAMD_SOCKET={paths.socket}" if state != "stopped" else ""))
        return 0 if state == "running" else 3
    if args.command == "stop":
        print("clamd stopped" if stop(args.dir) else "clamd was not running")
        return 0

    if find_clamd() is None:
        print(NOT_INSTALLED_MESSAGE)
        return 0
    if status(args.dir) == "running":
        print(f"clamd is already running: CLAMD_SOCKET={paths.socket}")
        return 0
    system = args.signatures == "system" or (args.signatures == "auto" and has_system_signatures())
    if not system:
        print(
            "Loading only the EICAR test signature: real viruses will not be detected. "
            "Run `sudo freshclam` for the real signatures."
        )
    else:
        print(f"Loading the ClamAV signatures from {SYSTEM_DATABASE}: this takes a while and about 1GB of memory…")
    try:
        daemon = start(args.dir, use_system_signatures=system, timeout=args.timeout, outlive_caller=True)
    except (ClamdStartError, ClamdNotInstalled) as exc:
        print(exc, file=sys.stderr)
        return 1
    # The daemon outlives this command; `stop` finds it by its pid file.
    print(f"clamd started (pid {daemon.pid}, {daemon.signatures} signatures): CLAMD_SOCKET={daemon.socket}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
