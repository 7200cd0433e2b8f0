"""Timeliness on the hand-worked quarter: the five buckets, the percentage of what can be judged, the grade."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.reporting.periods import parse_period
from backoffice.reporting.registry import Context, Rating, get_report, run_report
from backoffice.reporting.timeliness import grade

TODAY = dt.date(2026, 12, 3)


def _rows(db: Session, table: str) -> dict[str, dict[str, Any]]:
    result = run_report(db, get_report("timeliness"), parse_period("2026-Q1", TODAY), Context(today=TODAY))
    found = next(t for t in result.tables if t.key == table)
    return {row[0].value: {c.key: cell.value for c, cell in zip(found.columns, row, strict=True)}  # type: ignore[misc]
            for row in found.rows}


def test_buckets_by_type_add_up_and_are_graded(db: Session, quarter: dict[str, Case]) -> None:
    rows = _rows(db, "type")
    foi = rows["Freedom of Information request"]
    assert (foi["received"], foi["in_time"], foi["extended"], foi["late"], foi["open_in_time"], foi["open_late"],
            foi["closed_unanswered"]) == (12, 7, 1, 1, 1, 1, 1)
    assert foi["in_time"] + foi["extended"] + foi["late"] + foi["open_in_time"] + foi["open_late"] \
        + foi["closed_unanswered"] == foi["received"]
    assert foi["percent"] == 80.0 and foi["grade"] == Rating("Unsatisfactory", "red")
    eir = rows["Environmental Information request"]
    assert (eir["received"], eir["in_time"], eir["percent"]) == (1, 1, 100.0) and eir["grade"].text == "Good"
    assert rows["Subject access request"]["received"] == 0 and rows["Subject access request"]["grade"] is None
    assert rows["Total"]["received"] == 13


def test_months_cover_the_period_and_teams_total(db: Session, quarter: dict[str, Case]) -> None:
    months = _rows(db, "month")
    assert [m for m in months if m != "Total"] == ["January 2026", "February 2026", "March 2026"]
    assert (months["January 2026"]["received"], months["February 2026"]["received"],
            months["March 2026"]["received"]) == (4, 7, 2)
    assert _rows(db, "team")["Total"]["received"] == 13


def test_the_regulators_grades() -> None:
    assert grade(None) is None
    assert grade(95.0) == Rating("Good", "green")
    assert grade(94.9) == Rating("Adequate", "amber") and grade(90.0).level == "amber"  # type: ignore[union-attr]
    assert grade(89.9) == Rating("Unsatisfactory", "red")
