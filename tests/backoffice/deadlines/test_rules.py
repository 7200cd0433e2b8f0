"""The effective rule: a case type's rule as the body's nation applies it, with the law it answers under."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from backoffice.cases.models import CaseType
from backoffice.clocks import Law, Nation
from backoffice.deadlines.due_dates import calendar_of, compute_deadline
from backoffice.deadlines.rules import effective_rule
from backoffice.organisation.body import set_nation
from tests.backoffice.conftest import SYSTEM, Office


def _type(office: Office, key: str) -> CaseType:
    case_type = office.db.scalar(select(CaseType).where(CaseType.key == key))
    assert case_type is not None
    return case_type


def test_an_english_body_answers_under_foia_and_the_eir(office: Office) -> None:
    assert [(effective_rule(office.db, _type(office, k)).key, effective_rule(office.db, _type(office, k)).law)
            for k in ("foi", "eir", "sar", "complaint")] == [
        ("foi", Law.FOIA), ("eir", Law.EIR), ("sar", Law.UK_GDPR), ("complaint_stage1", None)]


def test_a_scottish_body_answers_under_foisa_and_the_eir_scotland(office: Office) -> None:
    set_nation(office.db, SYSTEM, "scotland")
    foi, eir = effective_rule(office.db, _type(office, "foi")), effective_rule(office.db, _type(office, "eir"))
    assert (foi.key, foi.law) == ("foisa", Law.FOISA)
    assert (eir.key, eir.law, eir.nation) == ("eir_scotland", Law.EIR_SCOTLAND, Nation.SCOTLAND)
    assert calendar_of(office.db, _type(office, "eir")).nation is Nation.SCOTLAND


def test_a_scottish_eir_request_is_counted_on_scotlands_calendar(office: Office) -> None:
    # Received Thu 28 Mar 2024: Easter Monday (1 Apr) is no bank holiday in Scotland, so the EIR (Scotland)
    # is due Fri 26 Apr where the EIR, counted on the UK calendar, is due Mon 29 Apr.
    received = dt.date(2024, 3, 28)
    assert compute_deadline(office.db, _type(office, "eir"), received).due_on == dt.date(2024, 4, 29)
    set_nation(office.db, SYSTEM, "scotland")
    deadline = compute_deadline(office.db, _type(office, "eir"), received)
    assert (deadline.rule, deadline.due_on) == ("eir_scotland", dt.date(2024, 4, 26))
