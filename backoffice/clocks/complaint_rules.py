"""Complaint-handling stages under the Ombudsman complaint-handling codes.

Each stage has two clocks: acknowledge within 5 working days of receipt, and
respond within N working days *of the acknowledgement*. The codes count the
response from the acknowledgement actually sent; until one is recorded we
count from the acknowledgement due date, the latest the body could acknowledge
within the code, so the response date shown never relies on an acknowledgement
that has not happened.

Each stage may be extended once, by a set number of further working days, when
the complaint needs it and the complainant is told why (the codes' "must not
exceed a further 10 working days" at stage 1 and 20 at stage 2 without good
reason): the extension is counted onto that stage's response date only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from backoffice.clocks.calendars import WorkingDayCalendar
from backoffice.clocks.deadline import Deadline
from backoffice.clocks.errors import InvalidSequenceError
from backoffice.clocks.events import ClockEvent, EventKind
from backoffice.clocks.explain import day, plural, skipped_days
from backoffice.clocks.rule import Extension, Narration, Rule, TimeLimit

__all__ = ["ComplaintStageRule"]


class ComplaintStageRule(Rule):
    """Acknowledge within `acknowledge_days`, respond within `respond_days` of
    the acknowledgement; counted on the body's nation's calendar."""

    def __init__(self, key: str, title: str, *, acknowledge_days: int = 5, respond_days: int,
                 extension_days: int | None = None) -> None:
        self.key = key
        self.title = title
        self.basis = "Ombudsman complaint handling code"
        self.nation = None
        self.acknowledge_days = acknowledge_days
        self.respond_days = respond_days
        self.extension = (Extension("add", extension_days, "complaint handling code: a further "
                                    f"{plural(extension_days, 'working day')} with the complainant told why")
                          if extension_days else None)
        self.statutory = False  # a code the Ombudsman publishes, not an Act's time limit
        self.accepts = frozenset({EventKind.ACKNOWLEDGED} | ({EventKind.EXTENDED} if extension_days else set()))

    def time_limit(self) -> TimeLimit:
        return TimeLimit(plural(self.acknowledge_days + self.respond_days, "working day"),
                         f"We will acknowledge your complaint within {plural(self.acknowledge_days, 'working day')} "
                         f"and reply within {plural(self.respond_days, 'working day')} after that.")

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
        acknowledge_by = calendar.add_working_days(received_on, self.acknowledge_days)
        acknowledged: ClockEvent | None = None
        extended: ClockEvent | None = None
        extra = 0
        for event in events:
            if event.kind is EventKind.EXTENDED:
                current = calendar.add_working_days(acknowledged.on if acknowledged else acknowledge_by,
                                                    self.respond_days + extra)
                extension = self._check_extension(extended, None, current, event)
                extended = event
                extra = event.days or extension_days or extension.days
                continue
            if acknowledged is not None:
                raise InvalidSequenceError(
                    f"acknowledged again on {event.on.isoformat()}; already acknowledged on "
                    f"{acknowledged.on.isoformat()}"
                )
            acknowledged = event
        basis = acknowledged.on if acknowledged else acknowledge_by
        due = calendar.add_working_days(basis, self.respond_days + extra)
        if narration is not None:
            narration.append(
                f"{self.title} ({self.basis}): acknowledge within {plural(self.acknowledge_days, 'working day')}, "
                f"respond within {plural(self.respond_days, 'working day')} of the acknowledgement, "
                f"on the {calendar.nation.label} calendar."
            )
            narration.append(f"Received {day(received_on)}; acknowledgement due {day(acknowledge_by)}.")
            if acknowledged is None:
                narration.append("Not yet acknowledged: the response is counted from the acknowledgement due date.")
            else:
                late = calendar.working_days_between(acknowledge_by, acknowledged.on)
                note = f", {plural(late, 'working day')} late" if late > 0 else ""
                narration.append(f"Acknowledged {day(acknowledged.on)}{note}.")
            if extended is not None:
                narration.append(f"Extended {day(extended.on)}: {plural(extra, 'further working day')}; "
                                 f"reason: {extended.reason}.")
            narration.extend(skipped_days(calendar, basis, due, self.respond_days + extra))
            narration.append(f"Response due {day(due)}.")
        return Deadline(
            self.key,
            calendar.nation,
            received_on,
            received_on,
            due,
            acknowledge_by=acknowledge_by,
            acknowledged_on=acknowledged.on if acknowledged else None,
            extended=extended is not None,
            _narrate=narrate,
        )
