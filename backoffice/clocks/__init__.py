"""Statutory and service deadline engine.

Pure domain code: no HTTP, no database. A deadline is always *computed* from a
date of receipt and an ordered list of events under a named rule, on a
working-day calendar built from the `holidays` package plus administrator
adjustments, so any due date can be explained and recomputed.

    from backoffice.clocks import ClockEvent, DeadlineEngine
    deadline = DeadlineEngine().compute("foi", date(2026, 12, 21))
    deadline.due_on, deadline.explanation
"""

from backoffice.clocks.calendars import (
    CalendarSet,
    HolidayAdjustment,
    Nation,
    WorkingDayCalendar,
    default_calendars,
    parse_nation,
)
from backoffice.clocks.clock import DeadlineEngine
from backoffice.clocks.deadline import Deadline
from backoffice.clocks.errors import (
    CalendarError,
    ClockError,
    EventOrderError,
    ExtensionError,
    InvalidSequenceError,
    UnknownRuleError,
    UnsupportedEventError,
)
from backoffice.clocks.events import ClockEvent, EventKind
from backoffice.clocks.incidents import (
    IncidentClock,
    IncidentEvent,
    IncidentEventKind,
    ServiceTarget,
    TargetAssessment,
)
from backoffice.clocks.laws import Law
from backoffice.clocks.month_rules import add_months
from backoffice.clocks.rule import Extension, Rule, TimeLimit
from backoffice.clocks.rules import RULES, get_rule, rule_for_body
from backoffice.clocks.service_hours import LONDON, ServiceHours

__all__ = [
    "LONDON",
    "RULES",
    "CalendarError",
    "CalendarSet",
    "ClockError",
    "ClockEvent",
    "Deadline",
    "DeadlineEngine",
    "EventKind",
    "EventOrderError",
    "Extension",
    "ExtensionError",
    "HolidayAdjustment",
    "IncidentClock",
    "IncidentEvent",
    "IncidentEventKind",
    "InvalidSequenceError",
    "Law",
    "Nation",
    "Rule",
    "ServiceHours",
    "ServiceTarget",
    "TargetAssessment",
    "TimeLimit",
    "UnknownRuleError",
    "UnsupportedEventError",
    "WorkingDayCalendar",
    "add_months",
    "default_calendars",
    "get_rule",
    "parse_nation",
    "rule_for_body",
]
