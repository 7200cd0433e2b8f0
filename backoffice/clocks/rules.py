"""The registry of deadline rules, keyed by the strings case types refer to.

Adding a rule is adding an entry here; case types never compute dates
themselves, so a change in the law is a change in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from backoffice.clocks.calendars import Nation
from backoffice.clocks.complaint_rules import ComplaintStageRule
from backoffice.clocks.errors import UnknownRuleError
from backoffice.clocks.laws import Law
from backoffice.clocks.month_rules import SubjectAccessRule
from backoffice.clocks.rule import Extension, Rule
from backoffice.clocks.working_day_rules import WorkingDayRule

__all__ = ["RULES", "get_rule", "rule_for_body"]

_ALL: tuple[Rule, ...] = (
    WorkingDayRule(
        "foi",
        "FOI request",
        "FOIA s.10(1)",
        Nation.UK,
        fee_basis="FOIA s.10(2)",
        clarification_basis="FOIA s.1(3)",
        extension=Extension("add", 20, "FOIA s.10(3): public interest test"),
        law=Law.FOIA,
    ),
    WorkingDayRule(
        "foisa",
        "FOISA request",
        "FOISA s.10(1)",
        Nation.SCOTLAND,
        fee_basis="FOISA s.9",
        clarification_basis="FOISA s.1(3)",
        law=Law.FOISA,
    ),
    WorkingDayRule("foisa_internal_review", "FOISA review", "FOISA s.21(1)", Nation.SCOTLAND, law=Law.FOISA),
    WorkingDayRule(
        "eir",
        "EIR request",
        "EIR reg. 5(2)",
        Nation.UK,
        clarification_basis="EIR reg. 9(4)",
        extension=Extension("total", 40, "EIR reg. 7(1): complex and voluminous"),
        law=Law.EIR,
    ),
    # A Scottish public authority's environmental information: its own Regulations, whose working
    # day is FOISA's (reg. 2(1)), so Scotland's bank holidays.
    WorkingDayRule(
        "eir_scotland",
        "EIR (Scotland) request",
        "EIR (Scotland) reg. 5(2)(a)",
        Nation.SCOTLAND,
        clarification_basis="EIR (Scotland) reg. 9(4)",
        extension=Extension("total", 40, "EIR (Scotland) reg. 7(1): complex and voluminous"),
        law=Law.EIR_SCOTLAND,
    ),
    WorkingDayRule(
        "foi_internal_review",
        "FOI internal review",
        "s.45 Code of Practice; not statutory",
        Nation.UK,
        extension=Extension("total", 40, "exceptional case"),
        law=Law.FOIA,
        statutory=False,
    ),
    SubjectAccessRule(),
    # Not statutory: the body's own service standard for enquiries and compliments,
    # counted on the body's calendar.
    WorkingDayRule("enquiry", "Enquiry", "service standard; not statutory", None, days=20,
                   clarification_basis="service standard", statutory=False),
    ComplaintStageRule("complaint_stage1", "Complaint stage 1", respond_days=10, extension_days=10),
    ComplaintStageRule("complaint_stage2", "Complaint stage 2", respond_days=20, extension_days=20),
)

_BY_KEY: dict[str, Rule] = {rule.key: rule for rule in _ALL}
RULES: Mapping[str, Rule] = MappingProxyType(_BY_KEY)


def get_rule(key: str) -> Rule:
    rule = _BY_KEY.get(key) or _BY_KEY.get(key.strip().lower().replace("-", "_"))
    if rule is None:
        raise UnknownRuleError(f"no deadline rule {key!r}; known rules: {', '.join(RULES)}")
    return rule


#: A Scottish public authority answers under FOISA and the EIR (Scotland), not FOIA and the EIR:
#: same case type, other law.
_SCOTTISH_EQUIVALENTS = {"foi": "foisa", "foi_internal_review": "foisa_internal_review", "eir": "eir_scotland"}


def rule_for_body(key: str, body_nation: Nation | None) -> str:
    """The rule a body in ``body_nation`` applies for a case type configured with ``key``."""
    if body_nation is Nation.SCOTLAND:
        return _SCOTTISH_EQUIVALENTS.get(key, key)
    return key
