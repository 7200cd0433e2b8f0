"""The retention pages: list what is due, approve it, the worker destroys it, the report says so; the
legal hold on the case page; caseworkers see none of it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from sqlalchemy import select

from backoffice.cases.models import CaseType, StatusKind
from backoffice.intake.new_cases import NewCase, Requester, create_case
from backoffice.retention import schedule
from backoffice.staff.accounts import Role
from shared.audit import SYSTEM
from shared.db import transaction
from shared.runtime import Runtime
from shared.worker import build_worker
from tests.conftest import SPECS
from tests.factories import Office
from tests.pages import Browser


def _old_closed_sar(site: Office) -> str:
    with transaction(site.factory) as session:
        sar = session.scalar(select(CaseType).where(CaseType.key == "sar"))
        assert sar is not None
        schedule.set_retention(session, SYSTEM, sar, 12)
        case = create_case(session, SYSTEM, NewCase(case_type="sar", subject="My records", channel="email",
                                                    description="All you hold about me.",
                                                    requester=Requester(name="Sam Jones", email="sam@example.com")))
        reference = case.reference
        closed = next(s for s in case.case_type.statuses if s.kind == StatusKind.CLOSED)
        case.status_id, case.closed_at = closed.id, dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC)
    return reference


def test_a_manager_lists_approves_and_the_report_records_it(browser: Callable[[Role], Browser], site: Office,
                                                            runtime: Runtime, check_page: Callable[..., object]) -> None:
    reference = _old_closed_sar(site)
    manager = browser(Role.MANAGER)
    page = manager.get("/retention")
    check_page(page, title="Retention")
    assert "1 closed case is past its retention period" in page.text
    assert manager.post("/retention/prepare").status_code == 303
    listed = manager.get("/retention")
    check_page(listed, title="Retention")
    assert reference in listed.text and "Approve destruction" in listed.text
    review_id = int(listed.text.split("/retention/")[1].split("/approve")[0])
    assert browser(Role.CASEWORKER).get("/retention").status_code in (403, 404)
    assert manager.post(f"/retention/{review_id}/approve").status_code == 303
    build_worker(dataclasses.replace(runtime), SPECS).run_until_idle()
    report = manager.get(f"/retention/{review_id}")
    check_page(report, title="Retention review of")
    assert "Destroyed" in report.text and "manager@example.gov.uk" in report.text
    case_page = manager.get(f"/cases/{reference}")
    check_page(case_page)
    assert "were destroyed under the retention schedule" in case_page.text and "sam@example.com" not in case_page.text


def test_a_legal_hold_is_placed_and_lifted_on_the_case_page(browser: Callable[[Role], Browser], site: Office,
                                                            check_page: Callable[..., object]) -> None:
    reference = _old_closed_sar(site)
    manager = browser(Role.MANAGER)
    check_page(manager.get(f"/cases/{reference}"))
    assert manager.post(f"/cases/{reference}/legal-hold", {"legal_hold": "Tribunal appeal"}).status_code == 303
    page = manager.get(f"/cases/{reference}")
    assert "Legal hold: Tribunal appeal" in page.text
    assert "No closed case is past its retention period" in manager.get("/retention").text
    assert manager.post(f"/cases/{reference}/legal-hold/lift").status_code == 303
    assert "Place a legal hold" in manager.get(f"/cases/{reference}").text
    assert browser(Role.CASEWORKER).post(f"/cases/{reference}/legal-hold", {"legal_hold": "x"}).status_code in (403, 404)
