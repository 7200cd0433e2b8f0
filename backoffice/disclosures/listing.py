"""The log as lists: the newest responses, the categories with their counts, the feeds' entries, the open
data CSV of the whole log and the sitemap.

Only what is public now is listed: published responses. A withdrawn one leaves every list at once and is
named only where a reader must be told it went (the feeds' RFC 6721 deleted entries). The CSV reads the
log in batches (``yield_per``) and yields rows as they come, so its memory stays flat however long the log.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.automation.timing import london_date
from backoffice.disclosures.models import PUBLISHED, WITHDRAWN, DisclosureCategory, Publication, PublicationDocument
from backoffice.disclosures.paths import response_url
from backoffice.disclosures.responses import cited

NEWEST = 10
FEED_ENTRIES = 50
#: Rows read from the database at a time for the CSV: enough to amortise the round trips, small in memory.
BATCH = 500
CSV_COLUMNS = ("reference", "title", "type", "received", "responded", "published", "outcome", "exemptions",
               "category", "documents", "URL")


@dataclass(frozen=True)
class LogEntry:
    """A published response as a list shows it."""

    reference: str
    title: str
    summary: str
    case_type_name: str
    outcome_label: str
    category: str
    published_on: dt.date
    first_published_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class CategoryCount:
    id: int
    name: str
    count: int


@dataclass(frozen=True)
class DeletedEntry:
    """A withdrawn response, as the feeds announce it (RFC 6721 ``at:deleted-entry``)."""

    reference: str
    withdrawn_at: dt.datetime


@dataclass(frozen=True)
class FeedEntries:
    entries: tuple[LogEntry, ...]
    deleted: tuple[DeletedEntry, ...]

    @property
    def updated(self) -> dt.datetime | None:
        """The feed's ``updated``: its latest change, publication or withdrawal."""
        times = [e.updated_at for e in self.entries] + [d.withdrawn_at for d in self.deleted]
        return max(times) if times else None


@dataclass(frozen=True)
class SitemapEntry:
    reference: str
    updated_at: dt.datetime


def _entries(session: Session, order: object, limit: int) -> tuple[LogEntry, ...]:
    rows = session.execute(
        select(Publication, DisclosureCategory.name)
        .outerjoin(DisclosureCategory, DisclosureCategory.id == Publication.category_id)
        .where(Publication.status == PUBLISHED).order_by(order, Publication.id.desc()).limit(limit))  # type: ignore[arg-type]
    found = []
    for publication, category in rows:
        first = publication.first_published_at or publication.created_at
        found.append(LogEntry(
            reference=publication.reference, title=publication.title, summary=publication.summary,
            case_type_name=publication.case_type_name, outcome_label=publication.outcome_label,
            category=category or "", published_on=london_date(first), first_published_at=first,
            updated_at=publication.updated_at or first))
    return tuple(found)


def newest_responses(session: Session, limit: int = NEWEST) -> tuple[LogEntry, ...]:
    """The responses published most recently, newest first."""
    return _entries(session, Publication.first_published_at.desc(), limit)


def log_categories(session: Session) -> tuple[CategoryCount, ...]:
    """The active categories in the administrators' order, each with how many published responses it holds."""
    rows = session.execute(
        select(Publication.category_id, func.count()).where(Publication.status == PUBLISHED,
                                                            Publication.category_id.is_not(None))
        .group_by(Publication.category_id)).all()
    counts: dict[int | None, int] = dict(rows)
    categories = session.scalars(select(DisclosureCategory).where(DisclosureCategory.active)
                                 .order_by(DisclosureCategory.position, DisclosureCategory.name))
    return tuple(CategoryCount(c.id, c.name, int(counts.get(c.id, 0))) for c in categories)


def feed_entries(session: Session, limit: int = FEED_ENTRIES) -> FeedEntries:
    """The latest ``limit`` changes: published responses by last change, newest first, and those withdrawn."""
    deleted = session.execute(
        select(Publication.reference, Publication.withdrawn_at, Publication.updated_at)
        .where(Publication.status == WITHDRAWN).order_by(Publication.withdrawn_at.desc()).limit(limit))
    return FeedEntries(entries=_entries(session, Publication.updated_at.desc(), limit),
                       deleted=tuple(DeletedEntry(r, when) for r, w, u in deleted if (when := w or u) is not None))


def sitemap_entries(session: Session) -> Iterator[SitemapEntry]:
    """Every published response and when it last changed (a sitemap holds up to 50,000 addresses)."""
    rows = session.execute(select(Publication.reference, Publication.updated_at, Publication.first_published_at,
                                  Publication.created_at)
                           .where(Publication.status == PUBLISHED).order_by(Publication.id)
                           .limit(50_000).execution_options(yield_per=BATCH))
    for reference, updated, first, created in rows:
        yield SitemapEntry(reference, updated or first or created)


def _safe(cell: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe (CSV injection)."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def log_csv_rows(session: Session, url_of: Callable[[str], str]) -> Iterator[list[str]]:
    """The header, then one row per published response in reference order; ``url_of(reference)`` is its page."""
    yield list(CSV_COLUMNS)
    documents = (select(func.aggregate_strings(PublicationDocument.name, "; "))
                 .where(PublicationDocument.publication_id == Publication.id).scalar_subquery())
    rows = session.execute(
        select(Publication.reference, Publication.title, Publication.case_type_name, Publication.received_on,
               Publication.responded_on, Publication.first_published_at, Publication.outcome_label,
               Publication.exemptions, DisclosureCategory.name, documents)
        .outerjoin(DisclosureCategory, DisclosureCategory.id == Publication.category_id)
        .where(Publication.status == PUBLISHED).order_by(Publication.reference, Publication.id)
        .execution_options(yield_per=BATCH))
    for row in rows:
        exemptions = "; ".join(e.label for e in cited(row.exemptions))
        published = london_date(row.first_published_at).isoformat() if row.first_published_at else ""
        yield [_safe(str(value or "")) for value in (
            row.reference, row.title, row.case_type_name, _day(row.received_on), _day(row.responded_on), published,
            row.outcome_label, exemptions, row.name, row[9], url_of(row.reference))]


def csv_lines(rows: Iterator[list[str]]) -> Iterator[str]:
    """Each row as one CSV line (RFC 4180 quoting), for a streamed response."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(row)
        yield out.getvalue()
        out.seek(0)
        out.truncate()


__all__ = ["CSV_COLUMNS", "CategoryCount", "DeletedEntry", "FeedEntries", "LogEntry", "SitemapEntry", "csv_lines",
           "feed_entries", "log_categories", "log_csv_rows", "newest_responses", "response_url", "sitemap_entries"]
