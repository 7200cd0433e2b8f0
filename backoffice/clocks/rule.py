"""What every deadline rule has in common.

A rule turns a date of receipt and an event history into a `Deadline`. Rules
are pure: given the same calendar and events they always give the same answer,
which is what lets a case show *why* its due date is what it is.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from backoffice.clocks.calendars import Nation, WorkingDayCalendar
from backoffice.clocks.deadline import Deadline
from backoffice.clocks.errors import ClockError, ExtensionError, InvalidSequenceError
from backoffice.clocks.events import ClockEvent, EventKind
from backoffice.clocks.explain import day
from backoffice.clocks.laws import Law

__all__ = ["Extension", "Narration", "Rule", "TimeLimit"]

Narration = list[str] | None
"""Where a rule writes its explanation; None when nobody will read it."""


@dataclass(frozen=True)
class Extension:
    """How a rule may be extended.

    `add`: the due date moves by `days` further working days (FOI public
    interest test; `days` is the default, a body or event may choose another).
    `total`: the whole period becomes `days` working days from receipt (EIR's
    40, an exceptional internal review)."""

    style: Literal["add", "total"]
    days: int
    basis: str


@dataclass(frozen=True)
class TimeLimit:
    """A rule's time limit as a requester is told it: how long (`time`) and what that means (`explanation`).

    Each rule words its own, next to the arithmetic it describes, so a start
    page can never promise a different time from the due date on the case."""

    time: str
    explanation: str


class Rule(ABC):
    """A named way of computing a deadline, selected by case types by `key`."""

    key: str
    title: str
    basis: str
    nation: Nation | None
    """The calendar the law fixes (UK union for FOI/EIR, Scotland for FOISA);
    None where the body's own nation applies (SAR, complaints)."""
    accepts: frozenset[EventKind]
    extension: Extension | None = None
    law: Law | None = None
    """The statute the request is answered under (what may be withheld follows it); None for a
    service standard or a complaints code."""
    statutory: bool = True
    """False where the time is a code or the body's own standard, not a statutory limit: the
    requester is told what the body aims for, not what the law requires."""

    def calendar_nation(self, body_nation: Nation | None) -> Nation:
        if self.nation is not None:
            return self.nation
        if body_nation is None:
            raise ClockError(f"{self.key} is counted on the body's own calendar: say which nation the body is in")
        if body_nation is Nation.UK:
            raise ClockError(f"{self.key} is counted on the body's own nation's calendar, not the UK union")
        return body_nation

    @abstractmethod
    def evaluate(
        self,
        received_on: date,
        events: tuple[ClockEvent, ...],
        calendar: WorkingDayCalendar,
        *,
        extension_days: int | None,
        narration: Narration,
        narrate: Callable[[], list[str]] | None,
    ) -> Deadline:
        """Replay `events` (already checked to be in order and of accepted
        kinds) and return the deadline; append explanation lines to
        `narration` when it is a list."""

    @abstractmethod
    def time_limit(self) -> TimeLimit:
        """The time the requester is given, in words for a public page."""

    def extension_in_words(self, extension_days: int | None) -> str | None:
        """What extending does, in words for staff; None when the rule has no extension.

        `extension_days` is the case type's own length of an `add`-style extension."""
        extension = self.extension
        if extension is None:
            return None
        if extension.style == "add":
            return f"The deadline moves by {extension_days or extension.days} further working days ({extension.basis})."
        return (f"The deadline becomes {extension.days} working days after the request was received "
                f"({extension.basis}).")

    # Shared refusals, worded once so staff see the same message everywhere.

    def _refuse_while_stopped(self, waiting: ClockEvent | None, event: ClockEvent) -> None:
        if waiting is not None:
            raise InvalidSequenceError(
                f"{event.kind.label} on {event.on.isoformat()}: the clock is already stopped by "
                f"{waiting.kind.label} on {waiting.on.isoformat()}"
            )

    def _refuse_after_due(self, due: date, event: ClockEvent) -> None:
        if event.on > due:
            raise InvalidSequenceError(
                f"{event.kind.label} on {event.on.isoformat()} is after the response was due "
                f"({due.isoformat()}); it cannot stop or change an expired clock"
            )

    def _check_extension(
        self, extended: ClockEvent | None, waiting: ClockEvent | None, due: date | None, event: ClockEvent
    ) -> Extension:
        if self.extension is None:
            raise ExtensionError(f"{self.title} ({self.key}) has no extension")
        if extended is not None:
            raise ExtensionError(
                f"{self.key} was already extended on {extended.on.isoformat()}; it can be extended only once"
            )
        if waiting is not None or due is None:
            raise ExtensionError(
                f"cannot extend on {event.on.isoformat()} while the clock is stopped "
                f"({waiting.kind.label if waiting else 'stopped'})"
            )
        if event.on > due:
            raise ExtensionError(f"extension on {event.on.isoformat()} is too late: the response was due on {day(due)}")
        if not (event.reason or "").strip():
            raise ExtensionError("an extension needs a reason; it must be given to the requester")
        if self.extension.style == "total" and event.days is not None and event.days != self.extension.days:
            raise ExtensionError(
                f"{self.key} extension is fixed at {self.extension.days} working days ({self.extension.basis})"
            )
        return self.extension

    def _unmatched(self, event: ClockEvent, expected: EventKind, waiting: ClockEvent | None) -> InvalidSequenceError:
        found = f"the clock is stopped by {waiting.kind.label}" if waiting else "nothing was outstanding"
        return InvalidSequenceError(
            f"{event.kind.label} on {event.on.isoformat()} without a {expected.label} before it ({found})"
        )
