"""Deadlines counted in calendar months: subject access requests.

UK GDPR art. 12(3) gives one month, read (as the ICO does) as the
corresponding calendar date of the next month; where that date does not exist
(31 January) the last day of that month; and where the date is not a working
day in the controller's nation, the next working day. An extension of two
further months makes it three months from the start by the same rule.

Art. 12A (in force 5 February 2026) fixes the start and allows the clock to
be stopped. Our reading, which the tests pin down:

- identity evidence and a permitted fee *set the start*: the clock starts on
  the latest of receipt, identity evidence received and fee paid, and runs a
  full month from there (art. 12A(2)). While waiting for them the clock has
  not started, so there is no due date.
- clarification (and a generic `paused`/`resumed`) *stops* the clock on the
  day it is sought; the calendar days of the month still left at that moment
  are added to the day the answer arrives, and the next-working-day rule is
  applied to the result. "Left" is measured to the unrolled month-end: the
  roll past a weekend is a consequence of where the period happens to end,
  not time the controller is owed, and the roll is re-applied at the end.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable
from datetime import date, timedelta

from backoffice.clocks.calendars import WorkingDayCalendar
from backoffice.clocks.deadline import Deadline
from backoffice.clocks.errors import InvalidSequenceError
from backoffice.clocks.events import ClockEvent, EventKind
from backoffice.clocks.explain import day, number, plural
from backoffice.clocks.laws import Law
from backoffice.clocks.rule import Extension, Narration, Rule, TimeLimit

__all__ = ["SubjectAccessRule", "add_months"]

_STARTS = {EventKind.IDENTITY_REQUESTED: EventKind.IDENTITY_RECEIVED, EventKind.FEE_REQUESTED: EventKind.FEE_PAID}
_STOPS = {EventKind.CLARIFICATION_REQUESTED: EventKind.CLARIFICATION_RECEIVED, EventKind.PAUSED: EventKind.RESUMED}
_START_WORDS = {EventKind.IDENTITY_RECEIVED: "identity evidence", EventKind.FEE_PAID: "fee"}


def add_months(start: date, months: int) -> date:
    """The corresponding date `months` later, or the last day of that month
    when it has no such date (31 Jan + 1 month = 28 or 29 Feb)."""
    year, month0 = divmod(start.month - 1 + months, 12)
    year += start.year
    return date(year, month0 + 1, min(start.day, monthrange(year, month0 + 1)[1]))


class SubjectAccessRule(Rule):
    """One month (three when extended) by the corresponding-date rule."""

    def __init__(self, key: str = "sar", months: int = 1, extended_months: int = 3) -> None:
        self.key = key
        self.title = "Subject access request"
        self.basis = "UK GDPR art. 12(3) and 12A"
        self.nation = None
        self.law = Law.UK_GDPR
        self.months = months
        self.extension = Extension("total", extended_months, "UK GDPR art. 12(3): complex or numerous requests")
        self.accepts = frozenset({*_STARTS, *_STARTS.values(), *_STOPS, *_STOPS.values(), EventKind.EXTENDED})

    def time_limit(self) -> TimeLimit:
        time = f"{number(self.months)} month{'s' if self.months != 1 else ''}"
        more = self._further_months()
        return TimeLimit(time, f"We have {time} from the day we receive your request and your proof of identity. "
                               f"If your request is complex we can extend this by up to {number(more)} more months; "
                               "we will tell you within the first month.")

    def extension_in_words(self, extension_days: int | None) -> str | None:
        """Months, not working days: the whole period becomes `extension.days` months from the start."""
        if self.extension is None:
            return None
        return (f"The deadline becomes {number(self.extension.days)} months from the start: "
                f"{number(self._further_months())} further months ({self.extension.basis}).")

    def _further_months(self) -> int:
        return (self.extension.days if self.extension else self.months) - self.months

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
        if narration is not None:
            narration.append(
                f"{self.title} ({self.basis}): one month from the start to the corresponding date "
                "(the last day of the month if there is none), then the next working day "
                f"in {calendar.nation.label}."
            )
            narration.append(f"Received {day(received_on)}.")
        if not events:
            month_end = add_months(received_on, self.months)
            due = calendar.next_working_day(month_end)
            if narration is not None:
                self._narrate_end(narration, calendar, received_on, self.months, month_end, 0, due)
            return Deadline(self.key, calendar.nation, received_on, received_on, due, _narrate=narrate)

        start = received_on
        months = self.months
        shift = 0  # calendar days the month-end has moved because the clock was stopped
        waiting: ClockEvent | None = None
        extended: ClockEvent | None = None
        for event in events:
            kind = event.kind
            month_end = add_months(start, months) + timedelta(days=shift)
            if kind in _STARTS or kind in _STOPS:
                self._refuse_while_stopped(waiting, event)
                self._refuse_after_due(calendar.next_working_day(month_end), event)
                waiting = event
                if narration is not None and kind in _STOPS:
                    left = max((month_end - event.on).days, 0)
                    narration.append(
                        f"{kind.label.capitalize()} {day(event.on)}"
                        f"{': ' + event.reason if event.reason else ''}; the clock stops with "
                        f"{plural(left, 'calendar day')} of the period left."
                    )
            elif kind in _STARTS.values():
                if waiting is None or _STARTS.get(waiting.kind) is not kind:
                    expected = (
                        EventKind.IDENTITY_REQUESTED if kind is EventKind.IDENTITY_RECEIVED else EventKind.FEE_REQUESTED
                    )
                    raise self._unmatched(event, expected, waiting)
                if narration is not None:
                    narration.append(
                        f"{_START_WORDS[kind].capitalize()} requested {day(waiting.on)}, received {day(event.on)}: "
                        f"the clock starts on {day(event.on)} (art. 12A: the latest of request, identity and fee)."
                    )
                start = event.on
                shift = 0
                waiting = None
            elif kind in _STOPS.values():
                if waiting is None or _STOPS.get(waiting.kind) is not kind:
                    expected = EventKind.PAUSED if kind is EventKind.RESUMED else EventKind.CLARIFICATION_REQUESTED
                    raise self._unmatched(event, expected, waiting)
                left = max((month_end - waiting.on).days, 0)
                new_end = event.on + timedelta(days=left)
                shift += (new_end - month_end).days
                if narration is not None:
                    narration.append(
                        f"{kind.label.capitalize()} {day(event.on)}: the clock restarts; "
                        f"{plural(left, 'calendar day')} left runs to {day(new_end)}."
                    )
                waiting = None
            elif kind is EventKind.EXTENDED:
                current = None if waiting else calendar.next_working_day(month_end)
                extension = self._check_extension(extended, waiting, current, event)
                extended = event
                months = extension.days
                if narration is not None:
                    narration.append(
                        f"Extended {day(event.on)} by two further months ({extension.basis}); reason: {event.reason}."
                    )
            else:  # pragma: no cover - the engine filters kinds by `accepts`
                raise InvalidSequenceError(f"{kind.label} is not part of a subject access request")

        if waiting is not None:
            if narration is not None:
                if waiting.kind in _STARTS:
                    narration.append(
                        f"Waiting since {day(waiting.on)} ({waiting.kind.label}): the clock starts when the "
                        f"{_START_WORDS[_STARTS[waiting.kind]]} arrives, so there is no due date yet."
                    )
                else:
                    narration.append(
                        f"The clock is stopped since {day(waiting.on)} ({waiting.kind.label}); "
                        f"no due date until {_STOPS[waiting.kind].label}."
                    )
            return Deadline(
                self.key,
                calendar.nation,
                received_on,
                start,
                None,
                shift,
                waiting.on,
                extended is not None,
                _narrate=narrate,
            )
        month_end = add_months(start, months) + timedelta(days=shift)
        due = calendar.next_working_day(month_end)
        if narration is not None:
            self._narrate_end(narration, calendar, start, months, month_end, shift, due)
        return Deadline(
            self.key, calendar.nation, received_on, start, due, shift, None, extended is not None, _narrate=narrate
        )

    def _narrate_end(
        self,
        narration: list[str],
        calendar: WorkingDayCalendar,
        start: date,
        months: int,
        month_end: date,
        shift: int,
        due: date,
    ) -> None:
        corresponding = add_months(start, months)
        line = f"The clock starts {day(start)}; {plural(months, 'month')} later is {day(corresponding)}"
        if corresponding.day != start.day:
            line += f" (there is no {start.day} {corresponding:%b}, so the last day of the month)"
        if shift:
            line += f", plus {plural(shift, 'calendar day')} stopped: {day(month_end)}"
        narration.append(line + ".")
        if due != month_end:
            skipped = calendar.non_working_days_between(month_end - timedelta(days=1), due - timedelta(days=1))
            why = "; ".join(f"{d:%a} {d.day} {d:%b}: {reason}" for d, reason in skipped)
            narration.append(
                f"{day(month_end)} is not a working day in {calendar.nation.label} ({why}), so the next working day."
            )
        narration.append(f"Due {day(due)}.")
