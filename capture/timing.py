"""How long the body has to answer, in words for a start page, read from the case type's deadline rule.

The words come from the same rule the deadline engine computes with, so a
start page can never promise a different time from the due date on the case.
"""

from __future__ import annotations

from backoffice.clocks import get_rule
from backoffice.clocks.complaint_rules import ComplaintStageRule
from backoffice.clocks.errors import UnknownRuleError
from backoffice.clocks.month_rules import SubjectAccessRule
from backoffice.clocks.working_day_rules import WorkingDayRule


def _days(n: int) -> str:
    return f"{n} working day{'s' if n != 1 else ''}"


def answer_time(rule_key: str) -> tuple[str, str]:
    """(the time, an explanation) for example ("20 working days", "…"), for the start page."""
    try:
        rule = get_rule(rule_key)
    except UnknownRuleError:
        return "", ""
    if isinstance(rule, SubjectAccessRule):
        return ("one month", "We have one month from the day we receive your request and your proof of identity. "
                "If your request is complex we can extend this by up to two more months; we will tell you within the first month.")
    if isinstance(rule, ComplaintStageRule):
        return (_days(rule.acknowledge_days + rule.respond_days),
                f"We will acknowledge your complaint within {_days(rule.acknowledge_days)} and reply within "
                f"{_days(rule.respond_days)} after that.")
    if isinstance(rule, WorkingDayRule):
        extra = ""
        if rule.extension is not None and rule.extension.style == "add":
            extra = " If we need more time to consider the public interest, we will tell you before then."
        elif rule.extension is not None:
            extra = f" If your request is complex and large, we can take up to {_days(rule.extension.days)}; we will tell you."
        if rule.basis.endswith("not statutory"):
            return _days(rule.days), f"We aim to reply within {_days(rule.days)}, not counting weekends and bank holidays."
        return (_days(rule.days), f"By law we must reply within {_days(rule.days)} of receiving your request, "
                f"not counting weekends and bank holidays.{extra}")
    return "", ""
