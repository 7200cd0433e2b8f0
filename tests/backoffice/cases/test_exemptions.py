"""Exemptions belong to the law a request is answered under, not to the case type's key: a Scottish body's FOI
is offered FOISA's sections (ss.25-41), its EIR the EIR (Scotland)'s reg. 10 exceptions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.cases import tasks, workflow
from backoffice.cases.exemptions import EXEMPTIONS, exemptions_for, exemptions_of
from backoffice.cases.models import CaseType
from backoffice.clocks import RULES, Law
from backoffice.organisation.body import set_nation
from shared.errors import InvalidInput
from tests.backoffice.conftest import SYSTEM, Office


def _type(office: Office, key: str) -> CaseType:
    case_type = office.db.scalar(select(CaseType).where(CaseType.key == key))
    assert case_type is not None
    return case_type


def test_each_information_law_has_its_own_exemptions() -> None:
    assert set(EXEMPTIONS) == {Law.FOIA, Law.FOISA, Law.EIR, Law.EIR_SCOTLAND}
    assert list(exemptions_of(Law.FOISA)) == [f"s{n}" for n in range(25, 42)]
    assert exemptions_of(Law.FOISA)["s25"] == "s.25 Information otherwise accessible"
    assert exemptions_of(Law.FOISA)["s41"] == "s.41 Communications with Her Majesty etc. and honours"
    assert exemptions_of(Law.FOIA)["s21"] == "s.21 Information accessible by other means"
    assert [k for k in exemptions_of(Law.EIR_SCOTLAND) if k.startswith("r10_")] == [
        *(f"r10_4_{c}" for c in "abcde"), *(f"r10_5_{c}" for c in "abcdefg")]
    assert exemptions_of(Law.UK_GDPR) == {} and exemptions_of(None) == {}
    # Every rule with a law that has exemptions is one the tables know.
    assert {rule.law for rule in RULES.values() if rule.law in EXEMPTIONS} == set(EXEMPTIONS)


def test_an_english_body_is_offered_foia_and_eir(office: Office) -> None:
    assert exemptions_for(office.db, _type(office, "foi")) == exemptions_of(Law.FOIA)
    assert exemptions_for(office.db, _type(office, "eir")) == exemptions_of(Law.EIR)
    assert exemptions_for(office.db, _type(office, "sar")) == {}


def test_a_scottish_bodys_foi_is_offered_foisa_sections(office: Office) -> None:
    set_nation(office.db, SYSTEM, "scotland")
    offered = exemptions_for(office.db, _type(office, "foi"))
    assert offered == exemptions_of(Law.FOISA)
    assert "s21" not in offered and "s43" not in offered  # FOIA's numbers are not FOISA's


def test_a_scottish_bodys_eir_is_offered_the_eir_scotland_reg_10_exceptions(office: Office) -> None:
    set_nation(office.db, SYSTEM, "scotland")
    offered = exemptions_for(office.db, _type(office, "eir"))
    assert offered == exemptions_of(Law.EIR_SCOTLAND)
    assert offered["r10_4_b"] == "reg. 10(4)(b) Manifestly unreasonable"
    assert not any(key.startswith("r12") for key in offered)


def test_closing_a_scottish_foi_records_foisa_sections_only(office: Office) -> None:
    set_nation(office.db, SYSTEM, "scotland")
    case = office.new_case("foi")
    me, actor = office.caseworker, office.actor(office.caseworker)
    workflow.claim(office.db, actor, me, case)
    for task in tasks.tasks_of(office.db, case):
        tasks.finish_task(office.db, actor, me, case, task.id, tasks.DONE)
    with pytest.raises(InvalidInput):
        workflow.close(office.db, actor, me, case, outcome="granted_in_part", exemptions=["s43"])  # FOIA's
    workflow.close(office.db, actor, me, case, outcome="granted_in_part", exemptions=["s33", "s38"])
    assert case.exemptions == ["s33", "s38"]
