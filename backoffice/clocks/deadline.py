"""The result of running a clock: a due date and how it was reached."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from backoffice.clocks.calendars import Nation

__all__ = ["Deadline"]


@dataclass(frozen=True)
class Deadline:
    """A computed deadline. Never edited: recompute it from the events instead.

    `due_on` is None while the clock is stopped with no end in sight (waiting
    for a fee, identity evidence or clarification); `paused_since` then says
    since when. `paused_days` is in the rule's own unit: working days
    disregarded for FOI/FOISA fees, calendar days stopped for a SAR.

    `explanation` is produced on first access by replaying the same events
    with narration switched on, so listing thousands of cases does not pay
    for prose nobody reads, and the prose can never disagree with the date.
    """

    rule: str
    nation: Nation
    received_on: date
    start_on: date
    due_on: date | None
    paused_days: int = 0
    paused_since: date | None = None
    extended: bool = False
    acknowledge_by: date | None = None
    acknowledged_on: date | None = None
    _narrate: Callable[[], list[str]] | None = field(default=None, repr=False, compare=False)

    @property
    def is_stopped(self) -> bool:
        return self.due_on is None

    @cached_property
    def explanation(self) -> list[str]:
        """Plain-English lines for staff: the start used, each event and the
        days not counted and why."""
        return [] if self._narrate is None else self._narrate()
