"""The suite's search engine, behind an interface of its own so the engine can change without touching the apps.

A capability defines its documents (an id and named fields, :class:`SearchSchema`), gives the engine
:class:`IndexDocument` values to keep and :class:`SearchQuery` values to answer, and reads :class:`Results`
back. Nothing here knows what a document means: the Disclosure Log's definition lives in the core
(``backoffice.disclosures.indexing``). Whoosh is the engine today (``shared.search.whoosh_engine``); a
PostgreSQL full-text engine for large deployments would implement the same :class:`SearchEngine`.

Snippets come back as segments of plain text with a flag for the matched words, never as markup, so a
template escapes every character and a ``<script>`` inside a document stays inert.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

FieldValue = str | int | dt.date | dt.datetime | tuple[str, ...] | None


class FieldKind(enum.Enum):
    #: Analysed words (English stemming), searchable, can be highlighted when stored.
    TEXT = "text"
    #: Unstemmed words kept only for "did you mean" (never searched for results).
    SPELLING = "spelling"
    #: Exact values (one or several): filters and facet counts.
    KEYWORD = "keyword"
    #: A date (or datetime): range filters, sort, facets by year.
    DATE = "date"
    #: An integer: sort and range filters.
    NUMBER = "number"
    #: Kept with the document and returned with its hit, never searched.
    STORED = "stored"


@dataclass(frozen=True)
class Field:
    name: str
    kind: FieldKind
    #: Returned with each hit (a TEXT field must be stored to be highlighted).
    stored: bool = False
    #: Relative weight of a TEXT field's matches (a title counts more than a page of text).
    boost: float = 1.0


@dataclass(frozen=True)
class SearchSchema:
    """The fields of one index's documents; the id field is implicit and called ``id``."""

    name: str
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


@dataclass(frozen=True)
class IndexDocument:
    id: str
    fields: Mapping[str, FieldValue]


class Match(enum.Enum):
    #: Every word must match (the default: fast, and what people expect of a search box).
    ALL = "all"
    #: Any word may match (suggestions from free text).
    ANY = "any"


@dataclass(frozen=True)
class DateRange:
    field: str
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass(frozen=True)
class SearchQuery:
    """What to find. ``text`` is what a person typed: the engine parses it safely (quotes make phrases;
    operators, wildcards and field syntax are taken as words), so no input can raise."""

    text: str = ""
    match: Match = Match.ALL
    #: The TEXT fields to look in (every one when empty): a suggestion reads titles, not whole documents.
    fields: tuple[str, ...] = ()
    #: Keep only this many of the words: those the fewest documents have in the fields looked in (a word no
    #: document has is left out). For free text such as a draft request, whose rare words say what it is
    #: about while its common ones match half the index, each one more list of matches to score.
    rarest: int | None = None
    #: False: ``total`` is only the hits found, not every match, for a caller that shows no count (a
    #: suggestion): counting is a second pass over every match, longer than finding the best few.
    count_all: bool = True
    #: Exact-value filters: values of one field are OR-ed, fields are AND-ed (``{"outcome": ("granted",)}``).
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ranges: tuple[DateRange, ...] = ()
    #: Only documents with these ids (to look inside a page's worth of hits).
    ids: tuple[str, ...] | None = None
    #: None sorts by relevance (newest first when there is no text); else a DATE or NUMBER field, newest first.
    sort_by: str | None = None
    page: int = 1
    per_page: int = 10
    #: KEYWORD (or DATE, counted by year) fields whose counts come back, over every match, ignoring paging.
    facets: tuple[str, ...] = ()
    #: Stored TEXT fields to cut snippets from, for the hits of this page.
    highlight: tuple[str, ...] = ()
    max_snippets: int = 3


@dataclass(frozen=True)
class Segment:
    text: str
    matched: bool


#: One snippet: plain-text segments, cut at word boundaries; a template marks up the matched ones.
Snippet = tuple[Segment, ...]


@dataclass(frozen=True)
class Hit:
    id: str
    score: float
    stored: Mapping[str, FieldValue]
    #: Up to ``max_snippets`` per highlighted field, near-duplicates dropped.
    snippets: Mapping[str, tuple[Snippet, ...]]


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int


@dataclass(frozen=True)
class Results:
    total: int
    page: int
    per_page: int
    hits: tuple[Hit, ...]
    facets: Mapping[str, tuple[FacetCount, ...]]


class IndexWriter(Protocol):
    """One batch of changes, applied together when the context ends without error."""

    def upsert(self, document: IndexDocument) -> None: ...

    def delete(self, id: str) -> None: ...

    def set_checkpoint(self, value: int) -> None:
        """Remember, with this batch, how far through an outside change sequence the index is."""
        ...


class SearchEngine(Protocol):
    """One index. Web processes only read (``search``, ``suggest``...); one writer per index directory."""

    schema: SearchSchema

    def search(self, query: SearchQuery) -> Results: ...

    def correct(self, text: str, field: str) -> str | None:
        """The text with misspelt words replaced from a SPELLING field's words, or None when nothing changes."""
        ...

    def excerpts(self, text: str, query_text: str, field: str, max_snippets: int = 3) -> tuple[Snippet, ...]:
        """Snippets cut from a text the caller holds (a page the index does not store), analysed as ``field``
        is; empty when no word of the query is in it."""
        ...

    def writer(self) -> AbstractContextManager[IndexWriter]: ...

    def checkpoint(self) -> int:
        """How far through the outside change sequence the index is (0 for a new index)."""
        ...

    def refresh(self) -> None:
        """See what another process committed since this one last looked (cheap when nothing changed)."""
        ...

    def document_count(self) -> int: ...

    def matches_schema(self) -> bool:
        """Whether the index was made for this schema's fields (else it wants a rebuild)."""
        ...

    def damage(self) -> str | None:
        """Why the index cannot be read (it wants a rebuild), or None when it can."""
        ...


class IndexUnavailable(Exception):
    """The index cannot be read (its directory gone, its files damaged): search says it is being rebuilt,
    and the worker, seeing :meth:`SearchEngine.damage`, rebuilds it from the database."""


class IndexFull(Exception):
    """No room to write the index and still leave ``DISK_RESERVE_MB`` free (or the disk really is full):
    the batch is cancelled, the index stays as it was and searches go on against it; the writer tries
    again later (the index is derived data, so nothing is lost by waiting)."""


class Progress(Protocol):
    def __call__(self, done: int) -> None: ...


__all__ = [
    "DateRange", "FacetCount", "Field", "FieldKind", "FieldValue", "Hit", "IndexDocument", "IndexFull", "IndexUnavailable",
    "IndexWriter", "Match", "Progress", "Results", "SearchEngine", "SearchQuery", "SearchSchema", "Segment", "Snippet",
]
