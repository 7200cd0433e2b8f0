"""The tables of the Disclosure Log: categories, publications, their documents and pages, the personal-data
check's findings, the change sequence every host's search index follows, and what deflection counted.

A publication copies the case's public facts (reference, type, outcome, exemptions, dates) when it is
published or amended, so the log says what was true when it was published and a later edit of the case does
not silently rewrite a public page. Documents' extracted text is kept per page in the database: the search
index is derived data, rebuilt from these rows without reading the files again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared.db import Base, utcnow

# Publication.status values (the domain's ``PublicationStatus`` enum uses these strings).
DRAFT = "draft"
AWAITING_APPROVAL = "awaiting approval"
PUBLISHED = "published"
WITHDRAWN = "withdrawn"


class DisclosureCategory(Base):
    """A subject the log is browsed by ("Housing", "Roads and transport"): a list administrators keep."""

    __tablename__ = "disclosure_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)


class Publication(Base):
    """One case's entry in the log (a case is published at most once; amending keeps the same entry)."""

    __tablename__ = "publications"
    __table_args__ = (Index("ix_publications_status_published", "status", "first_published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(30), default=DRAFT)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    request_text: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("disclosure_categories.id", ondelete="SET NULL"))
    # The case's public facts, copied when published or amended.
    reference: Mapped[str] = mapped_column(String(40))
    case_type_key: Mapped[str] = mapped_column(String(40))
    case_type_name: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(60), default="")
    outcome_label: Mapped[str] = mapped_column(String(200), default="")
    #: The exemptions or exceptions cited, as ``[{"key": "s40", "label": "s.40 Personal information"}]``.
    exemptions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    received_on: Mapped[dt.date | None]
    responded_on: Mapped[dt.date | None]
    # Who and when.
    prepared_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    approved_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[dt.datetime | None]
    #: When it first went public: the log's "published" date and the feeds' ``published``.
    first_published_at: Mapped[dt.datetime | None]
    #: The last public change (publish, amend, republish, withdraw): the feeds' ``updated``.
    updated_at: Mapped[dt.datetime | None]
    withdrawn_at: Mapped[dt.datetime | None]
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="")
    #: Counts public changes, so a form posted against an older version is refused rather than lost.
    version: Mapped[int] = mapped_column(default=1)

    documents: Mapped[list[PublicationDocument]] = relationship(
        order_by="PublicationDocument.position", cascade="all, delete-orphan", back_populates="publication")


class PublicationDocument(Base):
    """A document in the log: its own stored copy (redacted upload or a clean attachment of the case)."""

    __tablename__ = "publication_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id", ondelete="CASCADE"), index=True)
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("case_attachments.id", ondelete="SET NULL"))
    file_id: Mapped[str] = mapped_column(ForeignKey("stored_files.id"))
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(150))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    position: Mapped[int] = mapped_column(default=0)
    #: "read" (text kept per page), "unreadable" (published without text; staff are told why), "pending".
    text_status: Mapped[str] = mapped_column(String(20), default="pending")
    text_problem: Mapped[str] = mapped_column(Text, default="")
    page_count: Mapped[int] = mapped_column(default=0)

    publication: Mapped[Publication] = relationship(back_populates="documents")


class PublicationPage(Base):
    """The text of one page of a document (a whole DOCX or CSV is one page), for search and its page links."""

    __tablename__ = "publication_pages"
    __table_args__ = (Index("ix_publication_pages_document", "document_id", "number", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("publication_documents.id", ondelete="CASCADE"))
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text, default="")


class PublicationFinding(Base):
    """One hit of the personal-data check, which must be fixed (the text changed) or acknowledged with a reason."""

    __tablename__ = "publication_findings"
    __table_args__ = (Index("ix_publication_findings_publication", "publication_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id", ondelete="CASCADE"))
    #: Where: "title", "summary", "request", or a document and page ("document:12:page:3").
    place: Mapped[str] = mapped_column(String(100))
    #: What: "requester name", "email address", "phone number", "national insurance number", "postcode",
    #: "nhs number", "hidden text under a redaction box".
    kind: Mapped[str] = mapped_column(String(60))
    found: Mapped[str] = mapped_column(String(300))
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")
    found_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: None while open; "acknowledged" with ``reason``. A fixed hit is one the next check no longer finds.
    resolution: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    resolved_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    resolved_at: Mapped[dt.datetime | None]


class PublicationChange(Base):
    """The change sequence: one row per public change of a publication, in commit order of ``seq``.

    Each host's index remembers the last ``seq`` it applied and catches up from there, reading the
    publication's state now (published: index it; anything else: delete it), so replaying is harmless and
    every host converges.
    """

    __tablename__ = "publication_changes"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True)
    publication_id: Mapped[int] = mapped_column(index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DeflectionEvent(Base):
    """Capture's published-answer suggestions, counted for reporting: shown, followed, and (with the draft)
    whether the request was then sent."""

    __tablename__ = "deflection_events"
    __table_args__ = (Index("ix_deflection_events_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "shown" or "followed".
    kind: Mapped[str] = mapped_column(String(20))
    case_type_key: Mapped[str] = mapped_column(String(40), default="")
    publication_id: Mapped[int | None]
    #: A digest of Capture's draft key, so "followed, then not sent" can be counted without keeping the draft.
    draft_digest: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
