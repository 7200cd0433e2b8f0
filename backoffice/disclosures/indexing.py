"""What the Disclosure Log's search index holds, and how each host's index follows the database.

One index record per published response: its title, summary and request, and the text of all its
documents' pages as one field. Pages are not records of their own: that would multiply the index (and
every facet count) by the pages a response has. Which page a hit is on is found afterwards, for the ten hits
of a page of results, from the page texts the database keeps (``backoffice.disclosures.search``).

The index is derived data. The worker is its only writer: it applies the change sequence
(``PublicationChange``) from the index's checkpoint on, reading each changed publication's state now, so a
change applied twice does no harm and every host that follows the sequence converges. A sequence number is
taken when a transaction inserts its row, not when it commits, so a later number can commit first; each
catch-up therefore also replays the changes of the last ``REPLAY_WINDOW``, which covers any transaction
that commits within it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from backoffice.automation.timing import london_date
from backoffice.disclosures.models import PUBLISHED, Publication, PublicationDocument, PublicationPage
from backoffice.disclosures.models import PublicationChange as Change
from shared.db import utcnow
from shared.search import Field, FieldKind, IndexDocument, IndexWriter, SearchEngine, SearchSchema
from shared.search.indexes import discard, new_generation, open_engine, rebuilding, swap_in
from shared.settings import Settings

log = logging.getLogger(__name__)

LOG_SCHEMA = SearchSchema(name="disclosure-log", fields=(
    Field("title", FieldKind.TEXT, stored=True, boost=4.0),
    Field("summary", FieldKind.TEXT, stored=True, boost=2.0),
    Field("request", FieldKind.TEXT, boost=1.5),
    #: Every page of every document, one after another; not stored (the database keeps the pages).
    Field("documents", FieldKind.TEXT),
    #: Unstemmed words of titles and summaries, for "did you mean" only.
    Field("spelling", FieldKind.SPELLING),
    Field("reference", FieldKind.KEYWORD, stored=True),
    Field("type", FieldKind.KEYWORD),
    Field("outcome", FieldKind.KEYWORD),
    Field("exemption", FieldKind.KEYWORD),
    Field("category", FieldKind.KEYWORD),
    Field("published", FieldKind.DATE),
    #: The year published (in London), a value of its own so that several years filter as "any of these".
    Field("year", FieldKind.KEYWORD),
))

#: The TEXT fields a search looks in.
TEXT_FIELDS = ("title", "summary", "request", "documents")
#: A response's documents are indexed up to this many characters (about 300,000 words): past it, the
#: rest of a huge spreadsheet adds little to finding the response and a lot to the index.
DOCUMENT_TEXT_CAP = 2_000_000
REPLAY_WINDOW = dt.timedelta(seconds=60)
#: From this many responses a rebuild writes each segment's parts as files of their own (see
#: ``WhooshEngine.writer``): every process's reader then opens the index without copying it.
SEPARATE_FILES_FROM = 5000
#: Below this many responses the build's segments are merged into one: seconds of work that keep the tail of
#: a typical council's searches short (several segments are each searched and their hits combined).
MERGE_BELOW = 25_000
BATCH = 500


def log_engine(settings: Settings) -> SearchEngine:
    """This process's engine for the log (opened once, refreshed as the worker commits), keeping the disk
    reserve when it writes."""
    return open_engine(settings.search_dir, LOG_SCHEMA, reserve=settings.disk_reserve_bytes)


def _document_text(session: Session, publication: Publication) -> str:
    texts = session.scalars(
        select(PublicationPage.text).join(PublicationDocument, PublicationDocument.id == PublicationPage.document_id)
        .where(PublicationDocument.publication_id == publication.id)
        .order_by(PublicationDocument.position, PublicationDocument.id, PublicationPage.number))
    out: list[str] = []
    size = 0
    for text in texts:
        if size >= DOCUMENT_TEXT_CAP:
            break
        out.append(text[:DOCUMENT_TEXT_CAP - size])
        size += len(out[-1])
    return "\n".join(out)


def index_document(session: Session, publication: Publication) -> IndexDocument:
    """The index record of a published response."""
    published = publication.first_published_at or publication.updated_at or utcnow()
    return IndexDocument(id=str(publication.id), fields={
        "title": publication.title,
        "summary": publication.summary,
        "request": publication.request_text,
        "documents": _document_text(session, publication),
        "spelling": f"{publication.title}\n{publication.summary}",
        "reference": publication.reference,
        "type": publication.case_type_key,
        "outcome": publication.outcome or "none",
        "exemption": tuple(str(e["key"]) for e in publication.exemptions or ()),
        "category": str(publication.category_id) if publication.category_id else "none",
        "published": published,
        "year": str(london_date(published).year),
    })


def _apply(session: Session, writer: IndexWriter, publication_ids: set[int]) -> None:
    found = {p.id: p for p in session.scalars(select(Publication).where(Publication.id.in_(publication_ids)))}
    for publication_id in sorted(publication_ids):
        publication = found.get(publication_id)
        if publication is not None and publication.status == PUBLISHED:
            writer.upsert(index_document(session, publication))
        else:
            writer.delete(str(publication_id))


#: Per engine, the sequence numbers of the replay window this process has already applied, so only a
#: number that committed late (a gap filled since) is applied again.
_seen: dict[int, set[int]] = {}


def catch_up(session: Session, engine: SearchEngine, now: dt.datetime | None = None) -> int:
    """Apply every change since the index's checkpoint, and any late commit of the last window; the number
    applied."""
    checkpoint = engine.checkpoint()
    since = (now or utcnow()) - REPLAY_WINDOW
    seen = _seen.setdefault(id(engine), set())
    window = session.execute(select(Change.seq, Change.publication_id)
                             .where(Change.seq <= checkpoint, Change.at >= since)).all()
    seen.intersection_update(row.seq for row in window)
    late = {row.publication_id for row in window if row.seq not in seen}
    seen.update(row.seq for row in window)
    applied = 0
    while True:
        rows = session.execute(select(Change.seq, Change.publication_id).where(Change.seq > checkpoint)
                               .order_by(Change.seq).limit(BATCH)).all()
        if not rows and not late:
            return applied
        with engine.writer() as writer:
            _apply(session, writer, late | {row.publication_id for row in rows})
            if rows:
                checkpoint = rows[-1].seq
                writer.set_checkpoint(checkpoint)
        seen.update(row.seq for row in rows)
        applied += len(rows) + len(late)
        late = set()
        if len(rows) < BATCH:
            return applied


def _published_ids(session: Session) -> Iterator[list[int]]:
    last = 0
    while True:
        ids = list(session.scalars(select(Publication.id).where(Publication.status == PUBLISHED, Publication.id > last)
                                   .order_by(Publication.id).limit(BATCH)))
        if not ids:
            return
        yield ids
        last = ids[-1]


def published_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Publication).where(Publication.status == PUBLISHED)) or 0


def rebuild(session: Session, root: Path, progress: Callable[[int], None] | None = None,
            procs: int | None = None, reserve: int = 0) -> SearchEngine:
    """Build a new index from the database beside the current one, then swap it in.

    Readers keep the old index until the swap, so search never stops. The new index starts at the
    sequence's end as it was before reading, then catches up, so a change made during the build is not lost.
    The words are analysed in ``procs`` processes (one per core by default), each writing its own segment.
    The segments are merged into one afterwards only below ``MERGE_BELOW`` responses, where it takes
    seconds and keeps the slowest searches short; at 50,000 that rewrite, in one process, took longer than
    the build itself, and a later small commit never merges them (whoosh's policy merges small segments
    only). Call it in a read-only session on SQLite: a write transaction would keep every
    other writer waiting for the whole build.

    The build keeps ``reserve`` free on the disk (``IndexFull`` when it cannot, see ``WhooshEngine.writer``);
    a build that fails, for that or anything else, removes its generation: the current one stays in use.
    """
    start = session.scalar(select(func.max(Change.seq))) or 0
    engine = new_generation(root, LOG_SCHEMA, reserve=reserve)
    try:
        procs = procs or max(1, min(4, os.cpu_count() or 1))
        count = published_count(session)
        large = count >= SEPARATE_FILES_FROM
        with engine.writer(procs=procs, limitmb=256, multisegment=procs > 1, compound=not large) as writer:
            for ids in _published_ids(session):
                publications = session.scalars(select(Publication).where(Publication.id.in_(ids))
                                               .options(selectinload(Publication.documents))).all()
                for publication in publications:
                    writer.upsert(index_document(session, publication))
                session.expunge_all()
                if progress is not None:
                    progress(len(ids))
            writer.set_checkpoint(start)
        if 0 < count < MERGE_BELOW:
            engine.optimize()
        catch_up(session, engine)
    except BaseException:
        discard(root, LOG_SCHEMA, engine)
        raise
    swap_in(root, LOG_SCHEMA, engine)
    return engine


def keep_current(session: Session, settings: Settings) -> int:
    """Bring this host's index up to date: catch up, or first rebuild it when it was made for other fields
    or cannot be read (deleted, damaged files: ``SearchEngine.damage``).

    A release that changes ``LOG_SCHEMA`` leaves each host an index its documents no longer fit, so the
    worker rebuilds it from the database (searches keep the old one until the swap). One process of the
    host builds; the others leave the index alone meanwhile and follow the swap. The session should be
    read-only (see :func:`rebuild`). The number of changes applied, or of responses indexed by a rebuild.
    Raises ``IndexFull`` when the disk is at the reserve (the index is left as it was).
    """
    engine = log_engine(settings)
    engine.refresh()  # notices a generation deleted or swapped since (a cheap look at the link)
    if engine.matches_schema():
        return catch_up(session, engine)
    with rebuilding(settings.search_dir, LOG_SCHEMA) as mine:
        if not mine:
            return 0
        engine.refresh()
        if engine.matches_schema():  # another process rebuilt it just before
            return catch_up(session, engine)
        damage = engine.damage()
        if damage is not None:
            log.warning("The disclosure log index in %s cannot be read (%s): rebuilding it", settings.search_dir,
                        damage)
        else:
            log.warning("The disclosure log index in %s was made for other fields: rebuilding it",
                        settings.search_dir)
        return rebuild(session, settings.search_dir, reserve=settings.disk_reserve_bytes).document_count()
