"""Searching the Disclosure Log: what a person asked for (``LogQuery``, from a page's GET parameters), and
what they see (``LogResults``: hits with snippets and the page a word was found on, facet counts, "did you
mean").

The engine finds and counts; this module turns its ids back into the publications the database holds (so a
withdrawn response never shows, even for the moment before the index hears of it), labels the facets in
words, and finds which page of which document a hit is on by reading only the ten hits' page texts.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.automation.timing import london_date
from backoffice.cases.exemptions import EXEMPTIONS
from backoffice.cases.models import CaseType
from backoffice.disclosures.models import (
    PUBLISHED,
    DisclosureCategory,
    Publication,
    PublicationDocument,
    PublicationPage,
)
from shared.search import DateRange, FacetCount, Match, SearchEngine, SearchQuery, Snippet
from shared.settings import Settings

PER_PAGE = 10
#: Past this page a search is a crawl, not a person (and the engine would rank everything before it).
MAX_PAGE = 500
MAX_SNIPPETS = 3
#: "Did you mean" only when a search finds fewer than this.
FEW_RESULTS = 5
SORTS = ("relevance", "newest")
#: The facets, in the order the page shows them: URL parameter, label, index field.
FACETS = (("type", "Request type", "type"), ("outcome", "Outcome", "outcome"),
          ("exemption", "Exemption or exception cited", "exemption"), ("category", "Category", "category"),
          ("year", "Year published", "year"))
MAX_TEXT = 500
MAX_VALUES = 20


def _clean(text: str, limit: int = MAX_TEXT) -> str:
    """Control characters out, whitespace folded, length held: what reaches the engine and the page."""
    return " ".join("".join(c if c.isprintable() else " " for c in text[: limit * 4]).split())[:limit]


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class LogQuery:
    text: str = ""
    types: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    exemptions: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    years: tuple[str, ...] = ()
    published_from: dt.date | None = None
    published_to: dt.date | None = None
    sort: str = "relevance"
    page: int = 1

    @classmethod
    def from_params(cls, params: Mapping[str, Sequence[str]]) -> tuple[LogQuery, dict[str, str]]:
        """The query a page's parameters ask for, and a message per parameter that could not be used.

        Never raises: an unknown sort is relevance, a page out of range is the nearest, a bad date is dropped
        with its message, and a filter value nothing has is simply a filter that finds nothing.
        """
        errors: dict[str, str] = {}

        def values(key: str) -> tuple[str, ...]:
            return tuple(dict.fromkeys(v for v in (_clean(x, 100) for x in params.get(key, ())[:MAX_VALUES]) if v))

        def one(key: str) -> str:
            found = params.get(key, ())
            return _clean(found[0]) if found else ""

        dates: dict[str, dt.date | None] = {}
        for key, words in (("from", "The start date"), ("to", "The end date")):
            try:
                dates[key] = _date(one(key))
            except ValueError:
                dates[key] = None
                errors[key] = f"{words} must be a real date, like 2026-03-27"
        if dates["from"] and dates["to"] and dates["from"] > dates["to"]:
            errors["to"] = "The end date must be the same as or after the start date"
            dates["to"] = None
        try:
            page = min(MAX_PAGE, max(1, int(one("page") or 1)))
        except ValueError:
            page = 1
        sort = one("sort")
        return cls(text=one("q"), types=values("type"), outcomes=values("outcome"), exemptions=values("exemption"),
                   categories=values("category"), years=tuple(y for y in values("year") if y.isdigit()),
                   published_from=dates["from"], published_to=dates["to"],
                   sort=sort if sort in SORTS else "relevance", page=page), errors

    def to_params(self, **changes: object) -> list[tuple[str, str]]:
        """The parameters of this query (with ``changes``), for links that keep the filters."""
        query = replace(self, **changes)  # type: ignore[arg-type]
        params: list[tuple[str, str]] = []
        if query.text:
            params.append(("q", query.text))
        for key, found in (("type", query.types), ("outcome", query.outcomes), ("exemption", query.exemptions),
                           ("category", query.categories), ("year", query.years)):
            params.extend((key, value) for value in found)
        if query.published_from:
            params.append(("from", query.published_from.isoformat()))
        if query.published_to:
            params.append(("to", query.published_to.isoformat()))
        if query.sort != "relevance":
            params.append(("sort", query.sort))
        if query.page != 1:
            params.append(("page", str(query.page)))
        return params

    def selected(self, key: str) -> tuple[str, ...]:
        return {"type": self.types, "outcome": self.outcomes, "exemption": self.exemptions,
                "category": self.categories, "year": self.years}[key]

    @property
    def filtered(self) -> bool:
        return bool(self.types or self.outcomes or self.exemptions or self.categories or self.years
                    or self.published_from or self.published_to)


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Facet:
    key: str
    label: str
    values: tuple[FacetValue, ...]


@dataclass(frozen=True)
class FoundIn:
    document_id: int
    name: str
    page: int


@dataclass(frozen=True)
class LogHit:
    reference: str
    title: str
    case_type_name: str
    outcome_label: str
    received_on: dt.date | None
    responded_on: dt.date | None
    published_on: dt.date
    snippets: tuple[Snippet, ...]
    found_in: FoundIn | None


@dataclass(frozen=True)
class LogResults:
    query: LogQuery
    total: int
    page: int
    per_page: int
    page_count: int
    hits: tuple[LogHit, ...]
    facets: tuple[Facet, ...]
    did_you_mean: str | None


def _engine_query(query: LogQuery, *, text: str | None = None, page: int | None = None, per_page: int = PER_PAGE,
                  facets: bool = True) -> SearchQuery:
    filters = {field: query.selected(key) for key, _, field in FACETS if query.selected(key)}
    ranges: list[DateRange] = []
    if query.published_from or query.published_to:
        ranges.append(DateRange("published", query.published_from, query.published_to))
    text = query.text if text is None else text
    return SearchQuery(
        text=text, match=Match.ALL, filters=filters, ranges=tuple(ranges),
        sort_by="published" if query.sort == "newest" or not text else None,
        page=query.page if page is None else page, per_page=per_page,
        facets=tuple(field for _, _, field in FACETS) if facets else (),
        highlight=("title", "summary") if text else (), max_snippets=MAX_SNIPPETS)


def _labels(session: Session) -> dict[str, dict[str, str]]:
    """Facet values in words, from the configuration (a handful of rows), never from the log's own rows."""
    labels: dict[str, dict[str, str]] = {"type": {}, "outcome": {"none": "No outcome recorded"}, "exemption": {},
                                         "category": {"none": "No category"}, "year": {}}
    for case_type in session.scalars(select(CaseType)):
        labels["type"][case_type.key] = case_type.name
        for outcome in case_type.closure_outcomes or ():
            labels["outcome"].setdefault(str(outcome.get("key")), str(outcome.get("label")))
    for law in EXEMPTIONS.values():
        for key, label in law.items():
            labels["exemption"].setdefault(key, label)
    for category in session.scalars(select(DisclosureCategory)):
        labels["category"][str(category.id)] = category.name
    return labels


def _facets(session: Session, query: LogQuery, counts: Mapping[str, Sequence[FacetCount]]) -> tuple[Facet, ...]:
    labels = _labels(session)
    unknown = [c.value for c in counts.get("outcome", ()) if c.value not in labels["outcome"]]
    if unknown:  # an outcome the configuration no longer has: the words it was published with
        rows = session.execute(select(Publication.outcome, Publication.outcome_label)
                               .where(Publication.outcome.in_(unknown)).distinct())
        labels["outcome"].update((row.outcome, row.outcome_label) for row in rows)
    facets = []
    for key, label, field in FACETS:
        selected = set(query.selected(key))
        values = [FacetValue(c.value, labels[key].get(c.value) or c.value, c.count, c.value in selected)
                  for c in counts.get(field, ())]
        if key == "year":
            values.sort(key=lambda v: v.value, reverse=True)
        shown = {v.value for v in values}
        # A chosen value nothing matches still shows (with 0), so it can be unticked.
        values.extend(FacetValue(v, labels[key].get(v) or v, 0, True) for v in query.selected(key) if v not in shown)
        facets.append(Facet(key, label, tuple(values)))
    return tuple(facets)


def _word_starts(text: str) -> re.Pattern[str] | None:
    """A cheap stand-in for a query's stems, to skip the pages where no word of it can be: an English stem
    is almost always the start of the word it came from ("repair" of "repairs", "hous" of "housing"), so a
    page without a word starting with the first four letters of a query word has no match for it."""
    words = {w.strip('"').lower() for w in text.split()}
    starts = sorted({re.escape(w[:4]) for w in words if len(w) >= 2 and w.isalnum()})
    return re.compile(r"\b(?:" + "|".join(starts) + ")", re.IGNORECASE) if starts else None


def _pages_of(session: Session, publication_ids: Sequence[int]) -> dict[int, list[tuple[int, str, int, str]]]:
    pages: dict[int, list[tuple[int, str, int, str]]] = {pid: [] for pid in publication_ids}
    rows = session.execute(
        select(PublicationDocument.publication_id, PublicationDocument.id, PublicationDocument.name,
               PublicationPage.number, PublicationPage.text)
        .join(PublicationPage, PublicationPage.document_id == PublicationDocument.id)
        .where(PublicationDocument.publication_id.in_(publication_ids))
        .order_by(PublicationDocument.position, PublicationDocument.id, PublicationPage.number))
    for row in rows:
        pages[row.publication_id].append((row.id, row.name, row.number, row.text))
    return pages


def _inside(engine: SearchEngine, text: str, publication: Publication,
            pages: list[tuple[int, str, int, str]]) -> tuple[list[Snippet], FoundIn | None]:
    """Snippets from the request and the first page a word of the query is on."""
    snippets = list(engine.excerpts(publication.request_text, text, "request", MAX_SNIPPETS))
    starts = _word_starts(text)
    for document_id, name, number, page_text in pages:
        if starts is not None and not starts.search(page_text):
            continue
        found = engine.excerpts(page_text, text, "documents", MAX_SNIPPETS)
        if found:
            return snippets + list(found), FoundIn(document_id, name, number)
    return snippets, None


def _dedupe(snippets: Iterable[Snippet]) -> tuple[Snippet, ...]:
    kept: list[Snippet] = []
    seen: set[str] = set()
    for snippet in snippets:
        key = " ".join("".join(s.text for s in snippet).lower().split())
        if key and key not in seen:
            seen.add(key)
            kept.append(snippet)
    return tuple(kept[:MAX_SNIPPETS])


def _hits(session: Session, engine: SearchEngine, query: LogQuery, ids: Sequence[str],
          highlights: Mapping[str, Mapping[str, Sequence[Snippet]]]) -> tuple[LogHit, ...]:
    wanted = [int(i) for i in ids if i.isdigit()]
    found = {p.id: p for p in session.scalars(select(Publication).where(Publication.id.in_(wanted),
                                                                        Publication.status == PUBLISHED))}
    pages = _pages_of(session, list(found)) if query.text else {}
    hits = []
    for publication_id in wanted:
        publication = found.get(publication_id)
        if publication is None:  # withdrawn since the index last heard: never shown
            continue
        snippets: list[Snippet] = []
        found_in = None
        if query.text:
            marked = highlights.get(str(publication_id), {})
            snippets.extend(marked.get("summary", ()))
            inside, found_in = _inside(engine, query.text, publication, pages.get(publication_id, []))
            # A hit inside a document shows that page's words first: they are why it was found.
            snippets = (inside[-MAX_SNIPPETS:] if found_in else []) + snippets + (inside if not found_in else [])
        published = publication.first_published_at or publication.updated_at
        hits.append(LogHit(
            reference=publication.reference, title=publication.title, case_type_name=publication.case_type_name,
            outcome_label=publication.outcome_label, received_on=publication.received_on,
            responded_on=publication.responded_on,
            published_on=london_date(published) if published else dt.date.today(),
            snippets=_dedupe(snippets), found_in=found_in))
    return tuple(hits)


def log_engine(settings: Settings) -> SearchEngine:
    """This process's engine for the log (opened on first use, then refreshed as the worker commits)."""
    from backoffice.disclosures import indexing

    return indexing.log_engine(settings)


def search_log(session: Session, engine: SearchEngine, query: LogQuery) -> LogResults:
    """One page of results with every facet's counts, and a better spelling when few were found."""
    results = engine.search(_engine_query(query))
    page_count = max(1, math.ceil(results.total / PER_PAGE))
    did_you_mean = None
    if query.text and results.total < FEW_RESULTS:
        corrected = engine.correct(query.text, "spelling")
        if corrected and corrected != query.text:
            better = engine.search(_engine_query(query, text=corrected, page=1, per_page=1, facets=False))
            if better.total > results.total:
                did_you_mean = corrected
    highlights = {hit.id: hit.snippets for hit in results.hits}
    return LogResults(query=query, total=results.total, page=query.page, per_page=PER_PAGE, page_count=page_count,
                      hits=_hits(session, engine, query, [hit.id for hit in results.hits], highlights),
                      facets=_facets(session, query, results.facets), did_you_mean=did_you_mean)


@dataclass(frozen=True)
class Suggestion:
    """A published response that may answer what a requester is writing."""

    reference: str
    title: str
    summary: str
    publication_id: int


SUGGESTIONS = 5
#: The draft's rarest words looked for: at 50,000 responses five took 450 ms at p95 on a loaded 2-core
#: machine (each more word is another list of matches to score), three 90 ms.
SUGGESTION_WORDS = 3
#: What a published answer is about: its title and summary, not its request or every word of its documents.
SUGGESTION_FIELDS = ("title", "summary")


def suggest(session: Session, engine: SearchEngine, text: str, limit: int = SUGGESTIONS) -> tuple[Suggestion, ...]:
    """Up to ``limit`` published responses for a draft request's words (any word may match; best first)."""
    words = [w for w in dict.fromkeys(w.strip(".,;:!?()\"'").lower() for w in _clean(text, 1000).split())
             if len(w) > 2]
    if not words:
        return ()
    # The draft's rarest words say most of what it is about ("allotments", not "council"), and match the
    # fewest responses to score; no count of every match is wanted.
    results = engine.search(SearchQuery(text=" ".join(words), match=Match.ANY, per_page=limit,
                                        fields=SUGGESTION_FIELDS, rarest=SUGGESTION_WORDS,
                                        count_all=False))
    wanted = [int(hit.id) for hit in results.hits if hit.id.isdigit()]
    found = {p.id: p for p in session.scalars(select(Publication).where(Publication.id.in_(wanted),
                                                                        Publication.status == PUBLISHED))}
    return tuple(Suggestion(found[i].reference, found[i].title, found[i].summary, i) for i in wanted if i in found)


__all__ = ["FACETS", "Facet", "FacetValue", "FoundIn", "LogHit", "LogQuery", "LogResults",
           "Suggestion", "log_engine", "search_log", "suggest"]
