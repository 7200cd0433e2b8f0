"""From a confirmed draft to a case (capture/submission.py), through the core's front door."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.public import WEB_FORM, intake_form
from capture import drafts, submission
from capture.models import Draft
from shared import audit, links
from shared.errors import InvalidInput
from shared.files import INFECTED, StoredFile
from shared.mail.models import OutboxMessage
from shared.runtime import Runtime

REQUESTER = audit.Actor(type="requester", label="member of the public")
ANSWERS: dict[str, Any] = {"name": "Sam Jones", "email": "sam@example.com", "format": "paper",
                           "information": "Copies of road resurfacing contracts let in 2025.",
                           "address": "1 High Street\nTestshire"}


def _draft(session: Session, answers: dict[str, Any] | None = None) -> Draft:
    draft = drafts.load_or_start(session, {}, "foi")
    drafts.save(session, draft, dict(ANSWERS if answers is None else answers), email_key="email")
    return draft


def _link(token: str) -> str:
    return f"http://testserver/capture/confirm?token={token}"


def test_a_case_is_built_from_the_answers_that_still_apply(seeded: Runtime, db: Session) -> None:
    definition = intake_form(db, "foi")
    new = submission.build_case(definition, "foi", {**ANSWERS, "stray": "x"}, email="proved@example.com")
    assert new.case_type == "foi" and new.channel == WEB_FORM
    assert new.requester.name == "Sam Jones" and new.requester.email == "proved@example.com"
    assert new.requester.address == "1 High Street\nTestshire"
    assert new.description.startswith("Copies of road resurfacing contracts")
    assert "A paper copy by post" in new.description  # an answer no field takes goes into the description
    assert new.subject.endswith("Copies of road resurfacing contracts let in 2025.")
    assert "stray" not in new.details["answers"] and new.attachments == ()
    assert submission.email_answer(definition, ANSWERS) == "sam@example.com"


def test_uploads_become_attachments_and_an_infected_one_is_a_problem(seeded: Runtime, db: Session) -> None:
    definition = intake_form(db, "sar")
    proof = next(q for q in definition.questions.values() if q.type == "file")
    stored = StoredFile(original_name="id.pdf", content_type="application/pdf", size=3, sha256="0" * 64,
                        uploaded_by="member of the public", status=INFECTED)
    db.add(stored)
    db.flush()
    answers = {proof.key: {"id": stored.id, "name": "id.pdf"}, "other": {"id": 4}}
    assert submission.uploads(definition, answers) == {proof.key: answers[proof.key]}
    assert "contains a virus" in submission.file_problems(db, definition, answers)[proof.key]
    assert submission.file_problems(db, definition, {proof.key: {"id": "missing", "name": "x"}}) != {}


def test_the_confirmation_email_carries_the_newest_link(seeded: Runtime, db: Session) -> None:
    draft = _draft(db)
    sent: list[str] = []

    def link_for(token: str) -> str:
        sent.append(token)
        return _link(token)

    assert submission.send_confirmation(db, draft, intake_form(db, "foi"), link_for=link_for,
                                        org_name="Testshire Council") == "sam@example.com"
    submission.send_confirmation(db, draft, intake_form(db, "foi"), link_for=link_for, org_name="Testshire Council")
    assert draft.email == "sam@example.com"
    bodies = list(db.scalars(select(OutboxMessage.body_text).order_by(OutboxMessage.id)))
    assert len(bodies) == 2 and _link(sent[1]) in bodies[1]
    assert submission.usable_link(db, sent[1]).email == "sam@example.com"
    with pytest.raises(links.LinkInvalid) as caught:
        submission.usable_link(db, sent[0])
    assert caught.value.problem is links.Problem.REPLACED


def test_a_link_to_an_address_the_draft_no_longer_has_proves_nothing(seeded: Runtime, db: Session) -> None:
    draft = _draft(db)
    token = links.issue(db, drafts.CONFIRM, drafts.link_subject(draft.id), "old@example.com")
    with pytest.raises(links.LinkInvalid) as caught:
        submission.usable_link(db, token)
    assert caught.value.problem is links.Problem.EMAIL_CHANGED


def test_confirming_makes_the_case_once_and_empties_the_draft(seeded: Runtime, db: Session) -> None:
    draft = _draft(db)
    token = links.issue(db, drafts.CONFIRM, drafts.link_subject(draft.id), "sam@example.com")
    confirmed = submission.confirm(db, seeded.settings, token, REQUESTER)
    case = confirmed.case
    assert confirmed.acknowledged  # the type's acknowledgement is on by default
    assert case.reference.startswith("FOI-") and case.type_key == "foi" and case.requester_email == "sam@example.com"
    assert draft.case_reference == case.reference and draft.due_on == case.due_on and draft.answers == {}
    with pytest.raises(links.LinkInvalid) as caught:
        submission.confirm(db, seeded.settings, token, REQUESTER)
    assert caught.value.problem is links.Problem.USED


def test_a_request_with_an_infected_upload_is_not_sent(seeded: Runtime, db: Session) -> None:
    definition = intake_form(db, "sar")
    proof = next(q for q in definition.questions.values() if q.type == "file")
    stored = StoredFile(original_name="id.pdf", content_type="application/pdf", size=3, sha256="0" * 64,
                        uploaded_by="member of the public", status=INFECTED)
    db.add(stored)
    db.flush()
    draft = drafts.load_or_start(db, {}, "sar")
    drafts.save(db, draft, {"name": "Sam Jones", "email": "sam@example.com",
                            proof.key: {"id": stored.id, "name": "id.pdf"}}, email_key="email")
    token = links.issue(db, drafts.CONFIRM, drafts.link_subject(draft.id), "sam@example.com")
    with pytest.raises(InvalidInput):
        submission.confirm(db, seeded.settings, token, REQUESTER)
    assert draft.case_reference is None
