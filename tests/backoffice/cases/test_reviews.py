"""Internal reviews and complaints to the regulator: cases of their own, linked to the closed FOI or EIR
request they are about, made through intake without emailing the requester, and clocked under the body's
law; the built-in types they are made as; and migration 0009's outcomes for an older body's FOI and EIR.

Today is fixed at Monday 16 March 2026; requests are received on Monday 2 March.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import time_machine
from alembic import command
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from backoffice.cases import tasks, workflow
from backoffice.cases.case_types import BUILT_IN, FOI_OUTCOMES
from backoffice.cases.models import Case, CaseLink, CaseType, StatusKind
from backoffice.cases.outcomes import REVIEW_LABELS, ReviewOutcome, review_outcome
from backoffice.cases.reviews import ReviewKind, kind_of, may_be_reviewed, review_of, reviews_of, start_review
from backoffice.deadlines.due_dates import deadline_of
from backoffice.deadlines.rules import effective_rule
from backoffice.intake.new_cases import Requester
from backoffice.organisation.body import set_nation
from backoffice.reporting.publication import foi_performance
from shared import audit, migrations
from shared.db import make_engine
from shared.errors import Conflict, InvalidInput, PermissionDenied
from shared.mail.models import OutboxMessage
from tests.backoffice.conftest import SYSTEM, Office, run_notification_jobs
from tests.test_migrations import scratch_database

TODAY = dt.datetime(2026, 3, 16, 12, 0, tzinfo=dt.UTC)
RECEIVED = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _today(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(TODAY)


def closed_request(office: Office, case_type: str = "foi", outcome: str = "refused_in_full",
                   responded_on: dt.date | None = dt.date(2026, 3, 9)) -> Case:
    """A request received on 2 March, answered (by default) on 9 March and closed."""
    case = office.new_case(case_type, received_on=RECEIVED, requester=_requester())
    me, actor = office.manager, office.actor(office.manager)
    for task in tasks.tasks_of(office.db, case):
        tasks.finish_task(office.db, actor, me, case, task.id, tasks.DONE)
    case.responded_on = responded_on
    workflow.close(office.db, actor, me, case, outcome=outcome)
    return case


def _requester() -> Requester:
    return Requester(name="Sam Jones", email="sam@example.com", phone="01632 960 001", address="1 High Street")


def _history(office: Office, reference: str, action: str) -> list[str]:
    return [e.summary or "" for e in audit.history(office.db, "case", reference) if e.action == action]


def test_the_review_types_are_built_in_and_not_offered_to_the_public(office: Office) -> None:
    types = {t.key: t for t in office.db.scalars(select(CaseType))}
    review, complaint = types["foi_review"], types["regulator_complaint"]
    assert (review.name, review.reference_prefix, review.deadline_rule, review.web_enabled) == (
        "Internal review", "IR", "foi_internal_review", False)
    assert [o["key"] for o in review.closure_outcomes] == [o.value for o in ReviewOutcome]
    assert [o["label"] for o in review.closure_outcomes] == list(REVIEW_LABELS.values())
    assert (complaint.reference_prefix, complaint.deadline_rule, complaint.web_enabled) == ("ICO", "enquiry", False)
    assert [o["key"] for o in complaint.closure_outcomes] == [
        "upheld_in_full", "upheld_in_part", "overturned", "withdrawn", "informally_resolved"]
    # Each built-in review outcome is counted in the official vocabulary; resolving informally is not a decision.
    assert [review_outcome(o) for o in complaint.closure_outcomes] == [*ReviewOutcome, None]
    assert [spec.key for spec in BUILT_IN][-2:] == ["foi_review", "regulator_complaint"]


@pytest.mark.parametrize(("kind", "prefix", "subject"), [
    ("internal_review", "IR-2026-", "Internal review of {ref}: Bus timetables"),
    ("regulator_complaint", "ICO-2026-", "Complaint to the regulator about {ref}: Bus timetables"),
])
def test_a_review_is_a_linked_case_of_its_own(office: Office, settings, kind: str, prefix: str,
                                              subject: str) -> None:
    original = closed_request(office)
    run_notification_jobs(office.db, settings)
    before = set(office.db.scalars(select(OutboxMessage.id)))
    review = start_review(office.db, office.actor(office.caseworker), office.caseworker, original, kind,
                          received_on=dt.date(2026, 3, 12))
    assert review.reference.startswith(prefix) and review.review_of_id == original.id
    assert review.subject == subject.format(ref=original.reference)
    assert (review.requester_name, review.requester_email, review.requester_phone, review.requester_address) == (
        "Sam Jones", "sam@example.com", "01632 960 001", "1 High Street")
    assert review.received_on == dt.date(2026, 3, 12) and review.status.kind == StatusKind.OPEN
    assert original.reference in review.description
    assert kind_of(review) is ReviewKind(kind) and kind_of(original) is None
    assert reviews_of(office.db, original) == [review] and review_of(office.db, review) is original
    assert review_of(office.db, original) is None
    assert workflow.linked_cases(office.db, original) == [review]
    assert workflow.linked_cases(office.db, review) == [original]
    label = ReviewKind(kind).label
    assert _history(office, original.reference, "case.review_started") == [
        f"{label} {review.reference} started, received 12 March 2026"]
    assert _history(office, review.reference, "case.review_of") == [
        f"{label} of {original.reference}, received 12 March 2026"]
    assert _history(office, review.reference, "case.created")  # made through intake's own door
    # The requester asked for it: nothing automatic is sent to them (the team hears of new work as usual).
    run_notification_jobs(office.db, settings)
    sent = [m.to_address for m in office.db.scalars(select(OutboxMessage)) if m.id not in before]
    assert "sam@example.com" not in sent


def test_an_internal_review_is_clocked_under_the_bodys_law(office: Office) -> None:
    original = closed_request(office)
    english = start_review(office.db, SYSTEM, office.manager, original, "internal_review")
    assert english.received_on == dt.date(2026, 3, 16)  # today by default
    assert deadline_of(office.db, english).rule == "foi_internal_review"
    # 20 working days on the UK calendar: St Patrick's Day, Good Friday and Easter Monday are not counted.
    assert english.due_on == dt.date(2026, 4, 16)
    set_nation(office.db, SYSTEM, "scotland")
    scottish_request = closed_request(office)
    scottish = start_review(office.db, SYSTEM, office.manager, scottish_request, "internal_review")
    assert effective_rule(office.db, scottish.case_type).key == "foisa_internal_review"
    assert deadline_of(office.db, scottish).rule == "foisa_internal_review"
    assert scottish.due_on == dt.date(2026, 4, 14)  # Scotland's: only Good Friday is not counted


@pytest.mark.parametrize("case_type", ["foi", "eir"])
def test_both_kinds_of_information_request_can_be_reviewed(office: Office, case_type: str) -> None:
    original = closed_request(office, case_type, outcome="not_held")
    assert may_be_reviewed(office.db, original)
    review = start_review(office.db, SYSTEM, office.manager, original, "internal_review")
    complaint = start_review(office.db, SYSTEM, office.manager, original, "regulator_complaint")
    assert reviews_of(office.db, original) == [review, complaint]


def test_only_a_closed_information_request_can_be_reviewed(office: Office) -> None:
    open_request = office.new_case("foi", received_on=RECEIVED)
    with pytest.raises(Conflict, match="closed FOI or EIR request"):
        start_review(office.db, SYSTEM, office.manager, open_request, "internal_review")
    enquiry = office.new_case("enquiry", received_on=RECEIVED)
    workflow.close(office.db, SYSTEM, office.manager, enquiry, outcome="answered")
    sar = closed_request(office, "sar", outcome="provided_in_full")
    for case in (enquiry, sar):
        assert not may_be_reviewed(office.db, case)
        with pytest.raises(Conflict):
            start_review(office.db, SYSTEM, office.manager, case, "regulator_complaint")
    # A review is not reviewed again: a complaint is about the request.
    original = closed_request(office)
    review = start_review(office.db, SYSTEM, office.manager, original, "internal_review")
    workflow.close(office.db, SYSTEM, office.manager, review, outcome="upheld_in_full")
    with pytest.raises(Conflict):
        start_review(office.db, SYSTEM, office.manager, review, "regulator_complaint")
    assert office.db.scalar(select(Case.id).where(Case.review_of_id == review.id)) is None


def test_one_open_review_of_each_kind_at_a_time(office: Office) -> None:
    original = closed_request(office)
    first = start_review(office.db, SYSTEM, office.manager, original, "internal_review")
    with pytest.raises(Conflict, match=f"Internal review {first.reference} of {original.reference} is still open"):
        start_review(office.db, SYSTEM, office.manager, original, "internal_review")
    start_review(office.db, SYSTEM, office.manager, original, "regulator_complaint")  # another kind
    workflow.close(office.db, SYSTEM, office.manager, first, outcome="overturned")
    second = start_review(office.db, SYSTEM, office.manager, original, "internal_review")
    assert second.id != first.id


@pytest.mark.parametrize(("responded_on", "received_on", "message"), [
    (dt.date(2026, 3, 9), dt.date(2026, 3, 8),
     "Date received must be on or after 9 March 2026, when {ref} was answered"),
    (dt.date(2026, 3, 9), dt.date(2026, 3, 17), "Date received must be today or in the past"),
])
def test_the_date_received_lies_between_the_answer_and_today(office: Office, responded_on: dt.date | None,
                                                            received_on: dt.date, message: str) -> None:
    original = closed_request(office, responded_on=responded_on)
    with pytest.raises(InvalidInput) as refused:
        start_review(office.db, SYSTEM, office.manager, original, "internal_review", received_on=received_on)
    assert refused.value.errors == {"received_on": message.format(ref=original.reference)}
    assert reviews_of(office.db, original) == []


def test_who_may_start_a_review(office: Office) -> None:
    original = closed_request(office)
    for user in (office.reader, office.outsider):
        with pytest.raises(PermissionDenied):
            start_review(office.db, SYSTEM, user, original, "internal_review")
    with pytest.raises(InvalidInput):
        start_review(office.db, SYSTEM, office.manager, original, "appeal")
    assert reviews_of(office.db, original) == []


def test_a_body_seeded_before_the_review_types_gets_them(office: Office) -> None:
    original = closed_request(office)
    office.db.execute(delete(CaseType).where(CaseType.key.in_(("foi_review", "regulator_complaint"))))
    review = start_review(office.db, SYSTEM, office.manager, original, "internal_review")
    assert review.case_type.key == "foi_review"
    retired = office.db.scalar(select(CaseType).where(CaseType.key == "regulator_complaint"))
    assert retired is not None
    retired.active = False
    with pytest.raises(Conflict, match="switched off"):
        start_review(office.db, SYSTEM, office.manager, original, "regulator_complaint")


def test_long_subjects_are_shortened_to_fit(office: Office) -> None:
    original = closed_request(office)
    original.subject = "x" * 300
    review = start_review(office.db, SYSTEM, office.manager, original, "internal_review")
    assert len(review.subject) == 300 and review.subject.endswith("…")


# --- migration 0009 ---------------------------------------------------------------------------------


def test_migration_adds_the_outcomes_an_older_foi_and_eir_type_lacks(tmp_path: Path) -> None:
    """Only the three new keys, after the body's own entries, which stay as they were (renamed or not)."""
    own = [{"key": "granted_in_full", "label": "Released"}, {"key": "repeated", "label": "Asked before"},
           {"key": "local", "label": "Our own outcome"}]
    with scratch_database(tmp_path) as url:
        command.upgrade(migrations.config(url), "0008")
        engine = make_engine(url)
        try:
            with Session(engine) as session, session.begin():
                for type_id, key in ((1, "foi"), (2, "eir"), (3, "sar")):
                    session.execute(text(
                        "INSERT INTO case_types (id, key, name, summary, reference_prefix, deadline_rule, web_enabled,"
                        " exemptions_enabled, restrictable, closure_outcomes, active, position, share_days,"
                        " publication_approval) VALUES (:id, :key, :key, '', :key, :key, :yes, :yes, :no,"
                        " :outcomes, :yes, 0, 30, :no)"),
                        {"id": type_id, "key": key, "yes": True, "no": False,
                         "outcomes": json.dumps(own)})
            migrations.upgrade(url)
            with Session(engine) as session:
                found = dict(session.execute(select(CaseType.key, CaseType.closure_outcomes)).all())
        finally:
            engine.dispose()
    added = [{"key": "advice_and_assistance", "label": "Advice and assistance provided"},
             {"key": "fee_not_paid", "label": "Fee not paid"}]
    assert found["foi"] == found["eir"] == [*own, *added]
    assert found["sar"] == own
    assert {k for k, _ in FOI_OUTCOMES} >= {"repeated", "advice_and_assistance", "fee_not_paid"}


def test_a_review_keeps_its_link_when_listed_as_a_link(office: Office) -> None:
    """The review's two CaseLink rows are the ones staff linking makes: linking again adds nothing."""
    original = closed_request(office)
    review = start_review(office.db, SYSTEM, office.manager, original, "internal_review")
    workflow.link(office.db, SYSTEM, office.manager, review, original.reference)
    assert len(list(office.db.scalars(select(CaseLink.id).where(
        CaseLink.case_id.in_((original.id, review.id)))))) == 2


def test_an_internal_review_counts_in_the_foi_performance_figures(office: Office) -> None:
    original = closed_request(office)
    start_review(office.db, SYSTEM, office.manager, original, "internal_review")
    start_review(office.db, SYSTEM, office.manager, original, "regulator_complaint")  # not an internal review
    now = foi_performance(office.db, quarters=1, today=TODAY.date()).quarters[0]
    assert now.internal_reviews == 1 and now.received == 1
