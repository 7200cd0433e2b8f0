"""The :class:`~shared.search.SearchEngine` on Whoosh: one index directory, read by every web process, written
by exactly one worker.

Whoosh's query parser is not used: what a person types is tokenised here (quotes make phrases, everything
else is words), so operators, wildcards, field syntax and any other input are only words and nothing can
raise or run away. Facet counts are read from columns over the matching documents without scoring them
(whoosh's ``groupedby`` scores every hit), and snippets are cut by :mod:`shared.search.snippets` from the
stored text, or from a text the caller holds (:meth:`WhooshEngine.excerpts`).

The index lives under DATA_DIR with the stored files and the database's neighbours, so its writes keep
``DISK_RESERVE_MB`` free as the file store's do (:meth:`WhooshEngine.writer`): a full disk stops the index
growing, never the database, the uploads or the worker.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from bisect import bisect_left, bisect_right
from collections import Counter, OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from itertools import chain
from pathlib import Path
from typing import Any

from whoosh import columns
from whoosh import fields as wf
from whoosh import index as wi
from whoosh import query as wq
from whoosh.analysis import StandardAnalyzer, StemmingAnalyzer
from whoosh.index import LockError, clean_files
from whoosh.searching import Searcher
from whoosh.util.times import datetime_to_long

from shared.errors import Conflict
from shared.search import (
    FacetCount,
    FieldKind,
    FieldValue,
    Hit,
    IndexDocument,
    IndexFull,
    IndexUnavailable,
    Match,
    Results,
    SearchQuery,
    SearchSchema,
    Snippet,
)
from shared.search.snippets import Analyzer, analysed_terms, cut

log = logging.getLogger(__name__)

#: Errors that say the code is wrong, not the files: a search meeting one stays a 500 (and a test fails)
#: rather than being taken for damage and sending the worker to rebuild the index again and again.
_OUR_BUGS: tuple[type[Exception], ...] = (TypeError, AttributeError, NameError, AssertionError)

#: A query of more words than this is a paste, not a search: the rest is ignored.
MAX_WORDS = 50
#: Characters of a query looked at (50 words fit many times over).
MAX_QUERY_CHARS = 2000
#: Longer words are not misspellings of anything (and an edit-distance search of them is slow).
MAX_CORRECTED = 30
#: Within this many seconds of the last look, a search does not check the index for a newer commit.
REFRESH_EVERY = 1.0
#: Seconds a writer waits for another writer's lock before giving up.
LOCK_TIMEOUT = 30.0
CHECKPOINT_FILE = "checkpoint.json"

#: Free space beyond the reserve a writer needs to start, and a commit on top of its batch's estimate:
#: Whoosh's table of contents, the checkpoint, the small segments a commit may merge, the sort runs.
WRITE_MARGIN = 16 * 1024 * 1024
#: Bytes on disk a batch's new segment is taken to need per character of text it was given (postings,
#: stored fields, columns, spelling words). Measured on the Disclosure Log's schema: 0.6 for 200 documents of
#: ordinary English, 2.3 for random words (every word new to the index); three covers both, with the runs
#: Whoosh sorts on disk while it builds the segment.
GROWTH = 3
#: Characters of text a batch is given between two looks at the free space while it is filled: Whoosh
#: writes stored fields, and past ``limitmb`` sorted runs, as documents come, not only when it commits.
CHECK_EVERY = 8 * 1024 * 1024
#: What the kernel says when a write finds the filesystem or the user's quota full.
_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})

#: Years a DATE facet counts (a date outside them is not counted).
FIRST_YEAR, LAST_YEAR = 1900, 2200
_YEAR_STARTS = [datetime_to_long(dt.datetime(y, 1, 1)) for y in range(FIRST_YEAR, LAST_YEAR + 2)]
_PHRASE_OR_WORD = re.compile(r'"([^"]*)"?|([^\s"]+)')
_WORD = re.compile(r"\w+")


def _lowest_when_missing() -> columns.Column:
    """A 64-bit column whose missing values sort below every real one (so "newest first" puts them last).

    Both DATETIME's longs and NUMERIC's sortable form of a signed int are unsigned, and 0 is below them all.
    """
    return columns.NumericColumn("Q", default=0)


def _whoosh_schema(schema: SearchSchema) -> wf.Schema:
    kinds: dict[str, Any] = {"id": wf.ID(unique=True, stored=True)}
    for f in schema.fields:
        if f.name == "id":
            raise ValueError("the id field is implicit")
        if f.kind is FieldKind.TEXT:
            kinds[f.name] = wf.TEXT(analyzer=StemmingAnalyzer(), stored=f.stored, field_boost=f.boost)
        elif f.kind is FieldKind.SPELLING:
            kinds[f.name] = wf.TEXT(analyzer=StandardAnalyzer(), spelling=True)
        elif f.kind is FieldKind.KEYWORD:
            kinds[f.name] = wf.KEYWORD(commas=True, stored=f.stored, sortable=True)
        elif f.kind is FieldKind.DATE:
            kinds[f.name] = wf.DATETIME(stored=f.stored, sortable=_lowest_when_missing())
        elif f.kind is FieldKind.NUMBER:
            kinds[f.name] = wf.NUMERIC(numtype=int, bits=64, stored=f.stored, sortable=_lowest_when_missing())
        else:
            kinds[f.name] = wf.STORED()
    return wf.Schema(**kinds)


def _shape(schema: wf.Schema) -> dict[str, tuple[object, ...]]:
    """What matters of each field's definition to what the index holds (analysers compared by their parts)."""
    def analysis(f: Any) -> tuple[str, ...]:
        analyzer = getattr(f, "analyzer", None)
        parts = getattr(analyzer, "items", None)
        if parts is None:  # some forks split a composite analyser into its tokenizer and filters
            parts = [getattr(analyzer, "tokenizer", analyzer), *getattr(analyzer, "filters", ())]
        return tuple(type(part).__name__ for part in parts if part is not None)

    return {name: (type(f).__name__, bool(f.stored), bool(getattr(f, "spelling", False)), analysis(f),
                   getattr(f.format, "field_boost", None),
                   type(f.column_type).__name__ if f.column_type else None) for name, f in schema.items()}


def _keyword(value: str) -> str:
    """A keyword as indexed: commas separate a field's values, so none may be inside one."""
    return value.replace(",", " ").strip()


def _datetime(value: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value
    return dt.datetime.combine(value, dt.time())


def _from_stored(kind: FieldKind, value: Any) -> FieldValue:
    if kind is FieldKind.KEYWORD and isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if kind is FieldKind.DATE and isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    return value  # type: ignore[no-any-return]


def _query_parts(text: str) -> tuple[list[str], list[str]]:
    """The words and the quoted phrases of what a person typed (an unclosed quote runs to the end)."""
    words: list[str] = []
    phrases: list[str] = []
    for match in _PHRASE_OR_WORD.finditer(text[:MAX_QUERY_CHARS]):
        if len(words) + len(phrases) >= MAX_WORDS:
            break
        phrase, word = match.groups()
        if phrase is not None:
            found = _WORD.findall(phrase)
            if len(found) > 1:
                phrases.append(" ".join(found[:MAX_WORDS]))
            else:
                words.extend(found)
        else:
            words.extend(_WORD.findall(word or ""))
    return words[:MAX_WORDS], phrases


#: Documents' worth of term postings a process keeps as sets (a few megabytes).
POSTINGS_KEPT = 300_000


class _Postings:
    """Each term's matching documents per segment, kept for the next search with the same words.

    People refine a search by ticking facets, so the same words come back with other filters. A segment's
    postings change only by deletions, which only grow: its deleted count is part of the key.
    """

    def __init__(self) -> None:
        self._kept: OrderedDict[tuple[object, ...], frozenset[int]] = OrderedDict()
        self._size = 0

    def docs(self, leaves: list[tuple[Any, int]], field: str, text: str) -> set[int]:
        found: set[int] = set()
        for leaf, offset in leaves:
            segment = leaf.segment()
            key = (segment.segment_id(), segment.deleted_count(), field, text) if segment is not None else None
            ids = self._kept.get(key) if key else None
            if ids is None:
                ids = (frozenset(leaf.postings(field, text).all_ids()) if (field, text) in leaf
                       else frozenset())
                if key:
                    self._keep(key, ids)
            else:
                self._kept.move_to_end(key)  # type: ignore[arg-type]
            found.update((d + offset for d in ids) if offset else ids)
        return found

    def _keep(self, key: tuple[object, ...], ids: frozenset[int]) -> None:
        if len(ids) > POSTINGS_KEPT // 4:
            return
        self._kept[key] = ids
        self._size += len(ids) + 1
        while self._size > POSTINGS_KEPT:
            _, dropped = self._kept.popitem(last=False)
            self._size -= len(dropped) + 1

    def forget_except(self, live: set[str]) -> None:
        for key in [k for k in self._kept if k[0] not in live]:
            self._size -= len(self._kept.pop(key)) + 1


def _matching(searcher: Searcher, query: wq.Query, postings: _Postings) -> set[int]:
    """Every document the query matches, unscored, for facet counts.

    Whoosh's combined matchers step through the documents one at a time in Python; reading each term's
    postings straight from its segments (or from those kept) and combining them as sets is several times
    faster. Anything but terms, and's and or's (a phrase, a date range) is left to whoosh.
    """
    leaves = list(searcher.reader().leaf_readers())

    def docs(q: wq.Query) -> set[int]:
        if type(q) is wq.Term:
            return postings.docs(leaves, q.fieldname, q.text)
        if type(q) in (wq.Or, wq.DisjunctionMax):
            return set().union(*(docs(sub) for sub in q.subqueries)) if q.subqueries else set()
        if type(q) is wq.And and q.subqueries:
            found = sorted((docs(sub) for sub in q.subqueries), key=len)
            return found[0].intersection(*found[1:])
        return set(searcher.docs_for_query(q))

    return docs(query)


class _Writer:
    def __init__(self, engine: WhooshEngine, writer: Any) -> None:
        self._engine = engine
        self._writer = writer
        self.checkpoint: int | None = None
        #: Characters of text given to this batch (what its segment's size is estimated from).
        self.added = 0
        self._unchecked = 0

    def upsert(self, document: IndexDocument) -> None:
        values = self._engine._document_fields(document)
        size = sum(len(v) for v in values.values() if isinstance(v, str))
        self.added += size
        self._unchecked += size
        if self._unchecked >= CHECK_EVERY:
            self._unchecked = 0
            self._engine.require_room(WRITE_MARGIN + GROWTH * self.added)
        self._writer.update_document(**values)

    def delete(self, id: str) -> None:
        self._writer.delete_by_term("id", id)

    def release(self) -> None:
        self._writer = None

    def set_checkpoint(self, value: int) -> None:
        self.checkpoint = int(value)


def _abandon(raw: Any) -> None:
    """Cancel a Whoosh writer, and let go of the index's lock even when cancelling fails.

    On a full disk closing the batch's files fails too (ENOSPC flushing their buffers), before Whoosh
    releases its lock: every later writer would then wait ``LOCK_TIMEOUT`` and give up, and the index never
    catch up once there is room. So what ``cancel`` leaves undone is done here (``_finish``: the temporary
    storage and the lock), and the lock released directly if even that fails.
    """
    with suppress(Exception):  # a commit that failed half-way may have finished the writer already
        raw.cancel()
    if getattr(raw, "is_closed", True):
        return
    with suppress(Exception):
        raw._finish()
    lock = getattr(raw, "writelock", None)
    if not getattr(raw, "is_closed", True) and lock is not None:
        with suppress(Exception):
            lock.release()


class WhooshEngine:
    """One Whoosh index directory behind the suite's search interface.

    A process keeps one searcher open and refreshes it at most once a second while it searches, so a
    commit by the worker (a withdrawal, say) is seen within a second or two. Searches in one process take
    turns on that searcher (Whoosh's searchers are not made for concurrent use).

    ``follow`` is a symlink naming the generation to use (see :mod:`shared.search.indexes`): when it
    points somewhere new, the next refresh opens that directory instead.

    Such an engine (the one every process serves from) also notices damage: the link gone or naming no
    directory, or Whoosh failing to open or read the files. It then raises
    :class:`~shared.search.IndexUnavailable` rather than answering, and says why in :meth:`damage` for the
    worker to rebuild. Noticing costs nothing extra per search: the link is looked at by the refresh that
    runs at most once a second anyway, and a damaged file shows as an error from the read that meets it
    (the whole index is never checked). A damaged engine tries to open the link's generation again at each
    refresh, so a rebuild swapped in by another process heals it.
    """

    def __init__(self, directory: Path, schema: SearchSchema, *, follow: Path | None = None,
                 reserve: int = 0) -> None:
        self.schema = schema
        #: Bytes a write must leave free on the index's filesystem (``Settings.disk_reserve_bytes``).
        self.reserve = reserve
        self._whoosh_schema = _whoosh_schema(schema)
        self._kinds = {f.name: f.kind for f in schema.fields}
        self._analyzers: dict[str, Analyzer] = {
            name: self._whoosh_schema[name].analyzer
            for name, kind in self._kinds.items() if kind in (FieldKind.TEXT, FieldKind.SPELLING)}
        self._text_fields = tuple(f.name for f in schema.fields if f.kind is FieldKind.TEXT)
        self._first_date = next((f.name for f in schema.fields if f.kind is FieldKind.DATE), None)
        self._follow = follow
        self._lock = threading.RLock()
        self._damage: str | None = None
        self.directory = directory
        if follow is None:
            self._open(directory)
        else:
            self._checked = time.monotonic()
            self._reopen(directory)

    # Opening and refreshing

    def _open(self, directory: Path) -> None:
        if self._follow is None:
            directory.mkdir(parents=True, exist_ok=True)
        if self._follow is not None or wi.exists_in(str(directory)):
            ix = wi.open_dir(str(directory))
        else:
            ix = wi.create_in(str(directory), self._whoosh_schema)
        self.directory = directory
        self._ix = ix
        self._searcher: Searcher = ix.searcher()
        self._facet_values: dict[tuple[str, str], list[tuple[str, ...]]] = {}
        self._postings = _Postings()
        self._checked = time.monotonic()

    def _target(self) -> Path | None:
        if self._follow is None:
            return None
        try:
            return (self._follow.parent / os.readlink(self._follow)).resolve()
        except OSError:
            return None

    def _broken(self, why: str, exc: BaseException | None = None) -> None:
        if self._damage is None:
            log.error("The search index in %s cannot be read (%s): search is off until it is rebuilt",
                      self.directory, why, exc_info=exc)
        self._damage = why

    def _reopen(self, target: Path | None) -> None:
        """Open the generation the link names, or note why it cannot be (a following engine only)."""
        self._checked = time.monotonic()
        if target is None or not target.is_dir():
            self._broken(f"{self._follow} names no index directory")
            return
        old = getattr(self, "_searcher", None)
        try:
            self._open(target)
        except Exception as exc:  # noqa: BLE001 - whatever damaged files make Whoosh raise is "damaged"
            self.directory = target
            self._broken(f"{type(exc).__name__} opening {target.name}", exc)
            return
        self._damage = None
        if old is not None:
            old.close()

    def damage(self) -> str | None:
        with self._lock:
            return self._damage

    def refresh(self) -> None:
        with self._lock:
            if self._follow is not None:
                target = self._target()
                if self._damage is not None or target is None or target != self.directory.resolve():
                    self._reopen(target)
                    return
            try:
                latest = self._ix.latest_generation()
            except Exception as exc:
                if self._follow is None:
                    raise
                self._broken(f"{type(exc).__name__} listing {self.directory.name}", exc)
                return
            if latest != self._searcher.reader().generation():
                # A new searcher rather than ``Searcher.refresh``, which fails on a searcher of an empty index.
                old, self._searcher = self._searcher, self._ix.searcher()
                old.close()
                live = {leaf.segment().segment_id() for leaf, _ in self._searcher.reader().leaf_readers()
                        if leaf.segment() is not None}
                self._facet_values = {k: v for k, v in self._facet_values.items() if k[0] in live}
                self._postings.forget_except(live)
            self._checked = time.monotonic()

    def _fresh(self) -> Searcher:
        if time.monotonic() - self._checked > REFRESH_EVERY:  # a damaged index too: retried once a second
            self.refresh()
        if self._damage is not None:
            raise IndexUnavailable(self._damage)
        return self._searcher

    @contextmanager
    def _reading(self) -> Iterator[Searcher]:
        """The searcher, under the lock; an error reading the files marks a following engine damaged."""
        with self._lock:
            searcher = self._fresh()
            try:
                yield searcher
            except Exception as exc:
                if self._follow is None or isinstance(exc, (IndexUnavailable, *_OUR_BUGS)):
                    raise
                self._broken(f"{type(exc).__name__} reading {self.directory.name}", exc)
                raise IndexUnavailable(self._damage or "") from exc

    def matches_schema(self) -> bool:
        """Whether the index on disk was made for this schema's fields (else it wants a rebuild: documents
        with a field it lacks cannot be written, and a field whose kind changed would answer wrongly).
        False while the index is damaged."""
        with self._lock:
            if self._damage is not None:
                return False
            return _shape(self._ix.schema) == _shape(self._whoosh_schema)

    def close(self) -> None:
        with self._lock:
            if getattr(self, "_searcher", None) is not None:
                self._searcher.close()

    # Writing

    def _document_fields(self, document: IndexDocument) -> dict[str, Any]:
        values: dict[str, Any] = {"id": document.id}
        for name, value in document.fields.items():
            kind = self.schema.field(name).kind
            if value is None:
                continue
            if kind is FieldKind.KEYWORD:
                items = (value,) if isinstance(value, str) else value
                joined = ",".join(k for k in (_keyword(str(v)) for v in items) if k)  # type: ignore[union-attr]
                if joined:
                    values[name] = joined
            elif kind is FieldKind.DATE:
                if not isinstance(value, dt.date):
                    raise TypeError(f"{name} must be a date, not {value!r}")
                values[name] = _datetime(value)
            elif kind is FieldKind.NUMBER:
                values[name] = int(value)  # type: ignore[arg-type]
            elif kind in (FieldKind.TEXT, FieldKind.SPELLING):
                values[name] = str(value)
            else:
                values[name] = value
        return values

    @contextmanager
    def writer(self, *, procs: int = 1, limitmb: int = 128, multisegment: bool = False,
               compound: bool = True) -> Iterator[_Writer]:
        """One batch: committed when the block ends, cancelled if it raises.

        ``compound=False`` leaves a segment's parts as separate files, for the large segments of a bulk
        build: this whoosh reads a compound file's parts through an in-memory copy, so every reader opened
        on a compound index (the writer's own, each process's refresh) copied all of it, seconds at 50,000
        responses. Not for small batches: it refuses to open a segment with an empty part (a small
        segment's postings can all sit in its term file).

        ``procs`` > 1 (with ``multisegment``) builds a large index in several processes: only for filling a
        fresh generation (each id once), since an upsert there cannot replace a document of the same batch.
        Raises :class:`~shared.errors.Conflict` when another writer holds the index's lock for longer than
        ``LOCK_TIMEOUT`` (there is meant to be one writer). The checkpoint is written after the commit: a crash between the two leaves it behind the index,
        and replaying changes already applied is harmless (upserts and deletes by id).

        The disk reserve. Whoosh writes a segment's files as it goes and at the commit, through its own
        storage, so there is no stream to count bytes through as the file store does; and the size of a
        segment is known only once it is written. So the free space is looked at where a write is about to
        happen, against an estimate: before the writer opens (``WRITE_MARGIN`` above ``reserve``), every
        ``CHECK_EVERY`` characters while the batch is filled, and before the commit (``GROWTH`` bytes per
        character given, plus the margin). A commit merges old segments only when there is room besides for
        rewriting all of them (the old files go only once the new ones are written); else the batch is
        committed alone, and the merge waits for a commit with room. Short of room, or when the disk really
        fills (ENOSPC, EDQUOT), :class:`~shared.search.IndexFull` is raised and the batch cancelled: the
        index is left as it was (its table of contents still names the old segments, and what the batch
        had written is removed) and its lock released, so the caller simply tries again later.
        """
        self.require_room(WRITE_MARGIN)
        options: dict[str, Any] = {"timeout": LOCK_TIMEOUT, "limitmb": limitmb, "compound": compound}
        if procs > 1:
            options.update(procs=procs, multisegment=multisegment)
        try:
            raw = self._ix.writer(**options)
        except LockError as exc:
            raise Conflict(f"Another process is writing the search index in {self.directory}") from exc
        except OSError as exc:
            self._raise_if_full(exc)
            raise
        batch = _Writer(self, raw)
        try:
            yield batch
            needed = WRITE_MARGIN + GROWTH * batch.added
            room = self.require_room(needed)
            raw.commit(merge=room >= needed + self._size())
        except BaseException as exc:
            _abandon(raw)
            self._remove_cancelled()
            if isinstance(exc, OSError):
                self._raise_if_full(exc)
            raise
        finally:
            # The batch may outlive the block in its caller's hands: it must not keep Whoosh's writer, whose
            # files (removed, but open if a full disk stopped them closing) would hold their space until then.
            batch.release()
        if batch.checkpoint is not None:
            try:
                self._write_checkpoint(batch.checkpoint)
            except OSError as exc:
                self._raise_if_full(exc)
                raise
        self.refresh()

    def _remove_cancelled(self) -> None:
        """Remove the files of a cancelled batch: Whoosh leaves them until the next commit, and a batch
        retried on a full disk would otherwise leave more each time. Under the writer's lock, every index
        file the current table of contents does not name (Whoosh's own clean-up after a commit), and the
        writers' temporary directories (``*.tmp``: only a writer, holding that lock, has one in use), which
        a writer whose files could not be closed on a full disk leaves behind."""
        lock = self._ix.lock("WRITELOCK")
        if not lock.acquire():  # another writer has started: its commit cleans up
            return
        try:
            toc = self._ix._read_toc()
            clean_files(self._ix.storage, self._ix.indexname, toc.generation, toc.segments)
            for temporary in self.directory.glob("*.tmp"):
                if temporary.is_dir() and not temporary.is_symlink():
                    shutil.rmtree(temporary, ignore_errors=True)
        except Exception:  # tidying only: the next commit removes what is left
            log.warning("Could not remove a cancelled batch's files in %s", self.directory, exc_info=True)
        finally:
            lock.release()

    def room(self) -> int:
        """Bytes the index may take now and still leave ``reserve`` free on its filesystem (0 or less: none)."""
        probe = self.directory if self.directory.is_dir() else self.directory.parent
        return shutil.disk_usage(probe).free - self.reserve

    def require_room(self, needed: int) -> int:
        """The room there is (:meth:`room`), or :class:`~shared.search.IndexFull` when it is less than ``needed``."""
        room = self.room()
        if room < needed:
            raise IndexFull(f"no room to write the search index in {self.directory}: {max(0, room):,} bytes free "
                            f"above the reserve of {self.reserve:,}, {needed:,} needed")
        return room

    def _raise_if_full(self, exc: OSError) -> None:
        """ENOSPC or EDQUOT as :class:`~shared.search.IndexFull` (any other error is left to the caller)."""
        if exc.errno in _FULL:
            raise IndexFull(f"the disk is full writing the search index in {self.directory}: {exc}") from exc

    def _size(self) -> int:
        """Bytes the index's files take (what merging every segment would write again, at most)."""
        total = 0
        for path in self.directory.iterdir():
            with suppress(OSError):
                if path.is_file():
                    total += path.stat().st_size
        return total

    def _write_checkpoint(self, value: int) -> None:
        fd, temp = tempfile.mkstemp(dir=self.directory, prefix=".checkpoint-")
        try:
            with os.fdopen(fd, "w") as out:
                json.dump({"checkpoint": value}, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.directory / CHECKPOINT_FILE)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def checkpoint(self) -> int:
        with self._lock:
            self._fresh()
            path = self.directory / CHECKPOINT_FILE
        try:
            return int(json.loads(path.read_text())["checkpoint"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0

    def optimize(self) -> None:
        """Merge the index into one segment. After a bulk build in several processes: otherwise the first
        small commit that follows may merge the build's segments, and a change waits for that rewrite.

        It writes the whole index again before removing the old segments, so it needs that much room above
        the reserve: else :class:`~shared.search.IndexFull`, the index unchanged."""
        with self._lock:
            self.require_room(WRITE_MARGIN + self._size())
            try:
                self._ix.optimize()
            except OSError as exc:
                self._raise_if_full(exc)
                raise
        self.refresh()

    def document_count(self) -> int:
        with self._reading() as searcher:
            return int(searcher.doc_count())

    # Reading

    def _text_query(self, text: str, match: Match, only: tuple[str, ...] = (), *, rarest: int | None = None,
                    searcher: Searcher | None = None) -> wq.Query | None:
        """The query for what a person typed, or None when it has no word worth searching for."""
        words, phrases = _query_parts(text)
        fields = tuple(f for f in self._text_fields if not only or f in only) or self._text_fields
        word_parts: list[tuple[int, wq.Query]] = []
        seen: set[tuple[str, ...]] = set()
        for word in words:
            terms = [wq.Term(name, t.text) for name in fields for t in self._analyzers[name](word, mode="query")]
            if not terms:
                continue
            frequency = 0
            if rarest is not None and searcher is not None:
                key = tuple(f"{t.fieldname}:{t.text}" for t in terms)
                if key in seen:  # "repair" and "repaired" are one word to the index
                    continue
                seen.add(key)
                frequency = sum(searcher.doc_frequency(t.fieldname, t.text) for t in terms)
                if not frequency:
                    continue
            word_parts.append((frequency, wq.DisjunctionMax(terms) if len(terms) > 1 else terms[0]))
        if rarest is not None and searcher is not None:
            word_parts = sorted(word_parts, key=lambda fq: fq[0])[:max(0, rarest)]
        parts: list[wq.Query] = [q for _, q in word_parts]
        for phrase in phrases:
            alternatives: list[wq.Query] = []
            for name in fields:
                texts = [t.text for t in self._analyzers[name](phrase, mode="query")]
                if len(texts) > 1:
                    alternatives.append(wq.Phrase(name, texts))
                elif texts:
                    alternatives.append(wq.Term(name, texts[0]))
            if alternatives:
                parts.append(wq.DisjunctionMax(alternatives) if len(alternatives) > 1 else alternatives[0])
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        return wq.And(parts) if match is Match.ALL else wq.Or(parts)

    def _restrictions(self, query: SearchQuery) -> list[wq.Query]:
        parts: list[wq.Query] = []
        for name, values in query.filters.items():
            if self.schema.field(name).kind is not FieldKind.KEYWORD:
                raise ValueError(f"{name} is not a keyword field")
            terms = [wq.Term(name, k) for k in dict.fromkeys(_keyword(v) for v in values) if k]
            parts.append(wq.Or(terms) if terms else wq.NullQuery)
        for span in query.ranges:
            if self.schema.field(span.field).kind is not FieldKind.DATE:
                raise ValueError(f"{span.field} is not a date field")
            if span.start is None and span.end is None:
                continue
            start = _datetime(span.start) if span.start else None
            end = dt.datetime.combine(span.end + dt.timedelta(days=1), dt.time()) if span.end else None
            parts.append(wq.DateRange(span.field, start, end, endexcl=end is not None))
        if query.ids is not None:
            ids = [wq.Term("id", i) for i in dict.fromkeys(query.ids)]
            parts.append(wq.Or(ids) if ids else wq.NullQuery)
        return parts

    def search(self, query: SearchQuery) -> Results:
        page = max(1, query.page)
        per_page = max(1, query.per_page)
        restrictions = self._restrictions(query)
        # Restrictions are a filter, not part of the scored query: matching one adds nothing to a score.
        restricted: wq.Query | None = (wq.And(restrictions) if len(restrictions) > 1
                                       else restrictions[0] if restrictions else None)
        sort_by = query.sort_by
        if sort_by is not None and self.schema.field(sort_by).kind not in (FieldKind.DATE, FieldKind.NUMBER):
            raise ValueError(f"cannot sort by {sort_by}")
        with self._reading() as searcher:
            text_query = self._text_query(query.text, query.match, query.fields, rarest=query.rarest,
                                          searcher=searcher)
            if query.rarest is not None and text_query is None and query.text.strip():
                # Not one of the words is in the index: nothing matches (rather than everything, newest first).
                return Results(total=0, page=page, per_page=per_page, hits=(), facets=dict.fromkeys(query.facets, ()))
            parts = ([text_query] if text_query else []) + restrictions
            whole: wq.Query = wq.And(parts) if len(parts) > 1 else parts[0] if parts else wq.Every()
            if sort_by is None and text_query is None:
                sort_by = self._first_date
            docnums: list[int] | None = None
            if query.facets:
                docnums = sorted(_matching(searcher, whole, self._postings))
            options: dict[str, Any] = {"sortedby": sort_by, "reverse": True} if sort_by else {}
            if restricted is not None:
                # The matches already found are the cheapest filter; else whoosh finds the restrictions'.
                options["filter"] = set(docnums) if docnums is not None else restricted
            found = searcher.search(text_query or wq.Every(), limit=page * per_page, **options)
            total = (len(docnums) if docnums is not None else len(found) if query.count_all
                     else found.scored_length())
            shown = range((page - 1) * per_page, min(found.scored_length(), page * per_page))
            marks = {name: self._terms(name, query.text) for name in query.highlight}
            hits = tuple(self._hit(searcher, found, i, query, scored=sort_by is None, marks=marks) for i in shown)
            facets = {name: self._facet(searcher, name, docnums or []) for name in query.facets}
        return Results(total=total, page=page, per_page=per_page, hits=hits, facets=facets)

    def _hit(self, searcher: Searcher, found: Any, index: int, query: SearchQuery, *, scored: bool,
             marks: Mapping[str, frozenset[str]]) -> Hit:
        docnum = found.docnum(index)
        score = float(found.score(index) or 0.0) if scored else 0.0
        stored = searcher.stored_fields(docnum)
        values = {name: _from_stored(self._kinds[name], value) for name, value in stored.items()
                  if name != "id" and name in self._kinds}
        snippets: dict[str, tuple[Snippet, ...]] = {}
        for name, terms in marks.items():
            text = stored.get(name)
            snippets[name] = (cut(text, self._analyzers[name], terms, query.max_snippets)
                              if isinstance(text, str) else ())
        return Hit(id=stored["id"], score=score, stored=values, snippets=snippets)

    def _facet(self, searcher: Searcher, name: str, docnums: list[int]) -> tuple[FacetCount, ...]:
        """Counts of a field's values over ``docnums`` (sorted), each document counted once per value."""
        if self.schema.field(name).kind not in (FieldKind.KEYWORD, FieldKind.DATE):
            raise ValueError(f"{name} is not a keyword or date field")
        counts: Counter[str] = Counter()
        if docnums:
            for leaf, offset in searcher.reader().leaf_readers():
                values = self._segment_values(leaf, name)
                low = bisect_left(docnums, offset)
                high = bisect_left(docnums, offset + len(values), low)
                counts.update(chain.from_iterable(values[d - offset] for d in docnums[low:high]))
        return tuple(FacetCount(v, c) for v, c in sorted(counts.items(), key=lambda vc: (-vc[1], vc[0])))

    def _segment_values(self, leaf: Any, name: str) -> list[tuple[str, ...]]:
        """Each document's facet values in one segment, read from its column once and kept.

        A segment's documents never change (a deleted one simply never matches again), so the values
        are kept for as long as the segment is in the index: a refresh after a small commit reads only
        the new segment's column.
        """
        key = (leaf.segment().segment_id(), name)
        found = self._facet_values.get(key)
        if found is not None:
            return found
        column = leaf.column_reader(name, translate=False)
        decoded: dict[Any, tuple[str, ...]] = {}
        values: list[tuple[str, ...]] = []
        date = self.schema.field(name).kind is FieldKind.DATE
        for raw in column:
            value = decoded.get(raw)
            if value is None:
                if date:
                    # Whoosh's longs are ordered as the dates are, and a missing date (0) is before them all.
                    index = bisect_right(_YEAR_STARTS, raw) - 1
                    value = (str(FIRST_YEAR + index),) if 0 <= index < len(_YEAR_STARTS) - 1 else ()
                else:
                    value = tuple(dict.fromkeys(v.strip() for v in raw.decode("utf-8").split(",") if v.strip()))
                if len(decoded) < 100_000:
                    decoded[raw] = value
            values.append(value)
        self._facet_values[key] = values
        return values

    def _terms(self, field: str, query_text: str) -> frozenset[str]:
        """The query's words as ``field`` indexes them (what a snippet flags)."""
        words, phrases = _query_parts(query_text)
        return analysed_terms(self._analyzers[field], words + phrases)

    def excerpts(self, text: str, query_text: str, field: str, max_snippets: int = 3) -> tuple[Snippet, ...]:
        return cut(text, self._analyzers[field], self._terms(field, query_text), max_snippets)

    def correct(self, text: str, field: str) -> str | None:
        if self.schema.field(field).kind is not FieldKind.SPELLING:
            raise ValueError(f"{field} is not a spelling field")
        words = [w.lower() for w in _WORD.findall(text[:MAX_QUERY_CHARS])][:MAX_WORDS]
        if not words:
            return None
        with self._reading() as searcher:
            reader = searcher.reader()
            corrector = searcher.corrector(field)
            analyzer = self._analyzers[field]
            corrected = []
            for word in words:
                # Short words, numbers, stop words (never indexed, so never "known") and known words stay.
                if (not 3 <= len(word) <= MAX_CORRECTED or word.isdigit() or (field, word) in reader
                        or not any(True for _ in analyzer(word, mode="query"))):
                    corrected.append(word)
                    continue
                suggestions = corrector.suggest(word, limit=1, maxdist=1, prefix=1) or (
                    corrector.suggest(word, limit=1, maxdist=2, prefix=1) if len(word) > 4 else [])
                corrected.append(suggestions[0] if suggestions else word)
        return " ".join(corrected) if corrected != words else None

    def stored(self, id: str) -> Mapping[str, FieldValue] | None:
        """The stored fields of one document, or None when the index has no such id."""
        with self._reading() as searcher:
            found = searcher.document(id=id)
        if found is None:
            return None
        return {name: _from_stored(self._kinds[name], v) for name, v in found.items() if name in self._kinds}


__all__ = ["WhooshEngine"]
