"""The incident clock for the public services (Capture, Secure Share,
Disclosure Log).

Rules (service definition): the clock starts when the incident is received,
or at the next service period if it arrives out of hours; it pauses while
awaiting the customer; it stops when the user is told it is resolved (a
workaround counts). Only service time counts.

Working-day targets ("2 wd", "50 wd") are read as that many *service days of
time*: 2 wd = 2 x the length of a service day (`ServiceHours.working_day`), so
an incident received at 10:00 on Monday with a 2 wd target in 08:00-18:30
hours is due at 10:00 on Wednesday. We chose this over "the end of the nth
working day" because it treats an incident received at 17:55 the same as one
received at 08:05, measures every target in one unit (service time), and is
what "elapsed service hours" means for the hour targets too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from backoffice.clocks.errors import ClockError, EventOrderError, InvalidSequenceError
from backoffice.clocks.service_hours import ServiceHours, require_aware

__all__ = ["IncidentClock", "IncidentEvent", "IncidentEventKind", "ServiceTarget", "TargetAssessment"]

_NO_TIME = timedelta(0)
_TARGET = re.compile(r"^\s*(\d+)\s*(h|hours?|wd|working[ _-]?days?)\s*$", re.IGNORECASE)


class IncidentEventKind(StrEnum):
    AWAITING_CUSTOMER = "awaiting_customer"
    CUSTOMER_RESPONDED = "customer_responded"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class IncidentEvent:
    kind: IncidentEventKind
    at: datetime

    def __post_init__(self) -> None:
        if not isinstance(self.kind, IncidentEventKind):
            object.__setattr__(self, "kind", IncidentEventKind(str(self.kind)))
        require_aware(self.at, f"{self.kind.value} time")


@dataclass(frozen=True)
class ServiceTarget:
    """A response or resolve target: `amount` hours or working days of service time."""

    amount: int
    unit: Literal["hours", "working_days"]

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ClockError("a service target cannot be negative")
        if self.unit not in ("hours", "working_days"):
            raise ClockError(f"service target unit must be hours or working_days, not {self.unit!r}")

    @classmethod
    def parse(cls, text: str) -> ServiceTarget:
        """`4h`, `8 hours`, `2wd`, `50 working days`."""
        match = _TARGET.match(text)
        if match is None:
            raise ClockError(f"service target {text!r} must look like '4h' or '2wd'")
        unit: Literal["hours", "working_days"] = "hours" if match[2].lower().startswith("h") else "working_days"
        return cls(int(match[1]), unit)

    def duration(self, hours: ServiceHours) -> timedelta:
        if self.unit == "hours":
            return timedelta(hours=self.amount)
        return self.amount * hours.working_day

    def __str__(self) -> str:
        return f"{self.amount}h" if self.unit == "hours" else f"{self.amount}wd"


@dataclass(frozen=True)
class TargetAssessment:
    """How an incident stands against one target.

    `outcome` is "met" (stopped within target), "breached" (more service time
    than the target has elapsed, whether or not it is resolved yet) or
    "open" (still running or paused, not yet over). Measured in service time:
    resolving out of hours after a target that fell due at closing is only a
    breach if service time beyond the target elapsed."""

    target: ServiceTarget
    due_at: datetime | None
    elapsed: timedelta
    remaining: timedelta
    outcome: Literal["met", "breached", "open"]

    @property
    def met(self) -> bool:
        return self.outcome == "met"

    @property
    def breached(self) -> bool:
        return self.outcome == "breached"


@dataclass(frozen=True)
class IncidentClock:
    """An incident's service-time clock, computed from its received time and events."""

    hours: ServiceHours
    received_at: datetime
    started_at: datetime
    paused: tuple[tuple[datetime, datetime | None], ...]
    stopped_at: datetime | None

    @classmethod
    def compute(cls, hours: ServiceHours, received_at: datetime, events: Iterable[IncidentEvent] = ()) -> IncidentClock:
        received = require_aware(received_at, "received time")
        paused: list[tuple[datetime, datetime | None]] = []
        pause_from: datetime | None = None
        stopped: datetime | None = None
        previous = received
        for event in events:
            at = require_aware(event.at, f"{event.kind.value} time")
            if at < previous:
                raise EventOrderError(
                    f"{event.kind.value} at {at.isoformat()} is before {previous.isoformat()}; "
                    "incident events must be in time order, after the incident was received"
                )
            previous = at
            if stopped is not None:
                raise InvalidSequenceError(f"{event.kind.value} at {at.isoformat()} after the incident was resolved")
            if event.kind is IncidentEventKind.AWAITING_CUSTOMER:
                if pause_from is not None:
                    raise InvalidSequenceError(f"already awaiting the customer since {pause_from.isoformat()}")
                pause_from = at
            elif event.kind is IncidentEventKind.CUSTOMER_RESPONDED:
                if pause_from is None:
                    raise InvalidSequenceError(
                        f"customer responded at {at.isoformat()} but the incident was not awaiting the customer"
                    )
                paused.append((pause_from, at))
                pause_from = None
            else:
                if pause_from is not None:  # resolving ends the wait too
                    paused.append((pause_from, at))
                    pause_from = None
                stopped = at
        if pause_from is not None:
            paused.append((pause_from, None))
        return cls(hours, received, hours.next_opening(received), tuple(paused), stopped)

    @property
    def is_paused(self) -> bool:
        return bool(self.paused) and self.paused[-1][1] is None

    def elapsed(self, as_of: datetime | None = None) -> timedelta:
        """Service time counted so far: up to resolution, or up to `as_of`
        (required while the incident is open)."""
        end = self._end(as_of)
        total = self.hours.elapsed(self.started_at, end)
        for begin, finish in self.paused:
            total -= self.hours.elapsed(max(begin, self.started_at), min(finish or end, end))
        return total

    def due_at(self, target: ServiceTarget) -> datetime | None:
        """When the target falls due (UTC), or None while paused before it
        is reached: a wait of unknown length makes the instant unknown."""
        remaining = target.duration(self.hours)
        cursor = self.started_at
        for begin, finish in self.paused:
            if begin > cursor:
                run = self.hours.elapsed(cursor, begin)
                if run >= remaining:
                    return self.hours.add(cursor, remaining)
                remaining -= run
            if finish is None:
                return None
            cursor = max(cursor, finish)
        return self.hours.add(cursor, remaining)

    def assess(self, target: ServiceTarget, as_of: datetime | None = None) -> TargetAssessment:
        elapsed = self.elapsed(as_of)
        limit = target.duration(self.hours)
        outcome: Literal["met", "breached", "open"]
        if elapsed > limit:
            outcome = "breached"
        elif self.stopped_at is not None:
            outcome = "met"
        else:
            outcome = "open"
        return TargetAssessment(target, self.due_at(target), elapsed, max(limit - elapsed, _NO_TIME), outcome)

    def _end(self, as_of: datetime | None) -> datetime:
        if as_of is None:
            if self.stopped_at is None:
                raise ClockError("the incident is still open: give the instant to measure to (as_of)")
            return self.stopped_at
        moment = require_aware(as_of, "as_of")
        return moment if self.stopped_at is None else min(moment, self.stopped_at)
