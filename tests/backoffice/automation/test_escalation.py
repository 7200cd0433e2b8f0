"""Escalating by hand: with a reason, audited, the owner and escalation group told; refused without a reason."""

from __future__ import annotations

import pytest

from backoffice.automation.escalation import escalate
from shared.errors import Conflict, InvalidInput, PermissionDenied
from tests.backoffice.automation.conftest import actions, addresses
from tests.backoffice.conftest import Office


def test_escalating_with_a_reason_is_audited_and_notified(auto: Office, settings) -> None:
    case = auto.new_case("foi")
    case.owner_id = auto.outsider.id
    escalate(auto.db, settings, auto.actor(auto.caseworker), auto.caseworker, case, "  MP has written in  ")
    assert case.escalated
    [entry] = actions(auto.db, case.reference, "case.escalated")
    assert entry.actor_label == "caseworker@example.gov.uk" and entry.detail["reason"] == "MP has written in"
    assert "outsider@example.gov.uk" in addresses(auto.db, "Escalated: " + case.reference)
    assert "manager@example.gov.uk" in addresses(auto.db, "Escalated: " + case.reference)
    with pytest.raises(Conflict):
        escalate(auto.db, settings, auto.actor(auto.caseworker), auto.caseworker, case, "Again")


def test_escalating_needs_a_reason_and_permission(auto: Office, settings) -> None:
    case = auto.new_case("foi")
    with pytest.raises(InvalidInput) as refused:
        escalate(auto.db, settings, auto.actor(auto.caseworker), auto.caseworker, case, "   ")
    assert refused.value.errors == {"reason": "Enter why you are escalating the case"}
    with pytest.raises(PermissionDenied):
        escalate(auto.db, settings, auto.actor(auto.reader), auto.reader, case, "Because")
    with pytest.raises(PermissionDenied):
        escalate(auto.db, settings, auto.actor(auto.outsider), auto.outsider, case, "Because")
    assert not case.escalated and actions(auto.db, case.reference, "case.escalated") == []
