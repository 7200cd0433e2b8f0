"""A published response as the public log shows it, and its documents for download.

The public page reads frozen records, never the ORM rows: it cannot lazy-load the case or change the
publication by accident. A response that was withdrawn is not simply missing: its address answers
410 Gone saying when and why (``ResponseWithdrawn``), so a link in an old search result or feed explains
itself. Drafts and responses awaiting approval do not exist for the public (``NotFound``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.automation.timing import london_date
from backoffice.disclosures.models import (
    PUBLISHED,
    WITHDRAWN,
    DisclosureCategory,
    Publication,
    PublicationDocument,
)
from shared.errors import DomainError, NotFound
from shared.files import StoredFile

#: The longest reference a log address may name: anything longer is not one, and is not looked up.
MAX_REFERENCE = 40


def in_words(day: dt.date) -> str:
    """``2 December 2026``, as GOV.UK writes dates."""
    return f"{day.day} {day:%B %Y}"


class ResponseWithdrawn(DomainError):
    """The response was published and then withdrawn: its page and its documents are gone (410)."""

    status = 410
    title = "This response has been withdrawn"

    def __init__(self, reference: str, withdrawn_on: dt.date, reason: str) -> None:
        said = reason.strip().rstrip(".") or "no reason was given"
        super().__init__(f"This response was withdrawn on {in_words(withdrawn_on)}: {said}")
        self.reference = reference
        self.withdrawn_on = withdrawn_on
        self.reason = reason


@dataclass(frozen=True)
class CitedExemption:
    """An exemption or exception as the response cited it: ``s40`` and "s.40 Personal information"."""

    key: str
    label: str


@dataclass(frozen=True)
class PublishedDocument:
    id: int
    name: str
    content_type: str
    size: int
    page_count: int


@dataclass(frozen=True)
class PublishedResponse:
    id: int
    reference: str
    title: str
    summary: str
    request_text: str
    case_type_key: str
    case_type_name: str
    outcome: str
    outcome_label: str
    exemptions: tuple[CitedExemption, ...]
    category_id: int | None
    category: str
    received_on: dt.date | None
    responded_on: dt.date | None
    #: The London date it first went public.
    published_on: dt.date
    first_published_at: dt.datetime
    #: The last public change (an amendment moves it).
    updated_at: dt.datetime
    documents: tuple[PublishedDocument, ...]


@dataclass(frozen=True)
class LogDocumentFile:
    """One document of a published response, for the download page to stream."""

    publication_id: int
    document_id: int
    file_id: str
    name: str
    content_type: str
    size: int
    #: A strong validator for these bytes (the stored file's sha256).
    sha256: str
    modified: dt.datetime


def cited(exemptions: object) -> tuple[CitedExemption, ...]:
    """The publication's JSON list as records; an item that is not a ``{key, label}`` is skipped."""
    found = []
    for item in exemptions if isinstance(exemptions, list) else ():
        if isinstance(item, dict) and item.get("key"):
            found.append(CitedExemption(str(item["key"]), str(item.get("label") or item["key"])))
    return tuple(found)


def _public(session: Session, reference: str) -> Publication:
    """The publication this reference names, if it is public; ``ResponseWithdrawn`` or ``NotFound`` else."""
    wanted = reference.strip().upper()
    if not wanted or len(wanted) > MAX_REFERENCE:
        raise NotFound("There is no published response with that reference")
    publication = session.scalars(
        select(Publication).where(func.upper(Publication.reference) == wanted,
                                  Publication.status.in_((PUBLISHED, WITHDRAWN)))
        .order_by(Publication.id.desc()).limit(1)).first()
    if publication is None:
        raise NotFound("There is no published response with that reference")
    if publication.status == WITHDRAWN:
        when = publication.withdrawn_at or publication.updated_at or publication.created_at
        raise ResponseWithdrawn(publication.reference, london_date(when), publication.withdrawn_reason)
    return publication


def published_response(session: Session, reference: str) -> PublishedResponse:
    """The response published under ``reference`` (any letter case), with its documents in order."""
    publication = _public(session, reference)
    category = session.get(DisclosureCategory, publication.category_id) if publication.category_id else None
    first = publication.first_published_at or publication.updated_at or publication.created_at
    updated = publication.updated_at or first
    documents = session.scalars(select(PublicationDocument).where(PublicationDocument.publication_id == publication.id)
                                .order_by(PublicationDocument.position, PublicationDocument.id))
    return PublishedResponse(
        id=publication.id, reference=publication.reference, title=publication.title, summary=publication.summary,
        request_text=publication.request_text, case_type_key=publication.case_type_key,
        case_type_name=publication.case_type_name, outcome=publication.outcome,
        outcome_label=publication.outcome_label, exemptions=cited(publication.exemptions),
        category_id=category.id if category else None, category=category.name if category else "",
        received_on=publication.received_on, responded_on=publication.responded_on,
        published_on=london_date(first), first_published_at=first, updated_at=updated,
        documents=tuple(PublishedDocument(d.id, d.name, d.content_type, d.size, d.page_count) for d in documents))


def response_document(session: Session, reference: str, document_id: int) -> LogDocumentFile:
    """A document of the response published under ``reference``: only its own (another's id is ``NotFound``);
    a withdrawn response's documents are gone with it (``ResponseWithdrawn``)."""
    publication = _public(session, reference)
    row = session.execute(
        select(PublicationDocument, StoredFile.sha256)
        .join(StoredFile, StoredFile.id == PublicationDocument.file_id)
        .where(PublicationDocument.id == document_id, PublicationDocument.publication_id == publication.id)).first()
    if row is None:
        raise NotFound("There is no such document in this response")
    document, stored_sha = row
    return LogDocumentFile(
        publication_id=publication.id, document_id=document.id, file_id=document.file_id, name=document.name,
        content_type=document.content_type, size=document.size, sha256=document.sha256 or stored_sha or document.file_id,
        modified=publication.updated_at or publication.first_published_at or publication.created_at)


__all__ = ["CitedExemption", "LogDocumentFile", "PublishedDocument", "PublishedResponse", "ResponseWithdrawn",
           "cited", "in_words", "published_response", "response_document"]
