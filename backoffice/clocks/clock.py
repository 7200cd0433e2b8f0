"""Running a clock: rule + calendar + date of receipt + events -> `Deadline`.

This is the one entry point the case core uses (through ``backoffice.deadlines.due_dates``). It validates the history (in
date order, not before receipt, kinds the rule understands) before the rule
sees it, so every rule can assume a well-formed history.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from backoffice.clocks.calendars import CalendarSet, Nation, default_calendars, parse_nation
from backoffice.clocks.deadline import Deadline
from backoffice.clocks.errors import ExtensionError, UnsupportedEventError
from backoffice.clocks.events import ClockEvent, EventKind, check_order
from backoffice.clocks.rule import Rule
from backoffice.clocks.rules import get_rule

__all__ = ["DeadlineEngine"]


class DeadlineEngine:
    """Computes deadlines against one `CalendarSet` (one set of holiday
    adjustments). Cheap to call; build one per set of adjustments and reuse."""

    def __init__(self, calendars: CalendarSet | None = None) -> None:
        self.calendars = calendars if calendars is not None else default_calendars()

    def compute(
        self,
        rule: str | Rule,
        received_on: date,
        events: Iterable[ClockEvent] = (),
        *,
        nation: Nation | str | None = None,
        extension_days: int | None = None,
    ) -> Deadline:
        """The deadline for a request received on `received_on`.

        `nation` is the body's nation; rules whose calendar the law fixes
        (FOI/EIR: UK union, FOISA: Scotland) ignore it. `extension_days` is the
        body's default length for an `add`-style extension (FOI public interest
        test, default 20); an event's own `days` wins over it."""
        chosen = get_rule(rule) if isinstance(rule, str) else rule
        history = tuple(events)
        if extension_days is not None and extension_days < 1:
            raise ExtensionError("extension_days must be a positive number of working days")
        if history:
            check_order(received_on, history)
            for event in history:
                if event.kind is EventKind.EXTENDED and chosen.extension is None:
                    raise ExtensionError(f"{chosen.title} ({chosen.key}) has no extension")
                if event.kind not in chosen.accepts:
                    raise UnsupportedEventError(
                        f"{event.kind.label} does not apply to {chosen.title} ({chosen.key}); it accepts: "
                        f"{', '.join(sorted(k.value for k in chosen.accepts)) or 'no events'}"
                    )
        fixed = chosen.nation
        if fixed is not None:
            calendar = self.calendars.calendar(fixed)
        else:
            calendar = self.calendars.calendar(chosen.calendar_nation(None if nation is None else parse_nation(nation)))

        def narrate() -> list[str]:
            lines: list[str] = []
            chosen.evaluate(
                received_on, history, calendar, extension_days=extension_days, narration=lines, narrate=None
            )
            return lines

        return chosen.evaluate(
            received_on, history, calendar, extension_days=extension_days, narration=None, narrate=narrate
        )
