"""Times as people and systems give them: an instant with its offset (the API) or a London wall-clock time
(the staff forms), each refused when it cannot mean one moment, or a moment an incident can have.

A London time in the hour the clocks skip (last Sunday of March, 1:00am to 2:00am) never happened, and one
in the hour they repeat (last Sunday of October) happened twice: both are refused with a way out rather
than guessed, since a guess moves a deadline by an hour.
"""

from __future__ import annotations

import datetime as dt

from backoffice.clocks.service_hours import LONDON
from shared.db import utcnow
from shared.errors import InvalidInput

#: Incidents are clocked on the bank-holiday calendars, which begin in 2000.
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
#: A client's clock a little ahead of ours is not a time in the future.
SKEW = dt.timedelta(minutes=2)


def _check(moment: dt.datetime, field: str, now: dt.datetime | None) -> dt.datetime:
    moment = moment.astimezone(dt.UTC).replace(microsecond=0)
    if moment < EARLIEST:
        raise InvalidInput("Enter a time from 2000 onwards", {field: "The time must be in 2000 or later"})
    if moment > (now or utcnow()) + SKEW:
        raise InvalidInput("The time cannot be in the future", {field: "The time must be now or in the past"})
    return moment


def parse_instant(value: object, field: str, now: dt.datetime | None = None) -> dt.datetime:
    """An ISO 8601 date and time with its offset (``2026-12-03T10:15:00Z``), in UTC to the second."""
    message = "Enter the time as an ISO 8601 date and time with its offset, like 2026-12-03T10:15:00Z"
    if not isinstance(value, str) or len(value) > 40:
        raise InvalidInput(message, {field: message})
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(message, {field: message}) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(message, {field: "Give the time's offset (Z or +01:00): a time without one is ambiguous"})
    return _check(moment, field, now)


def parse_london(day: str, clock: str, field: str, now: dt.datetime | None = None) -> dt.datetime:
    """A date (YYYY-MM-DD or D/M/YYYY) and a 24-hour time (HH:MM) in London, as a UTC instant."""
    try:
        date = _date(day.strip())
        hour, minute = (int(part) for part in clock.strip().split(":"))
        local = dt.datetime.combine(date, dt.time(hour, minute))
    except (ValueError, TypeError):
        raise InvalidInput("Enter a real date and time", {field: "Enter a real date and a time like 14:30"}) from None
    first = local.replace(tzinfo=LONDON, fold=0)
    second = local.replace(tzinfo=LONDON, fold=1)
    if first.utcoffset() != second.utcoffset():
        back = first.astimezone(dt.UTC).astimezone(LONDON).replace(tzinfo=None)
        if back != local:
            raise InvalidInput("That time did not happen in the UK", {
                field: f"{clock} on {date:%-d %B %Y} did not happen: the clocks went forward an hour at 1:00am"})
        raise InvalidInput("That time happened twice in the UK", {
            field: f"{clock} on {date:%-d %B %Y} happened twice as the clocks went back: enter a time outside "
                   "1:00am to 2:00am, or use the API with an offset"})
    return _check(first, field, now)


def _date(text: str) -> dt.date:
    if "/" in text:
        d, m, y = (int(part) for part in text.split("/"))
        return dt.date(y, m, d)
    return dt.date.fromisoformat(text)
