"""Plain-English wording for explanations shown to staff.

Staff must be able to check a due date against a wall calendar, so days are
written the way they are spoken ("Mon 21 Dec 2026") and every day that was not
counted is accounted for: weekends as a count, bank holidays by name.
"""

from __future__ import annotations

from datetime import date

from backoffice.clocks.calendars import Nation, WorkingDayCalendar

__all__ = ["calendar_phrase", "compact_days", "day", "number", "plural", "skipped_days"]

_NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def day(value: date) -> str:
    """`Mon 21 Dec 2026`."""
    return f"{value:%a} {value.day} {value:%b %Y}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def number(n: int) -> str:
    """`two`: a small count in words (the style guide writes one to nine in words), larger ones in digits."""
    return _NUMBERS[n] if 0 <= n < len(_NUMBERS) else str(n)


def compact_days(days: list[date]) -> str:
    """`25, 28 Dec, 1 and 4 Jan`: the month written once after its last day."""
    tokens: list[str] = []
    for i, value in enumerate(days):
        last_of_month = i + 1 == len(days) or (days[i + 1].year, days[i + 1].month) != (value.year, value.month)
        tokens.append(f"{value.day} {value:%b}" if last_of_month else str(value.day))
    if len(tokens) == 1:
        return tokens[0]
    return ", ".join(tokens[:-1]) + " and " + tokens[-1]


def calendar_phrase(calendar: WorkingDayCalendar) -> str:
    if calendar.nation is Nation.UK:
        return "the UK calendar (a bank holiday in any part of the UK is not a working day)"
    return f"the {calendar.nation.label} calendar"


def skipped_days(calendar: WorkingDayCalendar, after: date, through: date, counted: int) -> list[str]:
    """Lines for a run of `counted` working days after `after` ending `through`."""
    skipped = calendar.non_working_days_between(after, through)
    holidays = [(d, reason) for d, reason in skipped if reason not in ("Saturday", "Sunday")]
    weekend = len(skipped) - len(holidays)
    head = f"{plural(counted, 'working day')} from {day(after)}"
    if holidays:
        verb = "is a bank holiday" if len(holidays) == 1 else "are bank holidays"
        head += f"; {compact_days([d for d, _ in holidays])} {verb}"
    lines = [head + "."]
    parts = []
    if weekend:
        parts.append(f"{plural(weekend, 'weekend day')}")
    parts.extend(f"{day(d)} ({reason})" for d, reason in holidays)
    if parts:
        lines.append("Not counted: " + "; ".join(parts) + ".")
    else:
        lines.append("No days were skipped.")
    return lines
