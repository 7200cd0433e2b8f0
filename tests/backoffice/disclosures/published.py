"""Published responses made directly as rows, for the search tests: what publishing leaves behind, without
its checks (which tests/backoffice/disclosures/test_publishing.py holds)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from backoffice.disclosures.changes import record_change
from backoffice.disclosures.models import PUBLISHED, WITHDRAWN, Publication, PublicationDocument, PublicationPage
from shared.db import utcnow
from tests.factories import Office


def published(office: Office, title: str, *, summary: str = "", request: str = "", pages: tuple[str, ...] = (),
              document: str = "Appendix B.pdf", case_type: str = "foi", outcome: str = "granted_in_full",
              outcome_label: str = "Granted in full", exemptions: tuple[str, ...] = (),
              category_id: int | None = None, when: dt.datetime | None = None) -> Publication:
    """A published response of a new case, with one document of these pages, and its change recorded."""
    db = office.db
    case = office.new_case(case_type)
    when = when or utcnow()
    publication = Publication(
        case_id=case.id, status=PUBLISHED, title=title, summary=summary or f"Our answer about {title.lower()}.",
        request_text=request or f"Please tell me about {title.lower()}.", category_id=category_id,
        reference=case.reference, case_type_key=case_type, case_type_name=case.case_type.name, outcome=outcome,
        outcome_label=outcome_label, exemptions=[{"key": e, "label": f"Section {e[1:]}"} for e in exemptions],
        received_on=case.received_on, responded_on=when.date(), first_published_at=when, updated_at=when)
    db.add(publication)
    db.flush()
    if pages:
        doc = PublicationDocument(publication_id=publication.id, file_id=_stored_file(db), name=document,
                                  content_type="application/pdf", size=1000, text_status="read",
                                  page_count=len(pages))
        db.add(doc)
        db.flush()
        db.add_all(PublicationPage(document_id=doc.id, number=n, text=text) for n, text in enumerate(pages, 1))
    record_change(db, publication.id)
    db.flush()
    return publication


def withdraw(db: Session, publication: Publication, reason: str = "It named a person.") -> None:
    publication.status = WITHDRAWN
    publication.withdrawn_at = publication.updated_at = utcnow()
    publication.withdrawn_reason = reason
    record_change(db, publication.id)
    db.flush()


def _stored_file(db: Session) -> str:
    from shared.files import StoredFile

    stored = StoredFile(original_name="appendix.pdf", content_type="application/pdf", size=1000, sha256="0" * 64,
                        status="clean", uploaded_by="test")
    db.add(stored)
    db.flush()
    return stored.id
