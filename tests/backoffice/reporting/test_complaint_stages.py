"""Complaints by stage on a hand-worked quarter: each stage judged against its own limit, reproducibly.

The body is in England and Wales. Stage 1: acknowledge within 5 working days, answer within 10 of that,
so 15 working days from receipt when no acknowledgement is recorded; extension a further 10. Stage 2: 25
working days from escalation; extension a further 20. Every due date below is worked out in its comment.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from odf.opendocument import load
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.cases.stages import escalate
from backoffice.deadlines.actions import extend
from backoffice.reporting import exports
from backoffice.reporting.periods import parse_period
from backoffice.reporting.registry import Context, Rating, ReportResult, figure_cases, get_report, run_report
from shared.audit import SYSTEM
from tests.factories import OUTSIDERS_TEAM, Office
from tests.shared.test_tables_ods import sheets

TODAY = dt.date(2026, 12, 3)
D = dt.date.fromisoformat


def _complaint(office: Office, received: str, *, team: str | None = None) -> Case:
    case = office.new_case("complaint", received_on=D(received))
    if team is not None:
        case.team_group_id = office.groups[team]
    office.db.flush()
    return case


def _answer(office: Office, case: Case, on: str, *, close: bool = False) -> None:
    case.responded_on = D(on)
    if close:
        case.outcome = "not_upheld"
        case.closed_at = dt.datetime.combine(D(on), dt.time(17), dt.UTC)
    office.db.flush()


@pytest.fixture
def complaints(office: Office) -> dict[str, Case]:
    return make_complaints(office)


def make_complaints(office: Office) -> dict[str, Case]:
    """The quarter's complaints, each worked out below (the case transfer tests export and import them too)."""
    db = office.db
    made: dict[str, Case] = {}
    # Stage 1 only. Received Mon 12 Jan, due Mon 2 Feb; answered 20 Jan: in time.
    made["a"] = c = _complaint(office, "2026-01-12")
    _answer(office, c, "2026-01-20", close=True)
    # Received Mon 5 Jan, due Mon 26 Jan; answered 10 Feb: late.
    made["b"] = c = _complaint(office, "2026-01-05")
    _answer(office, c, "2026-02-10", close=True)
    # Received Mon 2 Feb, due Mon 23 Feb, extended 10 Feb by 10 to Mon 9 Mar; answered 5 Mar: extended.
    made["c"] = c = _complaint(office, "2026-02-02")
    extend(db, SYSTEM, c, "Site visit needed", on=D("2026-02-10"))
    assert c.due_on == D("2026-03-09")
    _answer(office, c, "2026-03-05", close=True)
    # Stage 1 answered 30 Jan (due 9 Feb), escalated Mon 9 Feb: stage 2 due Mon 16 Mar, answered 12 Mar.
    made["d"] = c = _complaint(office, "2026-01-19")
    _answer(office, c, "2026-01-30")
    escalate(db, SYSTEM, c, on=D("2026-02-09"))
    assert (c.stage, c.due_on, c.responded_on) == (2, D("2026-03-16"), None)
    _answer(office, c, "2026-03-12", close=True)
    # Stage 1 in time (14 Jan), escalated Mon 26 Jan: stage 2 due Mon 2 Mar, answered 20 Mar: late.
    made["e"] = c = _complaint(office, "2026-01-07", team=OUTSIDERS_TEAM)
    _answer(office, c, "2026-01-14")
    escalate(db, SYSTEM, c, on=D("2026-01-26"))
    assert c.due_on == D("2026-03-02")
    _answer(office, c, "2026-03-20", close=True)
    # Stage 1 in time (20 Feb), escalated Mon 23 Feb: stage 2 due Mon 30 Mar, extended 2 Mar by 20 (over
    # Easter) to Wed 29 Apr; answered 31 Mar: stage 2 in time with an extension.
    made["f"] = c = _complaint(office, "2026-02-16")
    _answer(office, c, "2026-02-20")
    escalate(db, SYSTEM, c, on=D("2026-02-23"))
    assert c.due_on == D("2026-03-30")
    extend(db, SYSTEM, c, "Independent investigator", on=D("2026-03-02"))
    assert c.due_on == D("2026-04-29")
    _answer(office, c, "2026-03-31", close=True)
    # Received Mon 2 Mar, due Mon 23 Mar, not answered by 31 Mar: stage 1 open and late.
    made["g"] = _complaint(office, "2026-03-02")
    # Received 25 Mar: stage 1 open, still in time.
    made["h"] = _complaint(office, "2026-03-25")
    # Escalated straight to stage 2 on Fri 23 Jan, without a stage 1 answer: stage 1 ended unanswered;
    # stage 2 due Fri 27 Feb, not answered by 31 Mar: open and late.
    made["i"] = c = _complaint(office, "2026-01-21", team=OUTSIDERS_TEAM)
    escalate(db, SYSTEM, c, on=D("2026-01-23"))
    assert c.due_on == D("2026-02-27")
    # Received in December, answered at stage 1 then; escalated Mon 5 Jan: stage 2 is the quarter's
    # (due Mon 9 Feb), answered 5 Feb: in time.
    made["before"] = c = _complaint(office, "2025-12-01")
    _answer(office, c, "2025-12-05")
    escalate(db, SYSTEM, c, on=D("2026-01-05"))
    assert c.due_on == D("2026-02-09")
    _answer(office, c, "2026-02-05", close=True)
    return made


def _run(db: Session, period: str = "2026-Q1") -> ReportResult:
    return run_report(db, get_report("timeliness"), parse_period(period, TODAY), Context(today=TODAY))


def _stage_rows(result: ReportResult) -> dict[tuple[str, str], dict[str, Any]]:
    table = next(t for t in result.tables if t.key == "complaint-stage")
    return {(str(row[0].value), str(row[1].value)): {c.key: cell.value for c, cell in zip(table.columns, row,
                                                                                         strict=True)}
            for row in table.rows}


BUCKETS = ("received", "in_time", "extended", "late", "open_in_time", "open_late", "closed_unanswered", "judged")
STAGE_1, STAGE_2 = "Stage 1 (15 working days)", "Stage 2 (25 working days)"


def _counts(row: dict[str, Any]) -> tuple[int, ...]:
    return tuple(row[key] for key in BUCKETS)


def test_each_stage_is_judged_against_its_own_limit(db: Session, complaints: dict[str, Case]) -> None:
    rows = _stage_rows(_run(db))
    one, two = rows[(STAGE_1, "All teams")], rows[(STAGE_2, "All teams")]
    # Stage 1: a, d, e, f in time; c extended; b late; h open in time; g open and late; i ended unanswered.
    assert _counts(one) == (9, 4, 1, 1, 1, 1, 1, 7)
    assert one["percent"] == 71.4 and one["grade"] == Rating("Unsatisfactory", "red")
    # Stage 2: d and the December complaint in time; f extended; e late; i open and late.
    assert _counts(two) == (5, 2, 1, 1, 0, 1, 0, 5)
    assert two["percent"] == 60.0 and two["grade"] == Rating("Unsatisfactory", "red")
    for row in (one, two):
        assert sum(row[k] for k in BUCKETS[1:7]) == row["received"]
    # By team: Parks has e (late) and i (open and late) at stage 2; the rest are all in time there.
    parks = rows[(STAGE_2, OUTSIDERS_TEAM)]
    assert _counts(parks) == (2, 0, 0, 1, 0, 1, 0, 2) and parks["grade"] == Rating("Unsatisfactory", "red")
    others = [r for (stage, team), r in rows.items() if stage == STAGE_2 and team not in ("All teams", OUTSIDERS_TEAM)]
    assert len(others) == 1 and _counts(others[0]) == (3, 2, 1, 0, 0, 0, 0, 3)
    assert others[0]["percent"] == 100.0 and others[0]["grade"] == Rating("Good", "green")
    assert rows[(STAGE_1, OUTSIDERS_TEAM)]["received"] == 2


def test_other_types_are_unchanged_and_a_complaint_counts_once_by_type(
        db: Session, quarter: dict[str, Case], complaints: dict[str, Case]) -> None:
    result = _run(db)
    by_type = next(t for t in result.tables if t.key == "type")
    rows = {row[0].value: {c.key: cell.value for c, cell in zip(by_type.columns, row, strict=True)}
            for row in by_type.rows}
    foi = rows["Freedom of Information request"]
    assert (foi["received"], foi["in_time"], foi["extended"], foi["late"], foi["open_in_time"], foi["open_late"],
            foi["closed_unanswered"], foi["percent"]) == (12, 7, 1, 1, 1, 1, 1, 80.0)
    # Received in the quarter: the nine at stage 1 (the December one is not), each once.
    assert rows["Complaint"]["received"] == 9 and rows["Total"]["received"] == 13 + 9


def test_a_past_quarter_gives_the_same_figures_after_later_escalation(
        db: Session, complaints: dict[str, Case]) -> None:
    before = _run(db)
    g = complaints["g"]
    g.responded_on = D("2026-04-01")
    db.flush()
    escalate(db, SYSTEM, g, on=D("2026-04-15"))
    extend(db, SYSTEM, g, "More evidence", on=D("2026-04-20"))
    complaints["h"].responded_on = D("2026-04-02")
    db.flush()
    after = _run(db)
    assert _stage_rows(after) == _stage_rows(before)
    assert [t.rows for t in after.tables] == [t.rows for t in before.tables]
    # The next quarter sees g's stage 2, begun in it (due Thu 21 May, extended by 20 to Fri 19 Jun), still
    # unanswered on 30 June: open and late; and g's stage 1, answered late, is not the second quarter's.
    assert g.due_on == D("2026-06-19")
    q2 = _stage_rows(_run(db, "2026-Q2"))
    assert _counts(q2[(STAGE_2, "All teams")]) == (1, 0, 0, 0, 0, 1, 0, 1)
    assert q2[(STAGE_1, "All teams")]["received"] == 0


def test_every_stage_figure_lists_exactly_its_cases(db: Session, complaints: dict[str, Case]) -> None:
    report, period, context = get_report("timeliness"), parse_period("2026-Q1", TODAY), Context(today=TODAY)
    table = next(t for t in _run(db).tables if t.key == "complaint-stage")
    checked = 0
    for row in table.rows:
        for cell in row:
            if cell.figure is None:
                continue
            behind = figure_cases(db, report, period, context, table=table.key, figure=cell.figure, row=cell.row)
            assert db.scalar(select(func.count()).select_from(behind.query.subquery())) == cell.value, cell
            assert len(behind.listed(db, 100)) == cell.value, cell
            checked += 1
    assert checked > 20
    late = figure_cases(db, report, period, context, table="complaint-stage", figure="late", row="stage2")
    assert [c.reference for c in db.scalars(late.query)] == [complaints["e"].reference]
    assert late.table_title == f"Complaints by stage: {STAGE_2}"
    # Each is listed with the dates of the stage the figure counts: d, at stage 2 now, in stage 1's figure
    # with stage 1's (received 19 Jan, due 9 Feb, answered 30 Jan), in stage 2's with stage 2's.
    for part, dates in (("stage1", (D("2026-01-19"), D("2026-02-09"), D("2026-01-30"))),
                        ("stage2", (D("2026-02-09"), D("2026-03-16"), D("2026-03-12")))):
        in_time = figure_cases(db, report, period, context, table="complaint-stage", figure="in_time", row=part)
        assert in_time.listing is not None and in_time.listing.label == f"Stage {part[-1]}"
        listed = {item.case.reference: (item.started_on, item.due_on, item.responded_on)
                  for item in in_time.listed(db, 100)}
        assert listed[complaints["d"].reference] == dates
    by_type = figure_cases(db, report, period, context, table="type", figure="received",
                           row=str(complaints["d"].case_type_id))
    assert by_type.listing is None
    d = next(item for item in by_type.listed(db, 100) if item.case.reference == complaints["d"].reference)
    assert (d.started_on, d.due_on, d.responded_on) == (D("2026-01-19"), D("2026-03-16"), D("2026-03-12"))


def test_the_exports_carry_the_stage_rows(db: Session, complaints: dict[str, Case]) -> None:
    result = _run(db)
    xlsx = io.BytesIO()
    exports.write_report("xlsx", xlsx, result)
    book = load_workbook(io.BytesIO(xlsx.getvalue()), read_only=True)
    assert book.sheetnames == ["By type", "By team", "By month received", "Complaints by stage", "Definitions"]
    rows = list(book["Complaints by stage"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Stage", "Team", "Received", "Answered in time")
    found: dict[tuple[Any, Any], tuple[Any, ...]] = {(r[0], r[1]): r for r in rows[1:]}
    assert found[(STAGE_1, "All teams")][2:10] == (9, 4, 1, 1, 1, 1, 1, 7)
    assert found[(STAGE_2, "All teams")][2:10] == (5, 2, 1, 1, 0, 1, 0, 5)
    assert found[(STAGE_2, "All teams")][-1] == "Unsatisfactory"
    ods = io.BytesIO()
    exports.write_report("ods", ods, result)
    read = sheets(load(io.BytesIO(ods.getvalue())))
    stage_two = next(r for r in read["Complaints by stage"] if r[0].text == STAGE_2 and r[1].text == "All teams")
    assert stage_two[2].type == "float" and stage_two[2].value == "5"
