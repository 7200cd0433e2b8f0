"""What a type's clock can do at all follows its effective rule: FOISA has no extension, the EIR (Scotland)
keeps the EIR's; a complaint's clock cannot be stopped."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.cases.models import CaseType
from backoffice.deadlines.permissions import ClockAction, capabilities
from backoffice.organisation.body import set_nation
from tests.backoffice.conftest import SYSTEM, Office


def _capabilities(office: Office, key: str) -> frozenset[ClockAction]:
    case_type = office.db.scalar(select(CaseType).where(CaseType.key == key))
    assert case_type is not None
    return capabilities(office.db, case_type)


def test_the_rule_decides_what_a_clock_can_do(office: Office) -> None:
    both = {ClockAction.MANAGE, ClockAction.EXTEND}
    assert _capabilities(office, "foi") == both
    assert _capabilities(office, "eir") == both
    assert _capabilities(office, "complaint") == {ClockAction.EXTEND}  # the code's further working days
    set_nation(office.db, SYSTEM, "scotland")
    assert _capabilities(office, "foi") == {ClockAction.MANAGE}
    assert _capabilities(office, "eir") == both
