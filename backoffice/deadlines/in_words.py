"""How long the body has to answer, in plain words for a public start page.

The words come from the same rule the engine computes the due date with (each
rule words its own time limit), so a start page can never promise a different
time from the due date on the case.
"""

from __future__ import annotations

from dataclasses import dataclass

from backoffice.clocks import UnknownRuleError, get_rule


@dataclass(frozen=True)
class RuleInWords:
    """``time`` for a list ("20 working days"), ``explanation`` for the type's own start page."""

    time: str
    explanation: str


def rule_in_words(rule_key: str) -> RuleInWords:
    """The time limit of the rule ``rule_key``; empty words for a rule the engine does not know."""
    try:
        limit = get_rule(rule_key).time_limit()
    except UnknownRuleError:
        return RuleInWords("", "")
    return RuleInWords(limit.time, limit.explanation)
