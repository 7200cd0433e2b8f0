"""The periods a manager is offered to pick from: recent quarters, months, financial years and years."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from backoffice.reporting.periods import Kind, Period, financial_year_of, month_of, quarter_of


@dataclass(frozen=True)
class PeriodChoice:
    group: str
    period: Period


def period_choices(today: dt.date, *, quarters: int = 8, months: int = 12, years: int = 3) -> list[PeriodChoice]:
    """Newest first within each kind; the period still running is marked as such by its label's caller."""
    found: list[PeriodChoice] = []
    quarter = quarter_of(today)
    for _ in range(quarters):
        found.append(PeriodChoice("Quarters", quarter))
        quarter = quarter.previous()
    month = month_of(today)
    for _ in range(months):
        found.append(PeriodChoice("Months", month))
        month = month.previous()
    financial = financial_year_of(today)
    for _ in range(years):
        found.append(PeriodChoice("Financial years", financial))
        financial = financial.previous()
    year = Period(Kind.YEAR, dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))
    for _ in range(years):
        found.append(PeriodChoice("Calendar years", year))
        year = year.previous()
    return found


__all__ = ["PeriodChoice", "period_choices"]
