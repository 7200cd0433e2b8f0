"""Deadlines counted in working days: FOI, FOISA, EIR and internal reviews.

"The twentieth working day following the date of receipt": the date of
receipt is the calendar day the request arrived (weekend included) and is
never itself counted, so day 1 is the next working day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from backoffice.clocks.calendars import Nation, WorkingDayCalendar
from backoffice.clocks.deadline import Deadline
from backoffice.clocks.events import ClockEvent, EventKind
from backoffice.clocks.explain import calendar_phrase, day, plural, skipped_days
from backoffice.clocks.laws import Law
from backoffice.clocks.rule import Extension, Narration, Rule, TimeLimit

__all__ = ["WorkingDayRule"]

_ONE_DAY = timedelta(days=1)
_REGULATOR_EXPECTS = 20


class WorkingDayRule(Rule):
    """N working days after receipt, with the FOI family's optional events.

    - fee notice → fee received: the working days from the notice to the
      payment, both included, are disregarded (FOIA s.10(2)), so the due date
      moves by exactly the working days waited;
    - clarification sought → received: the clarification day becomes the
      date of receipt and the count starts again (FOIA s.1(3));
    - extension: see `Extension`.

    `law` is the statute it answers under; `statutory=False` marks a code of
    practice or the body's own standard, which the requester is told it aims for.
    """

    def __init__(
        self,
        key: str,
        title: str,
        basis: str,
        nation: Nation | None,
        *,
        days: int = 20,
        fee_basis: str | None = None,
        clarification_basis: str | None = None,
        extension: Extension | None = None,
        law: Law | None = None,
        statutory: bool = True,
    ) -> None:
        self.key = key
        self.title = title
        self.basis = basis
        self.nation = nation
        self.days = days
        self.fee_basis = fee_basis
        self.clarification_basis = clarification_basis
        self.extension = extension
        self.law = law
        self.statutory = statutory
        accepts = {EventKind.EXTENDED}
        if fee_basis:
            accepts |= {EventKind.FEE_REQUESTED, EventKind.FEE_PAID}
        if clarification_basis:
            accepts |= {EventKind.CLARIFICATION_REQUESTED, EventKind.CLARIFICATION_RECEIVED}
        self.accepts = frozenset(accepts)

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
        days = self.days
        if not events:  # the common case, kept lean: one index look-up
            due = calendar.add_working_days(received_on, days)
            if narration is not None:
                self._narrate_start(narration, received_on, calendar)
                narration.extend(skipped_days(calendar, received_on, due, days))
                narration.append(f"Due {day(due)}.")
            return Deadline(self.key, calendar.nation, received_on, received_on, due, _narrate=narrate)

        receipt = received_on
        waited = 0
        waiting: ClockEvent | None = None
        extended: ClockEvent | None = None
        if narration is not None:
            self._narrate_start(narration, received_on, calendar)
        for event in events:
            kind = event.kind
            if kind is EventKind.FEE_REQUESTED or kind is EventKind.CLARIFICATION_REQUESTED:
                self._refuse_while_stopped(waiting, event)
                self._refuse_after_due(calendar.add_working_days(receipt, days + waited), event)
                waiting = event
            elif kind is EventKind.FEE_PAID:
                if waiting is None or waiting.kind is not EventKind.FEE_REQUESTED:
                    raise self._unmatched(event, EventKind.FEE_REQUESTED, waiting)
                first = max(waiting.on, receipt + _ONE_DAY)
                paused = calendar.working_days_from(first, event.on)
                waited += paused
                if narration is not None:
                    narration.append(
                        f"Fee notice {day(waiting.on)}, fee received {day(event.on)}: "
                        f"{plural(paused, 'working day')} waiting for the fee not counted ({self.fee_basis})."
                    )
                waiting = None
            elif kind is EventKind.CLARIFICATION_RECEIVED:
                if waiting is None or waiting.kind is not EventKind.CLARIFICATION_REQUESTED:
                    raise self._unmatched(event, EventKind.CLARIFICATION_REQUESTED, waiting)
                if narration is not None:
                    narration.append(
                        f"Clarification sought {day(waiting.on)} and received {day(event.on)}: "
                        f"the date of receipt becomes {day(event.on)} ({self.clarification_basis})."
                    )
                receipt = event.on
                waited = 0
                waiting = None
            elif kind is EventKind.EXTENDED:
                current = None if waiting else calendar.add_working_days(receipt, days + waited)
                extension = self._check_extension(extended, waiting, current, event)
                extended = event
                if extension.style == "total":
                    days = extension.days
                    wording = f"the limit becomes {extension.days} working days from receipt"
                else:
                    extra = event.days or extension_days or extension.days
                    days += extra
                    wording = f"{plural(extra, 'further working day')}"
                    if extra > _REGULATOR_EXPECTS and narration is not None:
                        wording += f" (more than the {_REGULATOR_EXPECTS} the regulator expects)"
                if narration is not None:
                    narration.append(
                        f"Extended {day(event.on)}: {wording} ({extension.basis}); reason: {event.reason}."
                    )

        if waiting is not None:
            if narration is not None:
                narration.append(
                    f"Clock stopped since {day(waiting.on)} ({waiting.kind.label}); no due date until it restarts."
                )
            return Deadline(
                self.key,
                calendar.nation,
                received_on,
                receipt,
                None,
                waited,
                waiting.on,
                extended is not None,
                _narrate=narrate,
            )
        due = calendar.add_working_days(receipt, days + waited)
        if narration is not None:
            narration.extend(skipped_days(calendar, receipt, due, days + waited))
            if waited:
                narration.append(f"That is {days} working days plus {plural(waited, 'working day')} waiting for a fee.")
            narration.append(f"Due {day(due)}.")
        return Deadline(
            self.key,
            calendar.nation,
            received_on,
            receipt,
            due,
            waited,
            None,
            extended is not None,
            _narrate=narrate,
        )

    def time_limit(self) -> TimeLimit:
        days = plural(self.days, "working day")
        if not self.statutory:
            return TimeLimit(days, f"We aim to reply within {days}, not counting weekends and bank holidays.")
        extra = ""
        if self.extension is not None and self.extension.style == "add":
            extra = " If we need more time to consider the public interest, we will tell you before then."
        elif self.extension is not None:
            extra = (f" If your request is complex and large, we can take up to "
                     f"{plural(self.extension.days, 'working day')}; we will tell you.")
        return TimeLimit(days, f"By law we must reply within {days} of receiving your request, "
                               f"not counting weekends and bank holidays.{extra}")

    def _narrate_start(self, narration: list[str], received_on: date, calendar: WorkingDayCalendar) -> None:
        narration.append(
            f"{self.title} ({self.basis}): {self.days} working days following the date of receipt, "
            f"on {calendar_phrase(calendar)}."
        )
        if calendar.is_working_day(received_on):
            narration.append(f"Received {day(received_on)}; the date of receipt is not counted.")
        else:
            why = f"{received_on:%A}" if received_on.weekday() >= 5 else calendar.holiday_name(received_on)
            first = calendar.next_working_day(received_on)
            narration.append(f"Received {day(received_on)}, not a working day ({why}); day 1 is {day(first)}.")
