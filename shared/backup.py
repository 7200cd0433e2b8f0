"""Backing up and restoring a whole suite: the database and the stored files, with a manifest to check by.

``civic backup DIR`` writes ``DIR/database.sqlite`` (SQLite's online backup API: a consistent copy while
the suite runs) or ``DIR/database.dump`` (``pg_dump --format=custom``), then ``DIR/files/`` (every stored
file's bytes) and ``DIR/manifest.json`` (the schema revision, each table's row count, each file's size and
SHA-256). The database is copied first: a file written after it is an extra, harmless; one deleted after
it was being purged anyway. The search index is left out, being derived data (``civic search rebuild``).

``civic restore DIR`` refuses a database that already has tables or a files directory that is not empty
(a restore never merges), loads the copy, copies the files back, and checks every count and checksum
against the manifest, so a restore that lost anything says so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import MetaData, func, inspect, select, text
from sqlalchemy.engine import Engine, make_url

from shared.settings import Settings

MANIFEST = "manifest.json"
SQLITE_COPY = "database.sqlite"
POSTGRES_COPY = "database.dump"
FILES = "files"
_CHUNK = 1 << 20


class BackupError(RuntimeError):
    """Said to the operator as it is: what is wrong and what to do."""


@dataclass(frozen=True)
class Summary:
    tables: dict[str, int]
    files: int
    bytes: int
    revision: str | None


def _is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _libpq_url(url: str) -> str:
    """pg_dump takes a libpq URL: no "+psycopg" driver, and a connect timeout so a dead server is said plainly."""
    parsed = make_url(url).set(drivername="postgresql")
    query = {**parsed.query, "connect_timeout": parsed.query.get("connect_timeout", "10")}
    base = parsed.set(query={}).render_as_string(hide_password=False)
    # libpq decodes %20 but not "+", which SQLAlchemy writes for a space ("options=-c a=b -c c=d").
    return base + "?" + "&".join(f"{quote(key, safe='')}={quote(str(value), safe='')}"
                                 for key, values in query.items()
                                 for value in (values if isinstance(values, tuple) else (values,)))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _counts(engine: Engine) -> dict[str, int]:
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
                for name, table in sorted(metadata.tables.items())}


def _revision(engine: Engine) -> str | None:
    if "alembic_version" not in inspect(engine).get_table_names():
        return None
    with engine.connect() as connection:
        return connection.scalar(text("SELECT version_num FROM alembic_version"))


def _files_of(root: Path) -> dict[str, tuple[int, str]]:
    found: dict[str, tuple[int, str]] = {}
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                found[path.relative_to(root).as_posix()] = (path.stat().st_size, _sha256(path))
    return found


def _copy_tree(source: Path, target: Path) -> None:
    for path in sorted(source.rglob("*")):
        if path.is_file() and not path.is_symlink():
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)


def backup(settings: Settings, engine: Engine, target: Path) -> Summary:
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: back up into a new directory")
    target.mkdir(parents=True, exist_ok=True)
    url = settings.database_url
    if _is_sqlite(url):
        _sqlite_backup(engine, target / SQLITE_COPY)
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--schema={_schema(engine)}",
              f"--file={target / POSTGRES_COPY}", f"--dbname={_libpq_url(url)}"], "pg_dump")
    tables = _counts(engine)
    revision = _revision(engine)
    _copy_tree(settings.files_dir, target / FILES)
    files = _files_of(target / FILES)
    manifest: dict[str, Any] = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "revision": revision,
        "database": "sqlite" if _is_sqlite(url) else "postgresql", "tables": tables,
        "files": {name: {"size": size, "sha256": digest} for name, (size, digest) in files.items()}}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return Summary(tables, len(files), sum(size for size, _ in files.values()), revision)


def _schema(engine: Engine) -> str:
    """The schema the suite's tables are in (``public``, or the one a deployer's search_path names): only
    it is dumped, so another application's schemas in the same database are not copied into the backup."""
    with engine.connect() as connection:
        return str(connection.execute(text("SELECT current_schema()")).scalar_one())


def _sqlite_backup(engine: Engine, path: Path) -> None:
    raw = engine.raw_connection()
    try:
        destination = sqlite3.connect(path)
        try:
            raw.driver_connection.backup(destination)  # type: ignore[union-attr]
        finally:
            destination.close()
    finally:
        raw.close()


def _run(command: list[str], name: str) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=3600)
    except FileNotFoundError:
        raise BackupError(f"{name} was not found: install PostgreSQL's client programs (Debian: postgresql-client)") \
            from None
    if done.returncode != 0:
        raise BackupError(f"{name} failed: {done.stderr.strip()[:2000]}")
    return done.stdout


#: A schema's entry in ``pg_restore --list``: "5; 2615 2200 SCHEMA - public pg_database_owner".
_SCHEMA_ENTRY = re.compile(r"^\d+;\s+\d+\s+\d+\s+SCHEMA\s+-\s+(\S+)")


def _restore_postgres(engine: Engine, url: str, dump: Path) -> None:
    """A dump of one schema creates that schema; a new database already has ``public``, so the entry
    of a schema that exists is left out (pg_restore would stop at "already exists")."""
    with engine.connect() as connection:
        existing = set(connection.execute(text("SELECT nspname FROM pg_namespace")).scalars())
    listing = _run(["pg_restore", "--list", str(dump)], "pg_restore")
    kept = [line for line in listing.splitlines()
            if not ((entry := _SCHEMA_ENTRY.match(line)) and entry.group(1) in existing)]
    with tempfile.NamedTemporaryFile("w", suffix=".list") as chosen:
        chosen.write("\n".join(kept) + "\n")
        chosen.flush()
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", f"--use-list={chosen.name}",
              f"--dbname={_libpq_url(url)}", str(dump)], "pg_restore")


def restore(settings: Settings, engine: Engine, source: Path) -> Summary:
    manifest = _manifest(source)
    if inspect(engine).get_table_names():
        raise BackupError("the database already has tables: restore into an empty database")
    files_dir = settings.files_dir
    if files_dir.exists() and any(files_dir.iterdir()):
        raise BackupError(f"{files_dir} is not empty: restore into an empty data directory")
    url = settings.database_url
    if _is_sqlite(url):
        if manifest.get("database") != "sqlite":
            raise BackupError("this backup is of a PostgreSQL database: restore it into PostgreSQL")
        copy = sqlite3.connect(source / SQLITE_COPY)
        raw = engine.raw_connection()
        try:
            copy.backup(raw.driver_connection)  # type: ignore[arg-type]
        finally:
            raw.close()
            copy.close()
    else:
        if manifest.get("database") != "postgresql":
            raise BackupError("this backup is of a SQLite database: restore it into SQLite")
        _restore_postgres(engine, url, source / POSTGRES_COPY)
    engine.dispose()  # connections opened before the restore may hold the empty schema
    _copy_tree(source / FILES, files_dir)
    return verify(settings, engine, source)


def _manifest(source: Path) -> dict[str, Any]:
    try:
        data = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} has no readable {MANIFEST}: is it a backup made by civic backup?") from exc
    if not isinstance(data, dict):
        raise BackupError(f"{source / MANIFEST} is not a backup manifest")
    return data


def verify(settings: Settings, engine: Engine, source: Path) -> Summary:
    """Every table has the rows and every file the bytes the manifest says; BackupError naming what differs."""
    manifest = _manifest(source)
    tables = _counts(engine)
    wrong = [f"{name}: {tables.get(name)} rows, expected {count}" for name, count in manifest["tables"].items()
             if tables.get(name) != count]
    files = _files_of(settings.files_dir)
    for name, expected in manifest["files"].items():
        if files.get(name) != (expected["size"], expected["sha256"]):
            wrong.append(f"file {name} is missing or differs")
    if wrong:
        raise BackupError("the restore does not match the backup: " + "; ".join(wrong[:20]))
    return Summary(tables, len(files), sum(size for size, _ in files.values()), _revision(engine))
