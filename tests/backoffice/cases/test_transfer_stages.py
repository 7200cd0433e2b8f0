"""A complaint's stages through the spreadsheet: the export carries each complaint's stage and the stages it
left, and an import of that file into an empty database recreates them, so the timeliness report judges
every stage as it did before; an impossible stage history is a row error, and then nothing is imported."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from sqlalchemy import func, select

from backoffice.cases.models import Case, CaseStage, ClockEventRecord, StatusKind
from backoffice.cases.queues import CaseFilter
from backoffice.cases.transfer import (
    EXPORT_COLUMNS,
    STAGE_COLUMNS,
    TEMPLATE_COLUMNS,
    export_cases,
    import_cases,
    parse,
)
from backoffice.cases.transfer_formats import SYSTEM_COLUMNS
from backoffice.intake.new_cases import today_in_london
from tests.backoffice.cases.conftest import SYSTEM, Office
from tests.backoffice.cases.test_transfer import case_count, csv_file, errors_of, good, read_csv
from tests.backoffice.reporting.test_complaint_stages import (
    STAGE_1,
    STAGE_2,
    _run,
    _stage_rows,
    make_complaints,
)

D = dt.date.fromisoformat


def _by_subject(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["reference"]: row for row in rows}


def test_the_export_carries_each_complaints_stages(office: Office) -> None:
    made = make_complaints(office)
    foi = office.new_case("foi")
    rows = _by_subject(read_csv(export_cases(office.db, None, CaseFilter(open_only=False), "csv")))
    assert list(next(iter(rows.values()))) == list(EXPORT_COLUMNS)
    d = rows[made["d"].reference]
    assert {c: d[c] for c in ("stage", "stage_extended_on", "responded_on", "outcome", "due_on")} == {
        "stage": "2", "stage_extended_on": "", "responded_on": "2026-03-12", "outcome": "Not upheld",
        "due_on": "2026-03-16"}
    assert [d[f"stage1_{date}"] for date in ("started_on", "due_on", "responded_on", "extended_on", "ended_on")] == [
        "2026-01-19", "2026-02-09", "2026-01-30", "", "2026-02-09"]
    # c was extended at stage 1, the stage it is at; f at stage 2, after escalation.
    c, f = rows[made["c"].reference], rows[made["f"].reference]
    assert (c["stage"], c["stage_extended_on"], c["stage1_ended_on"]) == ("1", "2026-02-10", "")
    assert (f["stage"], f["stage_extended_on"], f["stage1_extended_on"]) == ("2", "2026-03-02", "")
    i = rows[made["i"].reference]  # escalated straight on: stage 1 ended without an answer
    assert (i["stage"], i["stage1_responded_on"], i["stage1_ended_on"], i["responded_on"]) == (
        "2", "", "2026-01-23", "")
    assert all(rows[foi.reference][c] == "" for c in STAGE_COLUMNS)  # an FOI request has no stages


def _as_import_file(exported: bytes) -> bytes:
    """The export as an import file, as the template's guidance says: without the reference and the columns
    the system fills in (``outcome`` stays: it is also the template's)."""
    rows = read_csv(exported)
    kept = [c for c in EXPORT_COLUMNS if c == "outcome" or (c != "reference" and c not in SYSTEM_COLUMNS)]
    assert set(kept) <= set(TEMPLATE_COLUMNS)
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(kept)
    for row in rows:
        writer.writerow([row[c] for c in kept])
    return out.getvalue().encode("utf-8-sig")


def _complaint_row(office: Office) -> dict[str, Any]:
    by_type = next(t for t in _run(office.db).tables if t.key == "type")
    row = next(r for r in by_type.rows if r[0].value == "Complaint")
    return {c.key: cell.value for c, cell in zip(by_type.columns, row, strict=True)}


def test_an_export_imported_into_an_empty_database_gives_the_same_stage_figures(office: Office) -> None:
    db = office.db
    with db.begin_nested() as before:
        made = make_complaints(office)
        figures = _stage_rows(_run(db))
        by_type = _complaint_row(office)
        kept = sorted((s.stage, s.started_on, s.due_on, s.responded_on, s.extended_on, s.ended_on)
                      for s in db.scalars(select(CaseStage)))
        exported = export_cases(db, None, CaseFilter(open_only=False), "csv")
        assert len(read_csv(exported)) == len(made)
        before.rollback()
    assert case_count(db) == 0
    report = import_cases(db, SYSTEM, parse("cases.csv", _as_import_file(exported)))
    assert report.ok, report.errors
    assert len(report.created) == len(made)
    after = _stage_rows(_run(db))
    # Teams are the system's (an import gives each case its type's team), so the rows of every team together.
    for stage in (STAGE_1, STAGE_2):
        assert after[(stage, "All teams")] == figures[(stage, "All teams")], stage
    assert after[(STAGE_1, "All teams")]["received"] == 9 and after[(STAGE_2, "All teams")]["received"] == 5
    assert _complaint_row(office) == by_type
    assert sorted((s.stage, s.started_on, s.due_on, s.responded_on, s.extended_on, s.ended_on)
                  for s in db.scalars(select(CaseStage))) == kept
    # The stage each is at, its clock and its extension are the system's, as if it had been worked here.
    open_at_two = db.scalar(select(Case).where(Case.received_on == D("2026-01-21")))
    assert open_at_two is not None
    assert (open_at_two.stage, open_at_two.stage_started_on, open_at_two.due_on) == (2, D("2026-01-23"), D("2026-02-27"))
    assert open_at_two.status.key == "stage_2" and open_at_two.status.kind != StatusKind.CLOSED
    extended = db.scalar(select(Case).where(Case.received_on == D("2026-02-16")))
    assert extended is not None and extended.due_on == D("2026-04-29") and extended.status.kind == StatusKind.CLOSED
    assert list(db.scalars(select(ClockEventRecord.on).where(ClockEventRecord.case_id == extended.id))) == [
        D("2026-03-02")]


def escalated(**changes: Any) -> dict[str, Any]:
    """A complaint received Mon 19 Jan 2026, answered at stage 1 on 30 Jan, escalated 9 Feb, answered 12 Mar."""
    return good(**{"case_type": "complaint", "received_on": "2026-01-19", "responded_on": "2026-03-12",
                   "outcome": "not_upheld", "stage": "2", "stage1_responded_on": "2026-01-30",
                   "stage1_ended_on": "2026-02-09", **changes})


def test_an_escalated_complaint_is_imported_at_its_stage(office: Office) -> None:
    rows = [escalated(), escalated(stage1_due_on="2026-02-06", stage1_extended_on="2026-01-26", responded_on="",
                                   outcome="", stage_extended_on="2026-02-16"),
            good(case_type="complaint", stage="1", stage_extended_on="2026-03-04", received_on="2026-03-02")]
    report = import_cases(office.db, SYSTEM, parse("cases.csv", csv_file(rows, TEMPLATE_COLUMNS)))
    assert report.ok, report.errors
    closed, still_open, first = (office.db.scalar(select(Case).where(Case.reference == r)) for r in report.created)
    assert closed is not None and still_open is not None and first is not None
    stage = office.db.scalar(select(CaseStage).where(CaseStage.case_id == closed.id))
    assert stage is not None
    # Stage 1: due Mon 9 Feb (15 working days from receipt), the engine's, as the file left it blank.
    assert (stage.started_on, stage.due_on, stage.responded_on, stage.extended_on, stage.ended_on) == (
        D("2026-01-19"), D("2026-02-09"), D("2026-01-30"), None, D("2026-02-09"))
    assert (closed.stage, closed.responded_on, closed.due_on, closed.status.kind) == (
        2, D("2026-03-12"), D("2026-03-16"), StatusKind.CLOSED)
    kept = office.db.scalar(select(CaseStage).where(CaseStage.case_id == still_open.id))
    assert kept is not None and (kept.due_on, kept.extended_on) == (D("2026-02-06"), D("2026-01-26"))  # as given
    # Stage 2 from Mon 9 Feb, due Mon 16 Mar, extended on 16 Feb by 20 working days (over Easter): Wed 15 Apr.
    assert still_open.status.key == "stage_2" and still_open.due_on == D("2026-04-15")
    assert (first.stage, first.due_on) == (None, D("2026-04-08"))  # 23 Mar, extended by 10 over Easter


def test_each_impossible_stage_history_is_a_row_error_and_nothing_is_imported(office: Office) -> None:
    tomorrow = (today_in_london() + dt.timedelta(days=1)).isoformat()
    rows = [
        escalated(),                                                                 # 2: fine
        escalated(case_type="foi", outcome="granted_in_full"),                       # 3: stages on an FOI
        escalated(stage1_ended_on=""),                                               # 4: stage 2 without stage 1
        escalated(stage1_responded_on="2026-02-10"),                                 # 5: answered after it ended
        escalated(stage1_ended_on="2026-01-16"),                                     # 6: ended before it began
        escalated(stage1_started_on="2026-01-20"),                                   # 7: began after receipt
        escalated(responded_on="2026-02-06"),                                        # 8: stage 2 answer before it
        escalated(stage_extended_on="2026-02-02"),                                   # 9: extension before stage 2
        escalated(stage="1"),                                                        # 10: stage 1 dates at stage 1
        escalated(stage="3"),                                                        # 11: no stage 3
        escalated(stage1_due_on="2026-01-05"),                                       # 12: due before it began
        escalated(stage1_ended_on="9 Feb"),                                          # 13: not a date
        escalated(stage1_ended_on=tomorrow, responded_on="", outcome=""),            # 14: in the future
        escalated(stage1_extended_on="2026-02-20"),                                  # 15: extended after it ended
    ]
    errors = {(e.row, e.field): e.message for e in errors_of(office.db, csv_file(rows, TEMPLATE_COLUMNS))}
    assert case_count(office.db) == 0
    assert {row for row, _ in errors} == set(range(3, 16))
    assert errors[(3, "stage")].startswith("Only complaints are handled in stages: empty stage,")
    assert "needs stage 1's dates: enter stage1_ended_on" in errors[(4, "stage1_ended_on")]
    assert errors[(5, "stage1_responded_on")].startswith("stage1_responded_on must be from stage1_started_on to")
    assert errors[(6, "stage1_ended_on")].startswith("stage1_ended_on must be on or after stage1_started_on")
    assert errors[(7, "stage1_started_on")].startswith("Stage 1 begins on received_on, 19 January 2026")
    assert "responded_on is the stage 2 answer" in errors[(8, "responded_on")]
    assert errors[(9, "stage_extended_on")].startswith("stage_extended_on must be within stage 2")
    assert "escalated past stage 1: give stage 2 in stage" in errors[(10, "stage1_responded_on")]
    assert errors[(11, "stage")] == "Stage must be 1 or 2"
    assert "on or after stage1_started_on" in errors[(12, "stage1_due_on")]
    assert "YYYY-MM-DD" in errors[(13, "stage1_ended_on")]
    assert errors[(14, "stage1_ended_on")] == "stage1_ended_on must be today or in the past"
    assert "stage1_extended_on must be from" in errors[(15, "stage1_extended_on")]
    assert int(office.db.scalar(select(func.count(CaseStage.id))) or 0) == 0


def test_a_stage_the_engine_refuses_is_a_row_error_of_its_column(office: Office) -> None:
    """Whether a stage's time limit could still be extended on the day given is the engine's to say: stage 2
    extended before its answer was due (16 March) is imported, after it is refused, as that row's problem,
    and then the file's other cases are not imported either."""
    rows = [escalated(), escalated(stage_extended_on="2026-03-10"), escalated(stage_extended_on="2026-03-20",
                                                                                responded_on="2026-03-25")]
    report = import_cases(office.db, SYSTEM, parse("cases.csv", csv_file(rows, TEMPLATE_COLUMNS)))
    assert report.created == [] and case_count(office.db) == 0
    assert [(e.row, e.field) for e in report.errors] == [(4, "stage_extended_on")]
