"""Notifications render the type's wording, respect the per-type switch and go through the outbox."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.notifications import Notice, NotificationSetting, notify, render
from backoffice.notifications.dispatch import unknown_placeholders
from shared.mail.models import OutboxMessage
from tests.backoffice.conftest import Office


def test_default_wording_through_the_outbox(office: Office, settings) -> None:
    case = office.new_case("foi")
    sent = notify(office.db, settings, Notice.CASE_ASSIGNED, case, ["Cas@Example.gov.uk", "cas@example.gov.uk", ""],
                  actor="Mo Manager")
    assert len(sent) == 1 and sent[0].to_address == "cas@example.gov.uk"
    assert sent[0].subject == f"Case {case.reference} has been assigned to you"
    assert "Mo Manager assigned case" in sent[0].body_text and f"/backoffice/cases/{case.reference}" in sent[0].body_text


def test_switched_off_for_a_type_sends_nothing(office: Office, settings) -> None:
    case = office.new_case("foi")
    office.db.add(NotificationSetting(case_type_id=case.case_type_id, notice=Notice.CASE_CLOSED.value, enabled=False))
    assert notify(office.db, settings, Notice.CASE_CLOSED, case, ["a@example.gov.uk"]) == []
    assert office.db.scalars(select(OutboxMessage)).all() == []


def test_custom_wording_and_safe_rendering(office: Office, settings) -> None:
    case = office.new_case("sar")
    office.db.add(NotificationSetting(case_type_id=case.case_type_id, notice=Notice.CASE_RAISED.value, enabled=True,
                                      subject="SAR {reference} in", body="{requester_name} {nope} {reference.__class__}"))
    sent = notify(office.db, settings, Notice.CASE_RAISED, case, ["dp@example.gov.uk"])
    assert sent[0].subject == f"SAR {case.reference} in"
    assert sent[0].body_text == "Sam Jones  "
    assert render("{a}{b!r:>9}", {"a": "x", "b": "y"}) == "xy"
    assert unknown_placeholders("{reference} {colour}") == {"colour"}
    assert unknown_placeholders("{reference") == {"(unbalanced braces)"}
