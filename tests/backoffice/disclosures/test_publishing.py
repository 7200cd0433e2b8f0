"""Publishing a closed FOI case's answer: prepare, publish or send for approval, approve or return, amend,
withdraw and republish, each a claimed version, an audit entry on the case timeline and (when public) a change."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from backoffice.cases.timeline import timeline
from backoffice.disclosures import publishing
from backoffice.disclosures.checking import ChecksOutstanding
from backoffice.disclosures.models import AWAITING_APPROVAL, DRAFT, PUBLISHED, WITHDRAWN, Publication, PublicationChange
from backoffice.disclosures.publishing import Amendment, ApprovalByPreparer, NotPublishable, PublicationChanged
from shared.errors import Conflict, InvalidInput, PermissionDenied
from tests.backoffice.disclosures.conftest import Desk, close


def changes(desk: Desk, publication: Publication) -> int:
    return int(desk.db.scalar(select(func.count(PublicationChange.seq))
                              .where(PublicationChange.publication_id == publication.id)) or 0)


def summaries(desk: Desk) -> list[str]:
    return [entry.summary for entry in timeline(desk.db, desk.case)]


def test_preparing_copies_the_cases_public_facts_and_validates_the_text(desk: Desk) -> None:
    with pytest.raises(InvalidInput) as refused:
        desk.start(title=" ", summary="", request_text="")
    assert set(refused.value.errors) == {"title", "summary", "request_text"}
    with pytest.raises(InvalidInput) as too_long:
        desk.start(title="x" * 201)
    assert "200 characters" in too_long.value.errors["title"]
    publication = desk.start()
    assert publication.status == DRAFT and publication.version == 1
    assert (publication.reference, publication.case_type_key) == (desk.case.reference, "foi")
    assert (publication.outcome, publication.outcome_label) == ("granted_in_part", "Granted in part")
    assert publication.exemptions == [{"key": "s40", "label": "s.40 Personal information"}]
    assert publication.received_on == desk.case.received_on
    assert publication.prepared_by_user_id == desk.user.id
    assert "Disclosure log entry prepared: Bus timetables 2025" in summaries(desk)
    with pytest.raises(Conflict, match="already"):
        desk.start()


def test_only_a_closed_foi_or_eir_case_can_be_published(desk: Desk) -> None:
    open_case = desk.office.new_case("foi")
    with pytest.raises(NotPublishable, match="Close the case"):
        desk.start(case=open_case)
    sar = desk.office.new_case("sar")
    close(desk.office, sar, outcome="provided_in_full", exemptions=())
    with pytest.raises(NotPublishable, match="freedom of information"):
        desk.start(case=sar)
    eir = desk.office.new_case("eir")
    close(desk.office, eir, exemptions=("r12_4_a",))
    assert desk.start(case=eir).exemptions == [{"key": "r12_4_a", "label": "reg. 12(4)(a) Information not held"}]
    with pytest.raises(PermissionDenied):
        publishing.start_publication(desk.db, desk.actor(desk.office.outsider), desk.office.outsider, desk.case,
                                     title="T", summary="S", request_text="R")
    with pytest.raises(PermissionDenied):
        publishing.start_publication(desk.db, desk.actor(desk.office.reader), desk.office.reader, desk.case,
                                     title="T", summary="S", request_text="R")


def test_publish_goes_public_once_and_records_the_change(desk: Desk) -> None:
    publication = desk.start()
    desk.add(publication)
    with pytest.raises(PublicationChanged):
        publishing.publish(desk.db, desk.settings, desk.actor(), desk.user, publication, 7)
    desk.publish(publication)
    assert publication.status == PUBLISHED and publication.version == 2
    assert publication.first_published_at is not None and publication.updated_at == publication.first_published_at
    assert changes(desk, publication) == 1
    assert summaries(desk)[0] == "Published to the disclosure log"
    with pytest.raises(Conflict, match="already published"):
        desk.publish(publication)


def test_two_person_rule_for_a_response_with_documents(desk: Desk) -> None:
    desk.case.case_type.publication_approval = True
    publication = desk.start()
    desk.add(publication)
    desk.publish(publication)
    assert publication.status == AWAITING_APPROVAL and publication.submitted_at is not None
    assert changes(desk, publication) == 0  # nothing public yet
    with pytest.raises(ApprovalByPreparer):
        publishing.approve(desk.db, desk.settings, desk.actor(), desk.user, publication)
    reader = desk.office.reader
    with pytest.raises(PermissionDenied):
        publishing.approve(desk.db, desk.settings, desk.actor(reader), reader, publication)
    manager = desk.office.manager
    with pytest.raises(InvalidInput):
        publishing.return_for_changes(desk.db, desk.actor(manager), manager, publication, " ")
    publishing.return_for_changes(desk.db, desk.actor(manager), manager, publication, "Say which routes")
    assert publication.status == DRAFT
    assert "Disclosure log entry returned for changes: Say which routes" in summaries(desk)
    desk.publish(publication)
    publishing.approve(desk.db, desk.settings, desk.actor(manager), manager, publication)
    assert publication.status == PUBLISHED and publication.approved_by_user_id == manager.id
    assert changes(desk, publication) == 1
    assert summaries(desk)[0] == "Approved and published to the disclosure log"


def test_the_rule_does_not_hold_back_a_response_without_documents(desk: Desk) -> None:
    desk.case.case_type.publication_approval = True
    assert desk.publish(desk.start()).status == PUBLISHED


def test_amend_while_published_is_checked_and_moves_updated(desk: Desk) -> None:
    publication = desk.publish(desk.start())
    first = publication.updated_at
    assert first is not None
    with pytest.raises(ChecksOutstanding), desk.db.begin_nested():  # the page's transaction rolls back
        publishing.amend(desk.db, desk.settings, desk.actor(), desk.user, publication, publication.version,
                         Amendment(summary="Ask Sam Jones for the rest."))
    assert publication.summary != "Ask Sam Jones for the rest." and publication.version == 2
    document_source = desk.attach("routes.txt", b"Routes 1 to 9.\n")
    publishing.amend(desk.db, desk.settings, desk.actor(), desk.user, publication, publication.version,
                     Amendment(title="Bus timetables for 2025", add_attachment_ids=[document_source.id]))
    assert publication.title == "Bus timetables for 2025" and len(publication.documents) == 1
    assert publication.updated_at is not None and publication.updated_at >= first
    assert publication.version == 3 and changes(desk, publication) == 2
    assert summaries(desk)[0] == "Disclosure log entry amended (title, documents)"


def test_new_documents_under_the_two_person_rule_go_through_approval(desk: Desk) -> None:
    publication = desk.publish(desk.start())
    desk.case.case_type.publication_approval = True
    with pytest.raises(Conflict, match="approval"):
        publishing.amend(desk.db, desk.settings, desk.actor(), desk.user, publication, publication.version,
                         Amendment(add_attachment_ids=[desk.attach().id]))


def test_withdraw_and_republish(desk: Desk) -> None:
    publication = desk.publish(desk.start())
    published_at = publication.first_published_at
    with pytest.raises(InvalidInput, match="reason"):
        publishing.withdraw(desk.db, desk.actor(), desk.user, publication, "  ")
    publishing.withdraw(desk.db, desk.actor(), desk.user, publication, "It named a member of staff")
    assert publication.status == WITHDRAWN and publication.withdrawn_at is not None
    assert publication.withdrawn_reason == "It named a member of staff"
    assert publication.updated_at == publication.withdrawn_at and changes(desk, publication) == 2
    assert summaries(desk)[0] == "Withdrawn from the disclosure log: It named a member of staff"
    with pytest.raises(Conflict, match="republish"):
        desk.publish(publication)
    publishing.republish(desk.db, desk.settings, desk.actor(), desk.user, publication, publication.version)
    assert publication.status == PUBLISHED and publication.first_published_at == published_at
    assert publication.withdrawn_at is None and publication.withdrawn_reason == ""
    assert changes(desk, publication) == 3
    assert summaries(desk)[0] == "Republished to the disclosure log"


def test_a_concurrent_change_is_refused_not_lost(desk: Desk) -> None:
    publication = desk.publish(desk.start())
    # Another request committed a change after this one loaded the publication.
    desk.db.execute(update(Publication).where(Publication.id == publication.id)
                    .values(version=Publication.version + 1).execution_options(synchronize_session=False))
    with pytest.raises(PublicationChanged):
        publishing.withdraw(desk.db, desk.actor(), desk.user, publication, "Wrong case")


def test_the_apis_one_step_publishes_from_clean_attachments(desk: Desk) -> None:
    attachment = desk.attach()
    publication = publishing.prepare_and_publish(desk.db, desk.settings, desk.actor(), desk.user, desk.case,
                                                 title="Bus timetables", summary="The timetables.",
                                                 attachment_ids=[attachment.id, attachment.id])
    assert publication.status == PUBLISHED and len(publication.documents) == 1
    assert publication.request_text == desk.case.description
    assert publishing.response_url(desk.settings, publication).endswith("/" + desk.case.reference)
