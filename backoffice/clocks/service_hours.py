"""Service hours: the wall-clock opening times incident targets are measured in.

Targets such as "P2 resolved in 8 hours" mean 8 hours *of service time*:
only time inside the service window (e.g. 08:00-18:30 Mon-Fri, UK time,
closed on bank holidays) counts. The window is defined in local wall-clock
time (Europe/London), so on the last Sunday of March and October the
underlying UTC instants shift by an hour while the opening hours do not.
All instants in and out are timezone-aware; results are returned in UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from backoffice.clocks.calendars import WorkingDayCalendar
from backoffice.clocks.errors import ClockError

__all__ = ["LONDON", "ServiceHours", "require_aware"]

LONDON = ZoneInfo("Europe/London")
_ONE_DAY = timedelta(days=1)
_NO_TIME = timedelta(0)
_MAX_CLOSED_RUN = 60  # days; a longer run of closed days means the hours were misconfigured

Window = tuple[time, time]


def require_aware(value: datetime, what: str) -> datetime:
    """Naive datetimes are ambiguous across the clock changes; refuse them.
    Returns the instant in UTC, where timedelta arithmetic is exact (aware
    arithmetic within one zone is wall-clock arithmetic in Python)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ClockError(f"{what} must be timezone-aware (got naive {value.isoformat()})")
    return value.astimezone(UTC)


@dataclass(frozen=True)
class ServiceHours:
    """Opening hours per weekday (0 = Monday), closed on the bank holidays of
    `calendar`'s nation. Hours on a weekday are one window, opens < closes."""

    calendar: WorkingDayCalendar
    windows: tuple[Window | None, ...]
    zone: ZoneInfo = field(default=LONDON)

    def __post_init__(self) -> None:
        if len(self.windows) != 7:
            raise ClockError("service hours need one entry per weekday, Monday first")
        for window in self.windows:
            if window is not None and not window[0] < window[1]:
                raise ClockError(f"service window {window[0]}-{window[1]} must open before it closes")
        if all(w is None for w in self.windows):
            raise ClockError("service hours must be open on at least one weekday")

    @classmethod
    def weekdays(cls, opens: time, closes: time, calendar: WorkingDayCalendar, zone: ZoneInfo = LONDON) -> ServiceHours:
        """The usual shape: the same window Monday to Friday."""
        return cls(calendar, (*((opens, closes),) * 5, None, None), zone)

    @classmethod
    def from_mapping(
        cls, windows: Mapping[int, Window], calendar: WorkingDayCalendar, zone: ZoneInfo = LONDON
    ) -> ServiceHours:
        return cls(calendar, tuple(windows.get(weekday) for weekday in range(7)), zone)

    @property
    def working_day(self) -> timedelta:
        """The length of one service day, used to turn "2 wd" targets into
        service time: the longest daily window (all the same for Mon-Fri)."""
        return max(
            datetime.combine(date.min, w[1]) - datetime.combine(date.min, w[0]) for w in self.windows if w is not None
        )

    def window_on(self, day: date) -> tuple[datetime, datetime] | None:
        """The service period on a local calendar day as UTC instants, or
        None when closed (weekday without hours, or a bank holiday)."""
        window = self.windows[day.weekday()]
        if window is None or self.calendar.is_bank_holiday(day):
            return None
        opens = datetime.combine(day, window[0], tzinfo=self.zone).astimezone(UTC)
        closes = datetime.combine(day, window[1], tzinfo=self.zone).astimezone(UTC)
        return opens, closes

    def is_open(self, at: datetime) -> bool:
        at = require_aware(at, "instant")
        window = self.window_on(at.astimezone(self.zone).date())
        return window is not None and window[0] <= at < window[1]

    def next_opening(self, at: datetime) -> datetime:
        """`at` itself (in UTC) if the service is open then, otherwise the
        start of the next service period: out-of-hours work starts then."""
        at = require_aware(at, "instant")
        day = at.astimezone(self.zone).date()
        for _ in range(_MAX_CLOSED_RUN):
            window = self.window_on(day)
            if window is not None and at < window[1]:
                return max(at, window[0])
            day += _ONE_DAY
        raise ClockError(f"no service period within {_MAX_CLOSED_RUN} days of {at.isoformat()}")

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Service time between two instants (zero if `end` is not after `start`)."""
        start = require_aware(start, "start")
        end = require_aware(end, "end")
        if end <= start:
            return _NO_TIME
        total = _NO_TIME
        day = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        while day <= last:
            window = self.window_on(day)
            if window is not None:
                overlap = min(end, window[1]) - max(start, window[0])
                if overlap > _NO_TIME:
                    total += overlap
            day += _ONE_DAY
        return total

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant (UTC) at which `duration` of service time has elapsed
        since `start`. A duration ending exactly at closing returns closing
        time, not the next morning's opening."""
        start = require_aware(start, "start")
        if duration < _NO_TIME:
            raise ClockError("cannot add a negative service duration")
        if duration == _NO_TIME:
            return start
        remaining = duration
        day = start.astimezone(self.zone).date()
        closed_run = 0
        while True:
            window = self.window_on(day)
            if window is not None:
                closed_run = 0
                begin = max(start, window[0])
                if begin < window[1]:
                    available = window[1] - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            else:
                closed_run += 1
                if closed_run > _MAX_CLOSED_RUN:
                    raise ClockError(f"no service period within {_MAX_CLOSED_RUN} days of {day.isoformat()}")
            day += _ONE_DAY
