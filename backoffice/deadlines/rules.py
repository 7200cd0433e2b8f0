"""The rule a case is clocked under: its type's configured rule as the body's nation applies it.

A case type names a rule (``foi``); a Scottish body answers the same type under
FOISA, so every question about a case's deadline (its due date, what may stop
or extend the clock, which exemptions apply) starts from this one function.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from backoffice.cases.models import Case, CaseType
from backoffice.clocks import RULES, Rule, get_rule, rule_for_body
from backoffice.organisation.body import body_nation


def effective_rule(session: Session, case_type: CaseType) -> Rule:
    """The rule cases of ``case_type`` are clocked under here (FOI is FOISA for a Scottish body)."""
    return get_rule(rule_for_body(case_type.deadline_rule, body_nation(session)))


#: A rule of a complaint handled in stages is ``<STAGED_PREFIX><n>``: stage n's own time limit.
STAGED_PREFIX = "complaint_stage"


def stage_rule_key(rule_key: str, stage: int) -> str | None:
    """The rule of stage ``stage`` for a type clocked under ``rule_key``; None when the type is not handled
    in stages or has no such stage."""
    if not rule_key.startswith(STAGED_PREFIX):
        return None
    key = f"{STAGED_PREFIX}{stage}"
    return key if key in RULES else None


def case_rule(session: Session, case: Case) -> Rule:
    """The rule ``case`` is clocked under now: its type's, or, for a complaint escalated to a later stage,
    that stage's (stage 2's 20 working days, not stage 1's 10)."""
    rule = effective_rule(session, case.case_type)
    if case.stage is None:
        return rule
    key = stage_rule_key(rule.key, case.stage)
    return get_rule(key) if key else rule
