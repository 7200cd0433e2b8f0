"""Working-day calendars for the UK nations.

Statutory clocks count *working days*, and what a working day is depends on the
law being applied: FOIA s.10(6) and EIR treat a bank holiday anywhere in the UK
as a non-working day (the `Nation.UK` union), FOISA s.73 only Scottish ones, and
a SAR rolls forward on the controller's own nation's bank holidays.

Bank holidays come from the `holidays` package (subdivisions ENG, WLS, SCT,
NIR, which include substitute days and one-offs such as the 2022-09-19 state
funeral and the 2023-05-08 coronation) plus `HolidayAdjustment`s entered by an
administrator when a new bank holiday is announced before the package knows it,
or one is moved.

Office closure days are deliberately *not* representable: the Acts count a
working day regardless of whether the office is open, so an office closure
(e.g. a council's extra day at Christmas) must never move a statutory deadline.
There is no adjustment kind for them and there never should be.

Calendars precompute, over a fixed year range, a flag per day, the sorted
ordinals of working days and a running count of working days, so adding or
counting working days is a couple of index look-ups rather than a day-by-day
walk; deadline calculation runs for every case on every list page.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Literal

import holidays

from backoffice.clocks.errors import CalendarError

__all__ = [
    "CalendarSet",
    "HolidayAdjustment",
    "Nation",
    "WorkingDayCalendar",
    "default_calendars",
    "easter_sunday",
    "parse_nation",
]


class Nation(StrEnum):
    """The bank-holiday jurisdictions a clock can be counted in.

    `UK` is not a place but the union FOIA and EIR use: a day that is a bank
    holiday in any nation is not a working day for them."""

    ENGLAND_AND_WALES = "england-and-wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern-ireland"
    UK = "uk"

    @property
    def label(self) -> str:
        """Name shown to staff in explanations."""
        return _LABELS[self]


_LABELS: Mapping[Nation, str] = {
    Nation.ENGLAND_AND_WALES: "England and Wales",
    Nation.SCOTLAND: "Scotland",
    Nation.NORTHERN_IRELAND: "Northern Ireland",
    Nation.UK: "the UK",
}

# The `holidays` subdivisions that make up each nation; England and Wales share
# a calendar in law but the package keeps them apart, so the nation is their union.
_SUBDIVISIONS: Mapping[Nation, tuple[str, ...]] = {
    Nation.ENGLAND_AND_WALES: ("ENG", "WLS"),
    Nation.SCOTLAND: ("SCT",),
    Nation.NORTHERN_IRELAND: ("NIR",),
    Nation.UK: ("ENG", "WLS", "SCT", "NIR"),
}
_PLACES: tuple[Nation, ...] = (
    Nation.ENGLAND_AND_WALES,
    Nation.SCOTLAND,
    Nation.NORTHERN_IRELAND,
)

AdjustmentKind = Literal["add", "remove"]


@dataclass(frozen=True)
class HolidayAdjustment:
    """An administrator's correction to the bank holidays of one nation.

    `add` declares a newly announced bank holiday; `remove` withdraws one the
    package lists (e.g. a holiday moved by proclamation, entered together with
    an `add` for its new date). An adjustment to a nation also changes the UK
    union; an adjustment to `Nation.UK` applies to every nation."""

    nation: Nation
    day: date
    name: str
    kind: AdjustmentKind = "add"

    def __post_init__(self) -> None:
        if self.kind not in ("add", "remove"):
            raise CalendarError(f"holiday adjustment kind must be 'add' or 'remove', not {self.kind!r}")
        if not self.name.strip():
            raise CalendarError("a holiday adjustment needs a name staff will recognise")


def easter_sunday(year: int) -> date:
    """Gregorian Easter (anonymous algorithm), so Good Friday is guaranteed
    non-working even if a data source ever omitted it."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _never_working(year: int) -> dict[date, str]:
    """Christmas Day and Good Friday are named in FOIA s.10(6) as well as being
    common-law holidays: they are never working days and cannot be removed."""
    return {
        date(year, 12, 25): "Christmas Day",
        easter_sunday(year) - timedelta(days=2): "Good Friday",
    }


class WorkingDayCalendar:
    """Working days of one nation over a fixed range of years.

    Saturdays, Sundays and the nation's bank holidays are not working days.
    Arithmetic is half-open in the way the Acts count: "the 20th working day
    following the date of receipt" never counts the date of receipt itself."""

    __slots__ = ("_count", "_first", "_flags", "_holidays", "_ordinals", "first_day", "last_day", "nation")

    def __init__(self, nation: Nation, first_day: date, last_day: date, bank_holidays: Mapping[date, str]) -> None:
        if last_day < first_day:
            raise CalendarError("a calendar must cover at least one day")
        self.nation = nation
        self.first_day = first_day
        self.last_day = last_day
        self._first = first_day.toordinal()
        self._holidays: dict[date, str] = {d: n for d, n in bank_holidays.items() if first_day <= d <= last_day}
        size = last_day.toordinal() - self._first + 1
        flags = bytearray(size)
        ordinals: list[int] = []
        count = array("l", bytes(array("l").itemsize * size))
        running = 0
        weekday = first_day.weekday()
        for offset in range(size):
            ordinal = self._first + offset
            if weekday < 5 and date.fromordinal(ordinal) not in self._holidays:
                flags[offset] = 1
                ordinals.append(ordinal)
                running += 1
            count[offset] = running
            weekday = (weekday + 1) % 7
        self._flags = bytes(flags)
        self._ordinals = ordinals
        self._count = count

    def __repr__(self) -> str:
        return f"WorkingDayCalendar({self.nation.value}, {self.first_day}..{self.last_day})"

    def _offset(self, day: date) -> int:
        offset = day.toordinal() - self._first
        if offset < 0 or offset >= len(self._flags):
            raise CalendarError(
                f"{day.isoformat()} is outside the {self.nation.label} calendar "
                f"({self.first_day.isoformat()} to {self.last_day.isoformat()})"
            )
        return offset

    def is_working_day(self, day: date) -> bool:
        return self._flags[self._offset(day)] == 1

    def holiday_name(self, day: date) -> str | None:
        """The bank holiday on `day`, if any (weekend holidays included)."""
        self._offset(day)
        return self._holidays.get(day)

    def is_bank_holiday(self, day: date) -> bool:
        return self.holiday_name(day) is not None

    @property
    def bank_holidays(self) -> Mapping[date, str]:
        return dict(self._holidays)

    def next_working_day(self, day: date, *, strictly_after: bool = False) -> date:
        """The first working day on or after `day` (or strictly after it)."""
        offset = self._offset(day)
        counted = self._count[offset] - (0 if strictly_after else self._flags[offset])
        return self._nth(counted, day)

    def add_working_days(self, start: date, n: int) -> date:
        """The `n`th working day after `start` (`start` itself never counts).

        A negative `n` counts back: -1 is the last working day before `start`;
        zero returns `start` unchanged."""
        if n == 0:
            return start
        offset = self._offset(start)
        if n > 0:
            return self._nth(self._count[offset] + n - 1, start)
        return self._nth(self._count[offset] - self._flags[offset] + n, start)

    def _nth(self, index: int, near: date) -> date:
        if index < 0 or index >= len(self._ordinals):
            raise CalendarError(
                f"working-day arithmetic from {near.isoformat()} runs outside the {self.nation.label} "
                f"calendar ({self.first_day.isoformat()} to {self.last_day.isoformat()})"
            )
        return date.fromordinal(self._ordinals[index])

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`, so that
        `add_working_days(start, working_days_between(start, end))` is the last
        working day on or before `end`. Negative when `end` is before `start`."""
        return self._count[self._offset(end)] - self._count[self._offset(start)]

    def working_days_from(self, first: date, last: date) -> int:
        """Working days in the closed range `first`..`last` (0 if empty); the
        shape FOIA s.10(2) uses for the fee period it disregards."""
        if last < first:
            return 0
        offset = self._offset(first)
        return self._count[self._offset(last)] - self._count[offset] + self._flags[offset]

    def non_working_days_between(self, start: date, end: date) -> list[tuple[date, str]]:
        """Days after `start` up to and including `end` that are not working
        days, each with why: "Saturday", "Sunday" or the bank holiday's name.

        A bank holiday on a weekend is reported as the weekend day: it costs
        nothing extra, and its substitute day is what staff need to see."""
        first = self._offset(start) + 1
        last = self._offset(end)
        out: list[tuple[date, str]] = []
        flags = self._flags
        for offset in range(first, last + 1):
            if flags[offset]:
                continue
            day = date.fromordinal(self._first + offset)
            weekday = day.weekday()
            if weekday == 5:
                out.append((day, "Saturday"))
            elif weekday == 6:
                out.append((day, "Sunday"))
            else:
                out.append((day, self._holidays[day]))
        return out

    def working_days(self, start: date, end: date) -> list[date]:
        """Working days after `start` up to and including `end`."""
        lo = bisect.bisect_right(self._ordinals, start.toordinal())
        hi = bisect.bisect_right(self._ordinals, end.toordinal())
        return [date.fromordinal(o) for o in self._ordinals[lo:hi]]


def _package_holidays(subdivision: str, years: range) -> dict[date, str]:
    source = holidays.country_holidays("GB", subdiv=subdivision, years=years)
    found: dict[date, str] = {day: str(name) for day, name in source.items()}
    for year in years:
        for day, name in _never_working(year).items():
            found.setdefault(day, name)
    return found


def _apply(by_subdivision: dict[str, dict[date, str]], adjustments: Iterable[HolidayAdjustment], years: range) -> None:
    for adjustment in adjustments:
        if adjustment.day.year not in years:
            raise CalendarError(
                f"holiday adjustment for {adjustment.day.isoformat()} is outside the calendar years "
                f"{years.start}-{years.stop - 1}"
            )
        targets = _SUBDIVISIONS[adjustment.nation]
        if adjustment.kind == "add":
            for subdivision in targets:
                by_subdivision[subdivision].setdefault(adjustment.day, adjustment.name)
            continue
        if adjustment.day in _never_working(adjustment.day.year):
            raise CalendarError(
                f"{adjustment.day.isoformat()} ({_never_working(adjustment.day.year)[adjustment.day]}) "
                "is never a working day and cannot be removed"
            )
        removed = [s for s in targets if by_subdivision[s].pop(adjustment.day, None) is not None]
        if not removed:
            raise CalendarError(
                f"{adjustment.day.isoformat()} is not a bank holiday in {adjustment.nation.label}, "
                "so it cannot be removed"
            )


def _nation_holidays(nation: Nation, by_subdivision: Mapping[str, Mapping[date, str]]) -> dict[date, str]:
    if nation is not Nation.UK:
        merged: dict[date, str] = {}
        for subdivision in _SUBDIVISIONS[nation]:
            for day, name in by_subdivision[subdivision].items():
                merged.setdefault(day, name)
        return merged
    # The union names each day and, when it is not UK-wide, where it applies:
    # staff in Bristol need to see *why* 17 March stopped an FOI clock.
    per_place = {place: _nation_holidays(place, by_subdivision) for place in _PLACES}
    days = sorted(set().union(*per_place.values()))
    union: dict[date, str] = {}
    for day in days:
        where: dict[str, list[Nation]] = {}
        for place in _PLACES:
            found = per_place[place].get(day)
            if found is not None:
                where.setdefault(found, []).append(place)
        parts = [
            name if len(places) == len(_PLACES) else f"{name} in {' and '.join(p.label for p in places)}"
            for name, places in where.items()
        ]
        union[day] = "; ".join(parts)
    return union


class CalendarSet:
    """Builds and caches one `WorkingDayCalendar` per nation from the
    `holidays` package and the administrator's adjustments.

    A new set is built when the adjustments change; calendars themselves are
    immutable so a deadline computed against one can always be recomputed."""

    DEFAULT_FIRST_YEAR = 2000
    DEFAULT_LAST_YEAR = 2045

    def __init__(
        self,
        adjustments: Sequence[HolidayAdjustment] = (),
        *,
        first_year: int = DEFAULT_FIRST_YEAR,
        last_year: int = DEFAULT_LAST_YEAR,
    ) -> None:
        if last_year < first_year:
            raise CalendarError("last_year must not be before first_year")
        self.adjustments: tuple[HolidayAdjustment, ...] = tuple(adjustments)
        self.years = range(first_year, last_year + 1)
        by_subdivision = {s: _package_holidays(s, self.years) for s in ("ENG", "WLS", "SCT", "NIR")}
        _apply(by_subdivision, self.adjustments, self.years)
        self._by_subdivision = by_subdivision
        self._calendars: dict[str, WorkingDayCalendar] = {}

    def calendar(self, nation: Nation | str) -> WorkingDayCalendar:
        cached = self._calendars.get(nation)  # a Nation and its value are the same key
        if cached is None:
            nation = parse_nation(nation)
            cached = WorkingDayCalendar(
                nation,
                date(self.years.start, 1, 1),
                date(self.years.stop - 1, 12, 31),
                _nation_holidays(nation, self._by_subdivision),
            )
            self._calendars[nation] = cached
        return cached

    __getitem__ = calendar


def parse_nation(value: Nation | str) -> Nation:
    """Accept the enum, its value ("northern-ireland") or its name."""
    if isinstance(value, Nation):
        return value
    exact = _BY_VALUE.get(value)
    if exact is not None:
        return exact
    text = value.strip().lower().replace("_", "-").replace(" ", "-")
    for nation in Nation:
        if text in (nation.value, nation.name.lower().replace("_", "-")):
            return nation
    raise CalendarError(f"unknown nation {value!r}; expected one of: {', '.join(n.value for n in Nation)}")


_BY_VALUE: Mapping[str, Nation] = {nation.value: nation for nation in Nation}
_DEFAULT: list[CalendarSet] = []


def default_calendars() -> CalendarSet:
    """A shared calendar set with no adjustments (package data only)."""
    if not _DEFAULT:
        _DEFAULT.append(CalendarSet())
    return _DEFAULT[0]
