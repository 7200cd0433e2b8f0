"""The vocabulary of things that happen to a statutory clock.

A clock is never edited: it is recomputed from the date of receipt and the
ordered list of these events, so every due date can be replayed and explained.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from backoffice.clocks.errors import ClockError, EventOrderError

__all__ = ["ClockEvent", "EventKind", "check_order"]


class EventKind(StrEnum):
    """What happened. Which kinds a rule accepts, and what they do to it, is
    the rule's business (a fee pauses FOI but restarts a SAR)."""

    FEE_REQUESTED = "fee_requested"
    FEE_PAID = "fee_paid"
    CLARIFICATION_REQUESTED = "clarification_requested"
    CLARIFICATION_RECEIVED = "clarification_received"
    IDENTITY_REQUESTED = "identity_requested"
    IDENTITY_RECEIVED = "identity_received"
    PAUSED = "paused"
    RESUMED = "resumed"
    EXTENDED = "extended"
    ACKNOWLEDGED = "acknowledged"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


@dataclass(frozen=True)
class ClockEvent:
    """One dated event. `reason` is shown to staff (and required where the law
    expects one, e.g. an extension); `days` overrides an extension's length."""

    kind: EventKind
    on: date
    reason: str | None = None
    days: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.kind, EventKind):
            object.__setattr__(self, "kind", parse_kind(str(self.kind)))
        if self.days is not None and self.days < 1:
            raise ClockError(f"{self.kind.label} on {self.on.isoformat()}: days must be a positive number")

    @classmethod
    def parse(cls, text: str) -> ClockEvent:
        """Parse `KIND:YYYY-MM-DD[:reason]` as typed on the command line."""
        parts = text.split(":", 2)
        if len(parts) < 2:
            raise ClockError(f"event {text!r} must look like KIND:YYYY-MM-DD[:reason]")
        kind = parse_kind(parts[0])
        try:
            on = date.fromisoformat(parts[1].strip())
        except ValueError:
            raise ClockError(f"event {text!r}: {parts[1]!r} is not a date (YYYY-MM-DD)") from None
        reason = parts[2].strip() if len(parts) == 3 and parts[2].strip() else None
        return cls(kind, on, reason)


def parse_kind(text: str) -> EventKind:
    value = text.strip().lower().replace("-", "_")
    try:
        return EventKind(value)
    except ValueError:
        known = ", ".join(k.value for k in EventKind)
        raise ClockError(f"unknown event kind {text!r}; expected one of: {known}") from None


def check_order(received_on: date, events: tuple[ClockEvent, ...]) -> None:
    """Refuse histories that cannot be replayed: events before receipt or out of
    date order (same-day events keep the order given)."""
    previous = received_on
    for event in events:
        if event.on < received_on:
            raise EventOrderError(
                f"{event.kind.label} on {event.on.isoformat()} is before the request was received "
                f"({received_on.isoformat()})"
            )
        if event.on < previous:
            raise EventOrderError(
                f"{event.kind.label} on {event.on.isoformat()} is listed after an event on "
                f"{previous.isoformat()}; events must be in date order"
            )
        previous = event.on
