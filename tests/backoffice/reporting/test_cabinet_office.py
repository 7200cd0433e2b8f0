"""The Cabinet Office return on a hand-worked quarter: every bucket populated, the identities, the as-at rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.deadlines.actions import extend
from backoffice.reporting.periods import parse_period
from backoffice.reporting.registry import Context, ReportResult, figure_cases, get_report, run_report
from shared.audit import SYSTEM
from tests.backoffice.reporting.conftest import make_case
from tests.factories import Office

TODAY = dt.date(2026, 12, 3)
Q1 = parse_period("2026-Q1", TODAY)


def _figures(result: ReportResult) -> dict[str, Any]:
    table = result.tables[0]
    return {column.key: cell.value for column, cell in zip(table.columns, table.rows[0], strict=True)}


def _run(db: Session, today: dt.date = TODAY) -> dict[str, Any]:
    report = get_report("cabinet-office-return")
    return _figures(run_report(db, report, Q1, Context(today=today, body_name="Example Council")))


def test_every_bucket_is_counted_as_worked_out_by_hand(db: Session, quarter: dict[str, Case]) -> None:
    f = _run(db)
    assert f["period"] == "January to March 2026" and f["body"] == "Example Council"
    assert (f["received"], f["processed"], f["lapsed"], f["open"], f["eir"], f["counted"]) == (13, 10, 1, 2, 1, 12)
    assert (f["met"], f["extension"], f["late"]) == (9, 1, 2)
    assert (f["judged"], f["answered_met"], f["answered_in_time"]) == (11, 8, 9)
    assert (f["met_percent"], f["in_time_percent"]) == (72.7, 81.8)
    assert (f["advice"], f["not_held"], f["resolvable"]) == (1, 1, 10)
    assert (f["granted"], f["partial"], f["withheld"], f["not_provided"]) == (2, 1, 5, 2)
    assert (f["vexatious"], f["repeated"], f["cost"], f["exemption"]) == (1, 1, 1, 2)
    assert (f["x_s40"], f["x_s43"], f["x_s22"], f["any_exemption"], f["x_s21"], f["only_s21"]) == (1, 2, 0, 3, 1, 1)
    assert (f["pit_20"], f["pit_40"], f["pit_more"]) == (1, 0, 0)


def test_the_official_identities_hold(db: Session, quarter: dict[str, Case]) -> None:
    f = _run(db)
    assert f["received"] == f["processed"] + f["lapsed"] + f["open"]
    assert f["met"] + f["extension"] + f["late"] == f["counted"] == f["received"] - f["lapsed"]
    assert f["resolvable"] == f["counted"] - f["advice"] - f["not_held"]
    assert f["resolvable"] == f["granted"] + f["partial"] + f["withheld"] + f["not_provided"]
    assert f["vexatious"] + f["repeated"] + f["cost"] + f["exemption"] == f["withheld"]


def test_a_past_quarter_gives_the_same_figures_after_later_events(db: Session, quarter: dict[str, Case]) -> None:
    in_april = _run(db, dt.date(2026, 4, 2))
    k = quarter["K"]
    k.responded_on, k.outcome, k.closed_at = dt.date(2026, 5, 1), "granted_in_full", dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)
    extend(db, SYSTEM, quarter["J"], "Public interest test", on=dt.date(2026, 4, 10))
    db.flush()
    assert _run(db) == in_april
    assert in_april["open"] == 2


def test_a_running_period_is_judged_today(db: Session, quarter: dict[str, Case]) -> None:
    result = run_report(db, get_report("cabinet-office-return"), parse_period("2026", TODAY), Context(today=TODAY))
    assert not result.final and result.as_at == TODAY
    assert _figures(result)["open"] == 1  # J was answered in April; K is still open


def test_every_figure_lists_exactly_the_cases_it_counts(db: Session, quarter: dict[str, Case]) -> None:
    report = get_report("cabinet-office-return")
    context = Context(today=TODAY)
    result = run_report(db, report, Q1, context)
    for cell in result.tables[0].rows[0]:
        if cell.figure is None:
            continue
        behind = figure_cases(db, report, Q1, context, table="return", figure=cell.figure)
        listed = db.scalar(select(func.count()).select_from(behind.query.subquery()))
        assert listed == cell.value, cell.figure
    late = figure_cases(db, report, Q1, context, table="return", figure="late")
    assert {c.reference for c in db.scalars(late.query)} == {quarter["C"].reference, quarter["K"].reference}


def test_internal_reviews_and_regulator_complaints_with_their_outcomes_and_durations(
        db: Session, office: Office, quarter: dict[str, Case]) -> None:
    make_case(office, "2026-02-02", kind="foi_review", responded_after=14, outcome="upheld_in_full")
    make_case(office, "2026-02-03", kind="foi_review", responded_after=50, outcome="overturned")
    make_case(office, "2026-03-30", kind="foi_review", responded_after=None, outcome=None)
    make_case(office, "2026-03-02", kind="regulator_complaint", responded_after=20, outcome="upheld_in_part")
    f = _run(db)
    assert f["received"] == 13  # reviews are not requests
    assert (f["ir_received"], f["ir_upheld"], f["ir_part"], f["ir_overturned"], f["ir_open"]) == (3, 1, 0, 1, 1)
    assert (f["ir_20"], f["ir_40"], f["ir_more"]) == (1, 1, 0)
    assert (f["ico_received"], f["ico_part"], f["ico_open"]) == (1, 1, 0)
