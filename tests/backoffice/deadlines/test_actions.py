"""Extensions and pauses on real cases: recomputed from events, explained, audited, refused when wrong."""

from __future__ import annotations

import datetime as dt

import pytest

from backoffice.deadlines import actions as clock
from backoffice.deadlines.due_dates import deadline_of
from backoffice.deadlines.state import PauseReason, waiting_for
from shared import audit
from shared.errors import Conflict, InvalidInput
from tests.backoffice.conftest import SYSTEM, Office


def test_foi_public_interest_extension_adds_20_working_days(office: Office) -> None:
    case = office.new_case("foi", received_on=dt.date(2025, 12, 22))
    assert case.due_on == dt.date(2026, 1, 23)
    clock.extend(office.db, SYSTEM, case, "Public interest test on s.43", on=dt.date(2026, 1, 20))
    assert case.due_on == dt.date(2026, 2, 20)
    with pytest.raises(Conflict):
        clock.extend(office.db, SYSTEM, case, "again", on=dt.date(2026, 1, 21))
    assert any("extended" in line.lower() for line in deadline_of(office.db, case).explanation)
    entry = audit.history(office.db, "case", case.reference)[-1]
    assert entry.action == "case.clock_changed" and entry.detail["previous_due_on"] == "2026-01-23"


def test_sar_extension_is_two_more_months(office: Office) -> None:
    case = office.new_case("sar", received_on=dt.date(2025, 1, 31))
    clock.extend(office.db, SYSTEM, case, "Complex: many systems", on=dt.date(2025, 2, 10))
    assert case.due_on == dt.date(2025, 4, 30)


def test_extending_a_type_without_an_extension_is_refused(office: Office) -> None:
    case = office.new_case("enquiry")
    with pytest.raises(Conflict):
        clock.extend(office.db, SYSTEM, case, "Because", on=case.received_on)


def test_fee_pause_and_resume_move_the_date_by_the_days_waited(office: Office) -> None:
    case = office.new_case("foi", received_on=dt.date(2026, 6, 1))
    before = case.due_on
    clock.pause(office.db, SYSTEM, case, PauseReason.FEE, "Fees notice sent", on=dt.date(2026, 6, 3))
    assert case.due_on is None and waiting_for(office.db, case) == PauseReason.FEE
    with pytest.raises(Conflict):
        clock.pause(office.db, SYSTEM, case, PauseReason.FEE, on=dt.date(2026, 6, 4))
    clock.resume(office.db, SYSTEM, case, on=dt.date(2026, 6, 9))  # Wed 3 to Tue 9: 5 working days waited
    assert before is not None and case.due_on == before + dt.timedelta(days=7)
    with pytest.raises(Conflict, match="nothing to resume"):
        clock.resume(office.db, SYSTEM, case, on=dt.date(2026, 6, 10))


def test_clarification_restarts_the_foi_clock(office: Office) -> None:
    case = office.new_case("foi", received_on=dt.date(2026, 6, 1))
    clock.clarification(office.db, SYSTEM, case, requested_on=dt.date(2026, 6, 2), received_on=dt.date(2026, 6, 15))
    # 20 working days from Mon 15 Jun would be Mon 13 Jul, Northern Ireland's substitute for 12 July (a Sunday).
    assert case.due_on == dt.date(2026, 7, 14)


def test_bad_input(office: Office) -> None:
    case = office.new_case("foi", received_on=dt.date(2026, 6, 1))
    with pytest.raises(InvalidInput):
        clock.extend(office.db, SYSTEM, case, "  ")
    with pytest.raises(InvalidInput):
        clock.pause(office.db, SYSTEM, case, "holiday")
    with pytest.raises(InvalidInput):
        clock.pause(office.db, SYSTEM, case, PauseReason.FEE, on=dt.date(2099, 1, 1))
