"""A rule's time limit in words for a public start page (once ``capture/timing.py``): worded by the rule the
due date is computed with, statutory or not by the rule's own flag, empty for a rule the engine does not know."""

from __future__ import annotations

import pytest

from backoffice.clocks import RULES, Nation
from backoffice.clocks.working_day_rules import WorkingDayRule
from backoffice.deadlines.in_words import RuleInWords, rule_in_words

_BY_LAW = "By law we must reply within 20 working days of receiving your request, not counting weekends and bank holidays."
_AIM = "We aim to reply within 20 working days, not counting weekends and bank holidays."


@pytest.mark.parametrize(("key", "time", "explanation"), [
    ("foi", "20 working days",
     _BY_LAW + " If we need more time to consider the public interest, we will tell you before then."),
    ("foisa", "20 working days", _BY_LAW),
    ("foisa_internal_review", "20 working days", _BY_LAW),
    ("eir", "20 working days",
     _BY_LAW + " If your request is complex and large, we can take up to 40 working days; we will tell you."),
    ("eir_scotland", "20 working days",
     _BY_LAW + " If your request is complex and large, we can take up to 40 working days; we will tell you."),
    ("foi_internal_review", "20 working days", _AIM),
    ("enquiry", "20 working days", _AIM),
    ("sar", "one month",
     "We have one month from the day we receive your request and your proof of identity. If your request is "
     "complex we can extend this by up to two more months; we will tell you within the first month."),
    ("complaint_stage1", "15 working days",
     "We will acknowledge your complaint within 5 working days and reply within 10 working days after that."),
    ("complaint_stage2", "25 working days",
     "We will acknowledge your complaint within 5 working days and reply within 20 working days after that."),
])
def test_each_rule_words_its_own_time(key: str, time: str, explanation: str) -> None:
    assert rule_in_words(key) == RuleInWords(time, explanation)


def test_every_rule_has_words() -> None:
    assert all(rule_in_words(key).time and rule_in_words(key).explanation for key in RULES)


def test_a_rule_key_is_read_as_the_engine_reads_it() -> None:
    assert rule_in_words("FOI-Internal-Review") == rule_in_words("foi_internal_review")


def test_an_unknown_rule_has_no_words() -> None:
    assert rule_in_words("no_such_rule") == RuleInWords("", "")


def test_the_rules_flag_not_its_basis_text_decides_whether_the_law_is_promised() -> None:
    code = WorkingDayRule("review", "Review", "Code of Practice", Nation.UK, statutory=False)
    act = WorkingDayRule("request", "Request", "Act s.1; not statutory in the old sense", Nation.UK)
    assert code.time_limit().explanation == _AIM
    assert act.time_limit().explanation == _BY_LAW
