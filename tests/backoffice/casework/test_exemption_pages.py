"""The close page offers the exemptions of the law the case is answered under, and names that law:
a Scottish body's FOI is closed with FOISA's sections, its EIR with the EIR (Scotland)'s exceptions."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.cases.models import Task
from backoffice.organisation.body import set_nation
from tests.backoffice.casework.conftest import SYSTEM, Office
from tests.backoffice.casework.helpers import get_case, submit


def _scottish(office: Office) -> None:
    with office.factory() as session, session.begin():
        set_nation(session, SYSTEM, "scotland")


def _no_open_tasks(office: Office) -> None:
    with office.factory() as session, session.begin():
        for task in session.scalars(select(Task)):
            task.status = "cancelled"


def test_an_english_foi_is_closed_with_foia_sections(office: Office, browser, check_page) -> None:
    path = f"/cases/{office.new_reference('foi')}"
    page = browser("manager").get(f"{path}/close")
    check_page(page, title="What was the outcome?")
    assert 'value="s21"' in page.text and 'value="s25"' not in page.text
    assert "Under the Freedom of Information Act 2000." in page.text


def test_a_scottish_foi_is_closed_with_foisa_sections(office: Office, browser, check_page) -> None:
    _scottish(office)
    reference = office.new_reference("foi")
    path = f"/cases/{reference}"
    manager = browser("manager")
    page = manager.get(f"{path}/close")
    check_page(page, title="What was the outcome?")
    assert "Under the Freedom of Information (Scotland) Act 2002." in page.text
    assert 'value="s25"' in page.text and 'value="s41"' in page.text
    assert 'value="s21"' not in page.text and 'value="s44"' not in page.text
    assert "s.41 Communications with Her Majesty etc. and honours" in page.text
    _no_open_tasks(office)
    closed = submit(manager, f"{path}/close", f"{path}/close", {"outcome": "granted_in_part", "exemptions": ["s38"]})
    assert closed.status_code == 303
    assert get_case(office.factory, reference).exemptions == ["s38"]
    assert "s.38 Personal information" in manager.get(path).text  # FOISA's s.38, not FOIA's health and safety


def test_a_scottish_eir_is_closed_with_the_eir_scotland_exceptions(office: Office, browser, check_page) -> None:
    _scottish(office)
    path = f"/cases/{office.new_reference('eir', subject='Air quality')}"
    page = browser("manager").get(f"{path}/close")
    check_page(page, title="What was the outcome?")
    assert "Under the Environmental Information (Scotland) Regulations 2004." in page.text
    assert 'value="r10_4_b"' in page.text and "reg. 10(5)(f) Interests of the person who provided" in page.text
    assert 'value="r12_4_b"' not in page.text
