"""The period a report covers, and the moment it is judged at.

A period that has ended is judged at its last day, so the same report run a year later gives the same
figures: a request answered after the period ended is still "not yet answered" in it. A period still
running is judged today and says so ("as at"). Periods are written the way people say them and the API
takes them: ``2026-Q1`` (a calendar quarter, as the Cabinet Office counts), ``2026-03`` (a month),
``FY2025-26`` (a financial year, April to March; ``2025-26`` also, where it cannot be a month), ``2026`` (a calendar year) and ``2026-01-05..2026-02-20``
(any run of days). Dates are days in Europe/London.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from backoffice.clocks import LONDON
from shared.errors import InvalidInput

#: The earliest day a report may start: FOIA came into force on 1 January 2005, and nothing before 2000
#: is a real request here.
EARLIEST = dt.date(2000, 1, 1)
#: Longer than this is not a reporting period but a typing slip (and an expensive one).
MAX_DAYS = 366 * 10

_QUARTER = re.compile(r"(\d{4})-Q([1-4])")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_FINANCIAL = re.compile(r"(?:FY)?(\d{4})-(\d{2})")
_YEAR = re.compile(r"(\d{4})")
_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})")
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December")


class Kind(StrEnum):
    QUARTER = "quarter"
    MONTH = "month"
    FINANCIAL_YEAR = "financial-year"
    YEAR = "year"
    CUSTOM = "custom"


@dataclass(frozen=True)
class Period:
    kind: Kind
    start: dt.date
    #: The last day, included.
    end: dt.date

    @property
    def key(self) -> str:
        """The period as the API and links write it."""
        if self.kind is Kind.QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind is Kind.MONTH:
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind is Kind.FINANCIAL_YEAR:
            return f"FY{self.start.year}-{(self.start.year + 1) % 100:02d}"
        if self.kind is Kind.YEAR:
            return str(self.start.year)
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def label(self) -> str:
        """``January to March 2026``, ``March 2026``, ``April 2025 to March 2026``, ``5 January to 20 February 2026``."""
        if self.kind is Kind.MONTH:
            return f"{_MONTH_NAMES[self.start.month - 1]} {self.start.year}"
        if self.kind is Kind.YEAR:
            return str(self.start.year)
        if self.kind in (Kind.QUARTER, Kind.FINANCIAL_YEAR):
            first = _MONTH_NAMES[self.start.month - 1]
            last = _MONTH_NAMES[self.end.month - 1]
            if self.start.year == self.end.year:
                return f"{first} to {last} {self.end.year}"
            return f"{first} {self.start.year} to {last} {self.end.year}"
        return f"{_day(self.start)} to {_day(self.end)}"

    def as_at(self, today: dt.date) -> dt.date:
        """The day the period is judged at: its last day once it has ended, otherwise today."""
        return min(self.end, today)

    def is_over(self, today: dt.date) -> bool:
        return self.end < today

    def cutoff(self, today: dt.date) -> dt.datetime:
        """The end of the judging day in Europe/London, in UTC (how the database stores instants)."""
        day = self.as_at(today) + dt.timedelta(days=1)
        return dt.datetime(day.year, day.month, day.day, tzinfo=LONDON).astimezone(dt.UTC)

    def begins(self) -> dt.datetime:
        """The start of the first day in Europe/London, in UTC."""
        day = self.start
        return dt.datetime(day.year, day.month, day.day, tzinfo=LONDON).astimezone(dt.UTC)

    def previous(self) -> Period:
        """The period of the same kind before this one (a custom one: the same number of days before)."""
        if self.kind is Kind.QUARTER:
            return quarter_of(self.start - dt.timedelta(days=1))
        if self.kind is Kind.MONTH:
            return month_of(self.start - dt.timedelta(days=1))
        if self.kind is Kind.FINANCIAL_YEAR:
            return financial_year_of(self.start - dt.timedelta(days=1))
        if self.kind is Kind.YEAR:
            return Period(Kind.YEAR, dt.date(self.start.year - 1, 1, 1), dt.date(self.start.year - 1, 12, 31))
        length = self.end - self.start
        return Period(Kind.CUSTOM, self.start - length - dt.timedelta(days=1), self.start - dt.timedelta(days=1))

    def months(self) -> list[Period]:
        """The calendar months the period touches, each cut to the period."""
        found = []
        day = self.start
        while day <= self.end:
            month = month_of(day)
            found.append(Period(Kind.MONTH if month.start >= self.start and month.end <= self.end else Kind.CUSTOM,
                                max(month.start, self.start), min(month.end, self.end)))
            day = month.end + dt.timedelta(days=1)
        return found


def _day(day: dt.date) -> str:
    return f"{day.day} {_MONTH_NAMES[day.month - 1]} {day.year}"


def quarter_of(day: dt.date) -> Period:
    first = 3 * ((day.month - 1) // 3) + 1
    last = first + 2
    return Period(Kind.QUARTER, dt.date(day.year, first, 1),
                  dt.date(day.year, last, calendar.monthrange(day.year, last)[1]))


def month_of(day: dt.date) -> Period:
    return Period(Kind.MONTH, day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1]))


def financial_year_of(day: dt.date) -> Period:
    start_year = day.year if day.month >= 4 else day.year - 1
    return Period(Kind.FINANCIAL_YEAR, dt.date(start_year, 4, 1), dt.date(start_year + 1, 3, 31))


def last_quarter(today: dt.date) -> Period:
    return quarter_of(today).previous()


def parse_period(text: str, today: dt.date, *, field: str = "period") -> Period:
    """The period ``text`` names; InvalidInput (for ``field``) when it is malformed, reversed, enormous, or
    starts after today (a future period has nothing to count)."""
    period = _parse(text.strip())
    if period is None:
        raise InvalidInput("Enter a real period", {field: (
            "Enter a period like 2026-Q1, 2026-03, FY2025-26 or 2026-01-01..2026-03-31")})
    if period.end < period.start:
        raise InvalidInput("The period ends before it starts", {field: "The end of the period must be after its start"})
    if period.start > today:
        raise InvalidInput("The period has not started yet", {field: "The period must start today or in the past"})
    if period.start < EARLIEST:
        raise InvalidInput("The period is too early", {field: f"The period must start on or after {_day(EARLIEST)}"})
    if (period.end - period.start).days > MAX_DAYS:
        raise InvalidInput("The period is too long", {field: "The period must be 10 years or shorter"})
    return period


def _parse(text: str) -> Period | None:
    try:
        if match := _QUARTER.fullmatch(text):
            return quarter_of(dt.date(int(match[1]), 3 * int(match[2]) - 2, 1))
        if match := _RANGE.fullmatch(text):
            return Period(Kind.CUSTOM, dt.date.fromisoformat(match[1]), dt.date.fromisoformat(match[2]))
        if (match := _MONTH.fullmatch(text)) and 1 <= int(match[2]) <= 12:
            return month_of(dt.date(int(match[1]), int(match[2]), 1))
        if (match := _FINANCIAL.fullmatch(text)) and (int(match[1]) + 1) % 100 == int(match[2]):
            return financial_year_of(dt.date(int(match[1]), 4, 1))
        if match := _YEAR.fullmatch(text):
            return Period(Kind.YEAR, dt.date(int(match[1]), 1, 1), dt.date(int(match[1]), 12, 31))
    except ValueError:
        return None
    return None


def custom(start: dt.date, end: dt.date, today: dt.date) -> Period:
    """A run of days from a form's two date inputs, checked as a typed period is."""
    return parse_period(f"{start.isoformat()}..{end.isoformat()}", today)


__all__ = ["Kind", "Period", "custom", "financial_year_of", "last_quarter", "month_of", "parse_period", "quarter_of"]
