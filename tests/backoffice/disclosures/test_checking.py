"""The personal-data check: findings in every field and page, kept acknowledgements, fixed hits gone,
publishing refused while any is open, and hidden text under a box that cannot be acknowledged."""

from __future__ import annotations

import pytest

from backoffice.disclosures import checking, documents, publishing
from backoffice.disclosures.checking import HIDDEN_TEXT, ChecksOutstanding
from backoffice.disclosures.models import PUBLISHED, Publication
from backoffice.disclosures.publishing import Amendment
from shared.errors import Conflict, InvalidInput, PermissionDenied
from tests.backoffice.disclosures.conftest import Desk
from tests.pdfs import make_pdf


def run(desk: Desk, publication: Publication) -> list[checking.FindingView]:
    return publishing.check(desk.db, desk.settings, desk.user, publication)


def test_findings_in_fields_and_pages_must_be_fixed_or_acknowledged(desk: Desk) -> None:
    publication = desk.start(summary="Sam Jones asked for the timetables; write to buses@example.gov.uk.")
    desk.add(publication, desk.attach("letter.txt", b"Dear Sam Jones,\nHere they are.\n"))
    found = run(desk, publication)
    assert {(f.place_label, f.kind, f.found) for f in found} >= {
        ("Summary", "requester name", "Sam Jones"), ("letter.txt, page 1", "requester name", "Sam Jones"),
        ("Summary", "email address", "buses@example.gov.uk")}
    assert all(f.open and f.can_acknowledge for f in found)
    assert found[0].before == "" and "asked for" in found[0].after
    with pytest.raises(ChecksOutstanding) as refused:
        desk.publish(publication)
    assert len(refused.value.findings) == len(found)

    email = next(f for f in found if f.kind == "email address")
    with pytest.raises(InvalidInput):
        checking.acknowledge(desk.db, desk.actor(), desk.user, email.id, " ")
    with pytest.raises(PermissionDenied):
        checking.acknowledge(desk.db, desk.actor(desk.office.reader), desk.office.reader, email.id, "Ours")
    checking.acknowledge(desk.db, desk.actor(), desk.user, email.id, "The buses team's public mailbox")
    # Fix the name in the summary; the page's name is fixed by replacing the document.
    publishing.amend(desk.db, desk.settings, desk.actor(), desk.user, publication, publication.version,
                     Amendment(summary="The requester asked for the timetables; write to buses@example.gov.uk."))
    letter = publication.documents[0]
    documents.remove_document(desk.db, desk.actor(), desk.user, publication, letter.id)
    desk.add(publication, desk.attach("letter.txt", b"Dear requester,\nHere they are.\n"))
    again = run(desk, publication)
    assert [(f.kind, f.open, f.reason) for f in again] == [
        ("email address", False, "The buses team's public mailbox")]
    assert desk.publish(publication).status == PUBLISHED


def test_hidden_text_under_a_box_cannot_be_acknowledged(desk: Desk) -> None:
    pdf = make_pdf(["Routes", "Driver rota"], boxed={2: "Alex Smith 07700 900123"})
    publication = desk.start()
    document = desk.add(publication, desk.attach("rota.pdf", pdf))
    hidden = [f for f in run(desk, publication) if f.kind == HIDDEN_TEXT]
    assert [f.place_label for f in hidden] == ["rota.pdf, page 2"]
    assert not hidden[0].can_acknowledge
    with pytest.raises(Conflict, match="redaction"):
        checking.acknowledge(desk.db, desk.actor(), desk.user, hidden[0].id, "It is fine")
    with pytest.raises(ChecksOutstanding):
        desk.publish(publication)
    documents.remove_document(desk.db, desk.actor(), desk.user, publication, document.id)
    assert [f for f in run(desk, publication) if f.kind == HIDDEN_TEXT] == []
