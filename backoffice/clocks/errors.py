"""Domain errors raised by the deadline engine.

Every error is a `ClockError` so the case core can map the whole family to one
kind of HTTP problem; the subclasses exist so it can pick a precise title and
so tests can assert *why* a request was refused, not only that it was.
"""

from __future__ import annotations


class ClockError(Exception):
    """A clock or calendar cannot be computed from what it was given."""


class CalendarError(ClockError):
    """A calendar was asked about a day it does not cover, or was given an
    adjustment that would make it wrong (e.g. making Christmas Day a working day)."""


class UnknownRuleError(ClockError):
    """No statutory or service rule is registered under the given key."""


class EventOrderError(ClockError):
    """Events are dated before the clock started or are not in date order.

    Clocks are recomputed from their event history, so a history that is out of
    order cannot be replayed and is refused rather than silently sorted."""


class InvalidSequenceError(ClockError):
    """An event does not make sense after the events before it (a fee paid
    with no fee notice, a resume without a pause, a second pause while waiting)."""


class UnsupportedEventError(ClockError):
    """The rule has no meaning for this kind of event (e.g. a fee on a SAR
    complaint stage)."""


class ExtensionError(ClockError):
    """An extension was refused: the rule has none, the clock was already
    extended, or the extension came after the response was already due."""
