"""A publication's documents: clean attachments copied, uploads read once ClamAV passes them, text per page,
an unreadable document kept and flagged, and no change to a public one except by amending it."""

from __future__ import annotations

import io
import os

import pytest

from backoffice.disclosures import documents
from backoffice.disclosures.documents import DocumentNotClean
from backoffice.disclosures.models import PUBLISHED
from shared.errors import Conflict, InvalidInput
from shared.files import StoredFile, file_path
from tests.backoffice.disclosures.conftest import Desk, mark_clean
from tests.pdfs import make_pdf


def test_a_clean_attachment_gets_its_own_copy_and_its_pages(desk: Desk) -> None:
    attachment = desk.attach("routes.pdf", make_pdf(["Route 1", "Route 2 leaves at 08:10"]))
    publication = desk.start()
    document = desk.add(publication, attachment)
    assert document.file_id != attachment.file_id and document.attachment_id == attachment.id
    assert os.path.samefile(file_path(desk.settings.files_dir, document.file_id),
                            file_path(desk.settings.files_dir, attachment.file_id))
    assert (document.text_status, document.page_count, document.content_type) == ("read", 2, "application/pdf")
    assert [p.number for p in documents.pages_of(desk.db, document)] == [1, 2]
    assert "08:10" in documents.pages_of(desk.db, document)[1].text


def test_only_clean_attachments_of_this_case(desk: Desk) -> None:
    publication = desk.start()
    with pytest.raises(DocumentNotClean, match="Checking for viruses"):
        desk.add(publication, desk.attach(clean=False))
    other = desk.office.new_case("foi")
    with pytest.raises(InvalidInput, match="attached to this case"):
        desk.add(publication, desk.attach(case=other))


def test_an_upload_waits_for_its_scan_and_an_unreadable_one_is_kept(desk: Desk) -> None:
    publication = desk.start()
    upload = documents.add_upload(desk.db, desk.settings, desk.actor(), desk.user, publication,
                                  filename="redacted.txt", stream=io.BytesIO(b"Route 3 is withdrawn.\n"))
    assert upload.text_status == "pending"
    with pytest.raises(DocumentNotClean):
        desk.publish(publication)
    mark_clean(desk.db, upload.file_id)
    broken = documents.add_upload(desk.db, desk.settings, desk.actor(), desk.user, publication,
                                  filename="broken.pdf", stream=io.BytesIO(b"%PDF-1.7\n%broken beyond repair\n"))
    mark_clean(desk.db, broken.file_id)
    assert desk.publish(publication).status == PUBLISHED
    assert upload.text_status == "read" and documents.pages_of(desk.db, upload)[0].text.startswith("Route 3")
    assert broken.text_status == "unreadable" and broken.text_problem


def test_a_stored_upload_must_be_nobody_elses(desk: Desk) -> None:
    publication = desk.start()
    attachment = desk.attach()
    with pytest.raises(InvalidInput):
        documents.add_stored_file(desk.db, desk.settings, desk.actor(), desk.user, publication, attachment.file_id)


def test_a_public_publications_documents_change_only_by_amending(desk: Desk) -> None:
    publication = desk.start()
    document = desk.add(publication)
    desk.publish(publication)
    with pytest.raises(Conflict, match="amend"):
        desk.add(publication)
    with pytest.raises(Conflict, match="amend"):
        documents.remove_document(desk.db, desk.actor(), desk.user, publication, document.id)


def test_a_removed_documents_own_copy_goes_and_the_attachment_stays(desk: Desk) -> None:
    attachment = desk.attach()
    publication = desk.start()
    document = desk.add(publication, attachment)
    copy_id = document.file_id
    documents.remove_document(desk.db, desk.actor(), desk.user, publication, document.id)
    assert desk.db.get(StoredFile, copy_id) is None
    assert desk.db.get(StoredFile, attachment.file_id) is not None
    assert documents.documents_of(desk.db, publication) == []
