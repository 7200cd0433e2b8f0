"""Importing requests answered before the system: a row with an outcome is created and closed with its
response date, outcome, exemptions and review outcome, telling nobody; an impossible closure is a row error,
and then nothing of the file is imported."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from backoffice.cases.models import Case, StatusKind, Task
from backoffice.cases.transfer import (
    HISTORY_COLUMNS,
    IMPORT_COLUMNS,
    STAGE_COLUMNS,
    TEMPLATE_COLUMNS,
    import_cases,
    parse,
)
from backoffice.intake.new_cases import today_in_london
from backoffice.notifications.options import set_group_emails
from shared import audit
from shared.mail.models import OutboxMessage
from tests.backoffice.cases.conftest import SYSTEM, Office
from tests.backoffice.cases.test_transfer import case_count, csv_file, errors_of, good, xlsx_file
from tests.backoffice.conftest import run_notification_jobs


def answered(**changes: Any) -> dict[str, Any]:
    """A request received on 2 March 2026 and partly refused on 20 March."""
    return good(**{"responded_on": "2026-03-20", "outcome": "granted_in_part", "exemptions": "s40; s43", **changes})


def _case(office: Office, reference: str) -> Case:
    case = office.db.scalar(select(Case).where(Case.reference == reference))
    assert case is not None
    return case


def test_an_answered_request_is_imported_closed_and_nobody_is_told(office: Office, settings) -> None:
    rows = [answered(review_outcome="upheld_in_part"), good(),
            good(responded_on="2026-06-10", outcome="fully_withheld", refusal_reason="cost_limit"),
            answered(outcome="granted_in_full", exemptions="", requester_email="", requester_address="1 High St")]
    set_group_emails(office.db, SYSTEM, True)
    office.info_governance.email = "ig@example.gov.uk"
    report = import_cases(office.db, SYSTEM, parse("cases.csv", csv_file(rows, TEMPLATE_COLUMNS)))
    assert report.ok, report.errors
    closed, still_open, cost, full = (_case(office, reference) for reference in report.created)
    assert closed.status.kind == StatusKind.CLOSED and closed.outcome == "granted_in_part"
    assert closed.exemptions == ["s40", "s43"] and closed.responded_on == dt.date(2026, 3, 20)
    assert closed.closed_at is not None
    assert closed.closed_at.replace(tzinfo=dt.UTC) == dt.datetime(2026, 3, 20, 17, 0, tzinfo=dt.UTC)  # GMT
    assert closed.details["review_outcome"] == "upheld_in_part"
    assert cost.outcome == "cost_limit"  # the official category, mapped to the one outcome it names
    assert cost.closed_at is not None
    assert cost.closed_at.replace(tzinfo=dt.UTC) == dt.datetime(2026, 6, 10, 16, 0, tzinfo=dt.UTC)  # 5pm BST
    assert full.outcome == "granted_in_full" and full.exemptions == []
    assert still_open.status.kind != StatusKind.CLOSED and still_open.responded_on is None
    tasks = list(office.db.scalars(select(Task).where(Task.case_id == closed.id)))
    assert tasks and {t.status for t in tasks} == {"cancelled"}
    history = [e for e in audit.history(office.db, "case", closed.reference) if e.action == "case.closed"]
    assert history[0].detail["historical"] is True and "Imported closed" in history[0].summary
    run_notification_jobs(office.db, settings)
    told = list(office.db.scalars(select(OutboxMessage.to_address)))
    assert "sam@example.com" not in told  # no acknowledgement, no "your request is closed"
    assert told.count("ig@example.gov.uk") == 1  # the team hears of the open case only, not of history


def test_history_columns_may_be_left_out_or_come_from_a_workbook(office: Office) -> None:
    assert import_cases(office.db, SYSTEM, parse("cases.csv", csv_file([good()]))).ok  # the ten columns alone
    report = import_cases(office.db, SYSTEM, parse("cases.xlsx", xlsx_file([answered(
        responded_on=dt.datetime(2026, 3, 20), received_on=dt.datetime(2026, 3, 2))])))
    assert report.ok, report.errors
    assert _case(office, report.created[0]).responded_on == dt.date(2026, 3, 20)


def _errors(office: Office, *rows: dict[str, Any]) -> dict[tuple[int, str], str]:
    found = {(e.row, e.field): e.message for e in errors_of(office.db, csv_file(list(rows), TEMPLATE_COLUMNS))}
    return found


def test_each_impossible_closure_is_a_row_error_and_nothing_is_imported(office: Office) -> None:
    tomorrow = (today_in_london() + dt.timedelta(days=1)).isoformat()
    errors = _errors(
        office,
        answered(),                                                          # row 2: fine
        answered(responded_on="2026-03-01"),                                 # 3: before received
        answered(responded_on=tomorrow),                                     # 4: in the future
        answered(outcome="sent_by_pigeon"),                                  # 5: not the type's
        answered(exemptions="s40, s99"),                                     # 6: not of the law
        answered(exemptions="r12_4_a"),                                      # 7: an EIR exception on an FOI
        answered(outcome="granted_in_full"),                                 # 8: exemptions on granted in full
        answered(outcome="vexatious", refusal_reason="cost_limit", exemptions=""),  # 9: reason contradicts
        good(exemptions="s40"),                                              # 10: history but no outcome
        answered(responded_on=""),                                           # 11: closed but no response date
        answered(review_outcome="maybe"),                                    # 12: not a review outcome
        answered(responded_on="20/03/2026"),                                 # 13: not a date
        answered(outcome="on_hold_or_lapsed", exemptions=""),                # 14: an ambiguous category
    )
    assert case_count(office.db) == 0
    assert {row for row, _ in errors} == set(range(3, 15))
    assert "same as or after the date received" in errors[(3, "responded_on")]
    assert errors[(4, "responded_on")].startswith("responded_on must be today or in the past")
    assert "sent_by_pigeon" not in errors[(5, "outcome")] and "granted_in_full" in errors[(5, "outcome")]
    assert errors[(6, "exemptions")].startswith("s99 is not an exemption of Freedom of Information")
    assert errors[(7, "exemptions")].startswith("r12_4_a is not an exemption")
    assert errors[(8, "exemptions")].startswith("An outcome granted in full has no exemptions: empty the cell")
    assert "refusal reason vexatious" in errors[(9, "refusal_reason")]
    assert "Enter the outcome" in errors[(10, "outcome")]
    assert errors[(11, "responded_on")] == "Enter the date the response was sent, like 2026-03-02"
    assert "upheld_in_full" in errors[(12, "review_outcome")]
    assert "YYYY-MM-DD" in errors[(13, "responded_on")]
    assert "could be any of" in errors[(14, "outcome")]


def test_a_type_without_exemptions_records_none(office: Office) -> None:
    errors = _errors(office, answered(case_type="complaint", outcome="upheld", exemptions="s40"))
    assert errors[(2, "exemptions")] == "Complaint cases record no exemptions: empty the cell"


def test_a_wrong_case_type_and_a_wrong_closure_are_reported_together(office: Office) -> None:
    errors = _errors(office, answered(case_type="parking", review_outcome="maybe"))
    assert set(errors) == {(2, "case_type"), (2, "review_outcome")}


def test_the_history_columns_follow_the_required_ones_and_the_stage_columns_come_last(office: Office) -> None:
    # The Guidance sheet describes them in this order: "the five columns from responded_on", "from stage on".
    assert TEMPLATE_COLUMNS[len(IMPORT_COLUMNS):len(IMPORT_COLUMNS) + len(HISTORY_COLUMNS)] == HISTORY_COLUMNS
    assert TEMPLATE_COLUMNS[-len(STAGE_COLUMNS):] == STAGE_COLUMNS and STAGE_COLUMNS[0] == "stage"
