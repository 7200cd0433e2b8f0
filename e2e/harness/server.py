"""The real ``civic serve`` in a subprocess, on a free port, with its own data and database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]

#: Settings the harness owns; everything else (BRAND, ORG_NAME, CLAMD_*) is passed through.
_DROPPED = ("NOTIFY_API_KEY", "NOTIFY_TEMPLATE_ID", "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_STARTTLS")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://", "postgresql+"))


def _postgres_engine(url: str) -> Any:
    from shared.db import make_engine
    from shared.settings import load_settings

    return make_engine(load_settings({"DATABASE_URL": url, "SECRET_KEY": "e2e-reset-only"}).database_url)


def reset_postgres(url: str, schema: str = "public") -> None:
    """Start the PostgreSQL database named by DATABASE_URL from an empty schema (public, or an xdist
    worker's own)."""
    from sqlalchemy import text

    engine = _postgres_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        engine.dispose()


def drop_postgres_schema(url: str, schema: str) -> None:
    from sqlalchemy import text

    engine = _postgres_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        engine.dispose()


@dataclass
class LiveServer:
    data_dir: Path
    smtp_port: int | None = None
    database_url: str | None = None
    #: A clamd the harness started for the server's virus scans (else CLAMD_* pass through from the environment).
    clamd_socket: str | None = None
    #: A PostgreSQL schema of the server's own (an xdist worker's); None for the database's public schema.
    schema: str | None = None
    host: str = "127.0.0.1"
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.data_dir / "server.log"
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'civic.db'}"
        elif self.schema:
            url = self.database_url
            self.database_url = url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{self.schema}"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _DROPPED}
        env.update(
            APP_ENV="development",
            DATA_DIR=str(self.data_dir),
            DATABASE_URL=str(self.database_url),
            SECRET_KEY="e2e-secret-key-that-is-long-enough-0123456789",
            BASE_URL=self.base_url,
            HOST=self.host,
            PORT=str(self.port),
            PYTHONUNBUFFERED="1",
            # Every journey signs in from 127.0.0.1: as a council behind one address would, raise the
            # per-address limits so the journeys do not depend on where a 10-minute window falls.
            RATE_LIMIT_SCALE="50",
        )
        if self.clamd_socket is not None:
            env["CLAMD_SOCKET"] = self.clamd_socket
        if self.smtp_port is not None:
            env.update(SMTP_HOST="127.0.0.1", SMTP_PORT=str(self.smtp_port))
        else:
            env.pop("SMTP_HOST", None)
            env.pop("SMTP_PORT", None)
        return env

    def _civic(self, *args: str) -> None:
        result = subprocess.run(
            [sys.executable, "-m", "shared.cli", *args],
            cwd=REPO_ROOT, env=self.env(), capture_output=True, text=True, timeout=120, check=False,
        )
        with self.log_path.open("a") as log:
            log.write(f"$ civic {' '.join(args)}\n{result.stdout}{result.stderr}\n")
        if result.returncode != 0:
            raise RuntimeError(f"civic {' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")

    def start(self, timeout: float = 30.0) -> None:
        if is_postgres(str(self.database_url)):
            reset_postgres(str(self.database_url), self.schema or "public")
        self._civic("db", "upgrade")  # the schema is the migrations' alone, as on a real install
        self._civic("demo-data")
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "shared.cli", "serve"],
            cwd=REPO_ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        health = f"{self.base_url}/capture/healthz"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"civic serve exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(health, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{health} did not answer 200 within {timeout:.0f} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def log(self, since: int = 0) -> str:
        try:
            with self.log_path.open("rb") as fh:
                fh.seek(since)
                return fh.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_offset(self) -> int:
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0
