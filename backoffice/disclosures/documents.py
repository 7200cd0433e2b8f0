"""A publication's documents: chosen from the case's clean attachments, or a redacted version uploaded for it.

Each document has its own stored file, as a share's do (``shared.files.copies``): an attachment is copied
(a hard link), so the case's record and the public copy can be deleted apart; an upload is stored for the
publication alone. Nothing goes public until ClamAV has passed it: an attachment must be clean to be
chosen, and an upload waits ("pending") until its scan passes, when :func:`read_pending` reads it.

Reading a document keeps its text per page (``PublicationPage``) for the check and the search index,
and records any text still extractable under a redaction box as a finding of the check. A document whose
text cannot be read is kept and published without text; staff are told why (``text_problem``).

While a publication is public its documents change only through ``publishing.amend`` (checked again, in
one public change); these functions refuse it. Awaiting approval, it must be returned for changes first.
"""

from __future__ import annotations

from typing import BinaryIO

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case, CaseAttachment
from backoffice.disclosures import checking
from backoffice.disclosures.models import (
    AWAITING_APPROVAL,
    PUBLISHED,
    Publication,
    PublicationDocument,
    PublicationPage,
)
from backoffice.disclosures.permission import require_publishing
from backoffice.releases.models import ShareFile
from backoffice.staff.accounts import StaffUser
from shared import audit
from shared.errors import Conflict, InvalidInput, NotFound
from shared.files import ANY_SUPPORTED, CLEAN, StoredFile, scan_status_message, staff_upload_limit, store_upload
from shared.files.copies import clean_copy
from shared.files.storage import file_path
from shared.files.text import extract_text
from shared.settings import Settings

READ, UNREADABLE, PENDING = "read", "unreadable", "pending"
MAX_DOCUMENTS = 50


class DocumentNotClean(Conflict):
    title = "A document has not passed the virus scan"


def documents_of(session: Session, publication: Publication) -> list[PublicationDocument]:
    return list(session.scalars(select(PublicationDocument).where(PublicationDocument.publication_id == publication.id)
                                .order_by(PublicationDocument.position, PublicationDocument.id)))


def pages_of(session: Session, document: PublicationDocument) -> list[PublicationPage]:
    return list(session.scalars(select(PublicationPage).where(PublicationPage.document_id == document.id)
                                .order_by(PublicationPage.number)))


def _case(session: Session, publication: Publication) -> Case:
    case = session.get(Case, publication.case_id)
    assert case is not None  # the publication's foreign key cascades
    return case


def require_changeable(publication: Publication, *, amending: bool = False) -> None:
    if publication.status == AWAITING_APPROVAL:
        raise Conflict("The publication is awaiting approval: return it for changes before changing it")
    if publication.status == PUBLISHED and not amending:
        raise Conflict("The publication is public: amend it to change its documents")


def _next_position(session: Session, publication: Publication) -> int:
    last = session.scalar(select(func.max(PublicationDocument.position))
                          .where(PublicationDocument.publication_id == publication.id))
    count = session.scalar(select(func.count(PublicationDocument.id))
                           .where(PublicationDocument.publication_id == publication.id)) or 0
    if count >= MAX_DOCUMENTS:
        raise InvalidInput("Too many documents", {"documents": f"A publication can have {MAX_DOCUMENTS} documents or fewer"})
    return (last if last is not None else -1) + 1


def _record(session: Session, actor: audit.Actor, case: Case, publication: Publication, action: str,
            summary: str, **detail: object) -> None:
    audit.record(session, actor, action, "case", case.reference, summary,
                 {"publication_id": publication.id, **detail})


def _add(session: Session, settings: Settings, publication: Publication, stored: StoredFile,
         attachment_id: int | None) -> PublicationDocument:
    document = PublicationDocument(publication_id=publication.id, attachment_id=attachment_id, file_id=stored.id,
                                   name=stored.original_name, content_type=stored.content_type, size=stored.size,
                                   sha256=stored.sha256, position=_next_position(session, publication),
                                   text_status=PENDING)
    publication.documents.append(document)
    session.flush()
    if stored.status == CLEAN:
        read(session, settings, publication, document)
    return document


def add_attachment(session: Session, settings: Settings, actor: audit.Actor, user: StaffUser, publication: Publication,
                   attachment_id: int, *, amending: bool = False) -> PublicationDocument:
    """One of the case's attachments, which ClamAV has passed, as a document of its own (a copy)."""
    case = _case(session, publication)
    require_publishing(session, user, case)
    require_changeable(publication, amending=amending)
    row = session.execute(select(CaseAttachment, StoredFile).join(StoredFile, StoredFile.id == CaseAttachment.file_id)
                          .where(CaseAttachment.id == attachment_id, CaseAttachment.case_id == case.id)).first()
    if row is None:  # another case's attachment or none: the same answer
        raise InvalidInput("Select documents attached to this case",
                           {"attachment_ids": "Select documents attached to this case"})
    _attachment, stored = row
    if stored.status != CLEAN:
        raise DocumentNotClean(f"{stored.original_name}: {scan_status_message(stored)}",
                               {"attachment_ids": f"{stored.original_name} cannot be published: "
                                                  f"{scan_status_message(stored).lower()}"})
    copy = clean_copy(session, settings, actor, stored, field="attachment_ids")
    session.flush()
    document = _add(session, settings, publication, copy, attachment_id)
    _record(session, actor, case, publication, "case.publication_document_added",
            f"Document added to the disclosure log entry: {document.name}",
            document_id=document.id, attachment_id=attachment_id)
    return document


def add_upload(session: Session, settings: Settings, actor: audit.Actor, user: StaffUser, publication: Publication, *,
               filename: str, stream: BinaryIO) -> PublicationDocument:
    """A redacted version uploaded for the publication: stored quarantined, read once ClamAV passes it.

    Errors (too large, wrong type, empty) are keyed ``file``.
    """
    case = _case(session, publication)
    require_publishing(session, user, case)
    require_changeable(publication)
    if not filename:
        raise InvalidInput("Select a file", {"file": "Select a file"})
    stored = store_upload(session, settings, actor, filename=filename, stream=stream, allowed=ANY_SUPPORTED,
                          field="file", max_bytes=staff_upload_limit(settings))
    session.flush()
    return _add_stored(session, settings, actor, case, publication, stored)


def add_stored_file(session: Session, settings: Settings, actor: audit.Actor, user: StaffUser, publication: Publication,
                    file_id: str, *, amending: bool = False) -> PublicationDocument:
    """A redacted version a page or the API has already stored (``shared.files.store_upload``) for this
    publication. The file must be nobody else's: one a case, a share or another document holds is refused
    (its id would otherwise be a way to publish what the user was never given)."""
    case = _case(session, publication)
    require_publishing(session, user, case)
    require_changeable(publication, amending=amending)
    stored = session.get(StoredFile, file_id)
    if stored is None or _held(session, file_id):
        raise InvalidInput("Upload the redacted document", {"file": "Upload the redacted document again"})
    if amending and stored.status != CLEAN:
        raise DocumentNotClean(f"{stored.original_name}: {scan_status_message(stored)}",
                               {"file": f"{stored.original_name} cannot be published yet: "
                                        f"{scan_status_message(stored).lower()}"})
    return _add_stored(session, settings, actor, case, publication, stored)


def _held(session: Session, file_id: str) -> bool:
    """Whether a case, a share or a publication's document refers to the stored file."""
    return any(session.scalar(select(model.id).where(model.file_id == file_id).limit(1)) is not None
               for model in (CaseAttachment, ShareFile, PublicationDocument))


def _add_stored(session: Session, settings: Settings, actor: audit.Actor, case: Case, publication: Publication,
                stored: StoredFile) -> PublicationDocument:
    document = _add(session, settings, publication, stored, None)
    _record(session, actor, case, publication, "case.publication_document_added",
            f"Redacted document uploaded for the disclosure log entry: {document.name}", document_id=document.id)
    return document


def remove_document(session: Session, actor: audit.Actor, user: StaffUser, publication: Publication,
                    document_id: int, *, amending: bool = False) -> None:
    """Take a document out (its findings and pages go with it). Its stored file is the document's own, so
    its row goes too; the bytes, then without a row, are removed by ``sweep_orphans`` after commit (a
    rollback keeps both)."""
    case = _case(session, publication)
    require_publishing(session, user, case)
    require_changeable(publication, amending=amending)
    document = session.scalar(select(PublicationDocument).where(PublicationDocument.id == document_id,
                                                                PublicationDocument.publication_id == publication.id))
    if document is None:
        raise NotFound("There is no such document in this publication")
    name = document.name
    checking.forget_document(session, publication, document.id)
    session.execute(delete(PublicationPage).where(PublicationPage.document_id == document.id))
    file_id = document.file_id
    publication.documents.remove(document)  # delete-orphan deletes the row
    session.flush()
    stored = session.get(StoredFile, file_id)
    if stored is not None and not _held(session, file_id):
        session.delete(stored)
        session.flush()
    _record(session, actor, case, publication, "case.publication_document_removed",
            f"Document removed from the disclosure log entry: {name}", document_id=document_id)


def read(session: Session, settings: Settings, publication: Publication, document: PublicationDocument) -> None:
    """Extract the document's text into pages and record hidden text under redaction boxes as findings.

    Reading again replaces what an earlier read kept.
    """
    result = extract_text(file_path(settings.files_dir, document.file_id), document.content_type, document.name)
    session.execute(delete(PublicationPage).where(PublicationPage.document_id == document.id))
    checking.forget_document(session, publication, document.id)
    if result.problem:  # kept and published without text; the staff page says why
        document.text_status, document.text_problem, document.page_count = UNREADABLE, result.problem, 0
    else:
        document.text_status, document.text_problem, document.page_count = READ, "", len(result.pages)
        session.add_all(PublicationPage(document_id=document.id, number=number, text=text)
                        for number, text in enumerate(result.pages, start=1))
    checking.add_hidden_findings(session, publication, document, result.hidden)
    session.flush()


def read_pending(session: Session, settings: Settings, publication: Publication) -> list[PublicationDocument]:
    """Read the uploads ClamAV has passed since they were added; returns those read."""
    done = []
    for document in documents_of(session, publication):
        if document.text_status != PENDING:
            continue
        stored = session.get(StoredFile, document.file_id)
        if stored is not None and stored.status == CLEAN:
            read(session, settings, publication, document)
            done.append(document)
    return done


def passed_scan(session: Session, publication: Publication) -> set[int]:
    """The documents whose file ClamAV has passed: an upload passed but not yet read (its text is read
    on publishing) is no longer waiting for the virus check, and the page must not say it is."""
    file_ids = {document.file_id: document.id for document in documents_of(session, publication)}
    clean = session.scalars(select(StoredFile.id).where(StoredFile.id.in_(file_ids), StoredFile.status == CLEAN))
    return {file_ids[file_id] for file_id in clean}


def require_clean(session: Session, publication: Publication) -> None:
    """Refuse to make public a publication with a document ClamAV has not passed (fail closed)."""
    for document in documents_of(session, publication):
        stored = session.get(StoredFile, document.file_id)
        if stored is None or stored.status != CLEAN or document.text_status == PENDING:
            message = scan_status_message(stored) if stored is not None else "The file is missing"
            raise DocumentNotClean(f"{document.name}: {message}",
                                   {"documents": f"{document.name} cannot be published: {message.lower()}"})
