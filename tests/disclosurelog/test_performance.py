"""The FOI performance figures from the cases themselves: in time, extended, late, and what was decided."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from backoffice.cases.models import CaseType, ClockEventRecord
from backoffice.reporting.publication import Quarter, foi_performance
from tests.factories import Office, seed_office

TODAY = dt.date(2026, 12, 3)


@pytest.fixture
def office(db: Session, session_factory: sessionmaker[Session]) -> Office:
    return seed_office(db, session_factory, in_session=True)


def _case(office: Office, received: dt.date, due: dt.date | None, responded: dt.date | None, outcome: str | None,
          *, case_type: str = "foi", extended: bool = False) -> None:
    case = office.new_case(case_type)
    case.received_on, case.due_on, case.responded_on, case.outcome = received, due, responded, outcome
    if outcome is not None:  # closed the day it was answered
        assert responded is not None
        case.closed_at = dt.datetime.combine(responded, dt.time(12), dt.UTC)
    if extended:
        office.db.add(ClockEventRecord(case_id=case.id, kind="extended", on=received + dt.timedelta(days=20)))
    office.db.flush()


def test_quarters_count_in_time_extended_late_and_outcomes(db: Session, office: Office) -> None:
    oct_1, nov_1 = dt.date(2026, 10, 1), dt.date(2026, 11, 1)
    _case(office, oct_1, dt.date(2026, 10, 29), dt.date(2026, 10, 20), "granted_in_full")
    _case(office, oct_1, dt.date(2026, 10, 29), dt.date(2026, 11, 5), "refused_in_full")
    _case(office, oct_1, dt.date(2026, 11, 26), dt.date(2026, 11, 20), "granted_in_part", extended=True)
    _case(office, oct_1, dt.date(2026, 10, 29), None, None)  # overdue and unanswered: late
    _case(office, nov_1, dt.date(2026, 12, 30), None, None)  # not yet due
    _case(office, nov_1, dt.date(2026, 11, 30), dt.date(2026, 11, 10), "cost_limit", case_type="eir")
    _case(office, nov_1, dt.date(2026, 11, 30), dt.date(2026, 11, 10), "provided_in_full", case_type="sar")
    _case(office, dt.date(2026, 8, 3), dt.date(2026, 9, 1), dt.date(2026, 8, 20), "not_held")
    figures = foi_performance(db, quarters=3, today=TODAY)
    assert [q.quarter for q in figures.quarters] == [Quarter(2026, 4), Quarter(2026, 3), Quarter(2026, 2)]
    assert figures.quarters[0].quarter.label == "October to December 2026"
    now = figures.quarters[0]
    assert (now.received, now.answered_in_time, now.extended, now.late, now.open_in_time) == (6, 3, 1, 2, 1)
    assert (now.granted_in_full, now.refused_in_full, now.part_refused) == (1, 2, 1)
    assert now.in_time_percent == 60
    summer = figures.quarters[1]
    assert (summer.received, summer.answered_in_time, summer.granted_in_full) == (1, 1, 0)
    assert figures.quarters[2].received == 0 and figures.quarters[2].in_time_percent is None
    # The built-in Internal review type records reviews as cases: none this quarter is nought, not "not recorded".
    assert now.internal_reviews == 0 and figures.reviews_recorded
    assert not any("cannot be counted" in note for note in figures.notes)


def test_a_body_without_internal_review_cases_has_them_not_recorded(db: Session, office: Office) -> None:
    db.execute(delete(CaseType).where(CaseType.deadline_rule.in_(("foi_internal_review", "foisa_internal_review"))))
    figures = foi_performance(db, quarters=1, today=TODAY)
    assert figures.quarters[0].internal_reviews is None and not figures.reviews_recorded
    assert any("Internal reviews are not recorded as cases here" in note for note in figures.notes)
