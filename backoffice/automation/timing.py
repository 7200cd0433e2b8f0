"""When a target falls due and when its reminders fire, in Europe/London, stored as UTC.

A target "due on" a date is met if done that day, so it is breached at the London midnight that ends
the day. Reminders in minutes or hours count back from that instant; reminders in days or working
days fall on the date that many (working) days before, at the start of the office day (08:00), so
nobody is emailed at midnight. Every function here is monotonic in the due date, which is what lets
the sweep turn "which reminders are due now" into one date range per rule.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from backoffice.automation.models import ReminderRule, Unit
from backoffice.clocks import WorkingDayCalendar

LONDON = ZoneInfo("Europe/London")
DAY_STARTS = dt.time(8, 0)
#: How far ahead any rule may look, in calendar days (a sanity bound for the searches below).
MAX_HORIZON_DAYS = 400


def london_date(instant: dt.datetime) -> dt.date:
    return instant.astimezone(LONDON).date()


def at_london(day: dt.date, time: dt.time = dt.time(0)) -> dt.datetime:
    """A London wall-clock time as a UTC instant (zoneinfo resolves the clock changes)."""
    return dt.datetime.combine(day, time, LONDON).astimezone(dt.UTC)


def breach_instant(due_on: dt.date) -> dt.datetime:
    """The midnight that ends the due date."""
    return at_london(due_on + dt.timedelta(days=1))


def fire_instant(rule: ReminderRule, due_on: dt.date, calendar: WorkingDayCalendar) -> dt.datetime:
    unit = Unit(rule.unit)
    if unit is Unit.MINUTES:
        return breach_instant(due_on) - dt.timedelta(minutes=rule.amount)
    if unit is Unit.HOURS:
        return breach_instant(due_on) - dt.timedelta(hours=rule.amount)
    if unit is Unit.DAYS:
        return at_london(due_on - dt.timedelta(days=rule.amount), DAY_STARTS)
    return at_london(calendar.add_working_days(due_on, -rule.amount), DAY_STARTS)


def latest_due_reminded(rule: ReminderRule, now: dt.datetime, calendar: WorkingDayCalendar) -> dt.date:
    """The last due date whose reminder under ``rule`` has fired by ``now``: due dates up to it are candidates."""
    day = london_date(now) - dt.timedelta(days=1)
    for _ in range(MAX_HORIZON_DAYS):
        if fire_instant(rule, day + dt.timedelta(days=1), calendar) > now:
            return day
        day += dt.timedelta(days=1)
    return day


def milestone_date(received_on: dt.date, working_days: int, calendar: WorkingDayCalendar) -> dt.date:
    return calendar.add_working_days(received_on, working_days)


def received_between(working_days: int, first: dt.date, last: dt.date,
                     calendar: WorkingDayCalendar) -> tuple[dt.date, dt.date] | None:
    """The dates of receipt whose milestone falls in ``first``..``last`` (a range, the function being monotonic)."""
    day = first - dt.timedelta(days=2 * working_days + 30)
    low = high = None
    while day <= last:
        falls = milestone_date(day, working_days, calendar)
        if falls > last:
            break
        if falls >= first:
            low = low or day
            high = day
        day += dt.timedelta(days=1)
    return None if low is None or high is None else (low, high)
