"""Where each index lives, and how a rebuilt one replaces it without a reader noticing.

Under the host's search directory (``Settings.search_dir``) each schema has a directory of generations::

    <root>/<schema.name>/gen-20261203T101500123456/   an index
    <root>/<schema.name>/current -> gen-...            the one in use

A rebuild writes a fresh generation (:func:`new_generation`) while searches go on against the current one,
then :func:`swap_in` repoints ``current`` in one rename. A process that has the old generation open keeps
reading it (its files stay on disk until closed, and the previous generation is kept anyway); its engine
opens the new one at its next refresh.

Each generation's engine keeps the disk reserve (``Settings.disk_reserve_bytes``, see
``WhooshEngine.writer``). On a disk at the reserve no generation is started, not even the first empty index
of a host: its engine is then a damaged one (search says it is being rebuilt) until the worker, with room,
builds it.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from shared.search import IndexFull, SearchSchema
from shared.search.whoosh_engine import WRITE_MARGIN, WhooshEngine

log = logging.getLogger(__name__)

CURRENT = "current"
PREFIX = "gen-"
#: Generations older than the previous one are removed only once they have been out of use this long,
#: so a process that opened one just before a swap is never left without its files.
GRACE_SECONDS = 60.0

_engines: dict[Path, WhooshEngine] = {}
_lock = threading.Lock()


def _home(root: Path, schema: SearchSchema) -> Path:
    if not schema.name or "/" in schema.name or schema.name.startswith("."):
        raise ValueError(f"not a usable index name: {schema.name!r}")
    return root / schema.name


def _fresh_directory(home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    while True:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        directory = home / f"{PREFIX}{stamp}"
        try:
            directory.mkdir()
            return directory
        except FileExistsError:
            time.sleep(0.000_01)


def _point(home: Path, directory: Path) -> None:
    """Make ``current`` name ``directory``, in one rename (a reader sees the old link or the new one)."""
    temp = home / f".{CURRENT}-{os.getpid()}-{threading.get_ident()}"
    temp.unlink(missing_ok=True)
    os.symlink(directory.name, temp)
    os.replace(temp, home / CURRENT)


def current_directory(root: Path, schema: SearchSchema) -> Path | None:
    """The generation in use, or None before the first index is made."""
    link = _home(root, schema) / CURRENT
    try:
        return (link.parent / os.readlink(link)).resolve()
    except OSError:
        return None


def _room(home: Path, reserve: int) -> bool:
    """Whether a new generation may be started under ``home`` and leave ``reserve`` (and a margin) free."""
    return shutil.disk_usage(home).free - reserve >= WRITE_MARGIN


def open_engine(root: Path, schema: SearchSchema, reserve: int = 0) -> WhooshEngine:
    """This process's engine for the schema's index (made empty when there is none yet and there is room).

    One per index per process, kept: it follows ``current``, so a rebuild swapped in elsewhere is picked
    up at its next refresh. It is returned even when ``current`` names no index (see ``damage()``).
    ``reserve`` is what its writes leave free; the caller's settings give it, the latest caller's kept.
    """
    home = _home(root, schema)
    home.mkdir(parents=True, exist_ok=True)
    key = home.resolve()
    with _lock:
        engine = _engines.get(key)
        if engine is not None:
            engine.reserve = reserve
            return engine
        directory = current_directory(root, schema)
        if directory is None and not os.path.lexists(home / CURRENT):  # the first index of this host
            if _room(home, reserve):
                directory = _fresh_directory(home)
                WhooshEngine(directory, schema).close()
                _point(home, directory)
            else:
                log.warning("No room for the first search index in %s (DISK_RESERVE_MB): search is off until "
                            "the worker can build it", home)
        # A link naming nothing usable makes a damaged engine (search says so; the worker rebuilds), not a
        # silently empty index.
        engine = WhooshEngine(directory or home / CURRENT, schema, follow=home / CURRENT, reserve=reserve)
        _engines[key] = engine
        return engine


def new_generation(root: Path, schema: SearchSchema, reserve: int = 0) -> WhooshEngine:
    """An empty index in a fresh generation, not yet in use: fill it, then :func:`swap_in` (or :func:`discard`).

    :class:`~shared.search.IndexFull`, and no directory made, when there is no room above ``reserve``.
    """
    home = _home(root, schema)
    home.mkdir(parents=True, exist_ok=True)
    if not _room(home, reserve):
        raise IndexFull(f"no room to start a search index in {home} above the reserve of {reserve:,} bytes")
    return WhooshEngine(_fresh_directory(home), schema, reserve=reserve)


def discard(root: Path, schema: SearchSchema, engine: WhooshEngine) -> None:
    """Remove a generation that was never put in use (a rebuild that failed), so it takes no disk meanwhile."""
    directory = engine.directory.resolve()
    if directory.parent != _home(root, schema).resolve() or directory == current_directory(root, schema):
        raise ValueError(f"{directory} is not a generation of {schema.name} out of use")
    engine.close()
    shutil.rmtree(directory, ignore_errors=True)


def swap_in(root: Path, schema: SearchSchema, engine: WhooshEngine) -> None:
    """Put a filled generation in use, and remove the generations before the previous one after a grace."""
    home = _home(root, schema)
    directory = engine.directory.resolve()
    if directory.parent != home.resolve():
        raise ValueError(f"{directory} is not a generation of {home}")
    previous = current_directory(root, schema)
    _point(home, directory)
    if previous and previous != directory and previous.is_dir():
        os.utime(previous)  # its mtime now says when it went out of use, which the grace counts from
    keep = {directory, previous} if previous else {directory}
    now = time.time()
    for old in home.glob(f"{PREFIX}*"):
        resolved = old.resolve()
        if resolved in keep or not old.is_dir():
            continue
        if now - old.stat().st_mtime > GRACE_SECONDS:
            shutil.rmtree(old, ignore_errors=True)
    with _lock:
        cached = _engines.get(home.resolve())
    if cached is not None:
        cached.refresh()


@contextmanager
def rebuilding(root: Path, schema: SearchSchema) -> Iterator[bool]:
    """Whether the caller may rebuild the schema's index now: False while another process or thread of this
    host is rebuilding it (one build is enough, and two would each cost the whole build's time).

    Held for the block; a lock on a file, so a process that dies lets go of it.
    """
    home = _home(root, schema)
    home.mkdir(parents=True, exist_ok=True)
    fd = os.open(home / ".rebuild.lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def forget_engines() -> None:
    """Close this process's engines (tests, and a process about to fork)."""
    with _lock:
        for engine in _engines.values():
            engine.close()
        _engines.clear()


__all__ = ["current_directory", "discard", "forget_engines", "new_generation", "open_engine", "rebuilding", "swap_in"]
