"""The rule a case is clocked under: its type's configured rule as the body's nation applies it.

A case type names a rule (``foi``); a Scottish body answers the same type under
FOISA, so every question about a case's deadline (its due date, what may stop
or extend the clock, which exemptions apply) starts from this one function.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from backoffice.cases.models import CaseType
from backoffice.clocks import Rule, get_rule, rule_for_body
from backoffice.organisation.body import body_nation


def effective_rule(session: Session, case_type: CaseType) -> Rule:
    """The rule cases of ``case_type`` are clocked under here (FOI is FOISA for a Scottish body)."""
    return get_rule(rule_for_body(case_type.deadline_rule, body_nation(session)))
