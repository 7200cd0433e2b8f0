"""The sweep is idempotent: a second sweep writes nothing at all, and two workers sweeping at once (threads on
SQLite; PostgreSQL when DATABASE_URL names it) send each reminder and escalate each case once."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backoffice.automation.config import seed_automation
from backoffice.automation.models import Firing
from backoffice.automation.sweep import sweep
from backoffice.cases.case_types import seed_built_in_types
from backoffice.cases.models import Case
from backoffice.intake.new_cases import NewCase, Requester, create_case
from backoffice.staff.accounts import Role, create_user
from backoffice.staff.groups import Group, add_member
from shared.audit import AuditEvent
from shared.db import transaction
from shared.mail.models import OutboxMessage
from shared.runtime import Runtime
from tests.backoffice.automation.conftest import count_writes, london, run
from tests.backoffice.conftest import SYSTEM, Office


def test_a_second_sweep_writes_nothing(auto: Office, clock, settings, runtime: Runtime) -> None:
    for key in ("foi", "sar", "complaint", "enquiry", "eir"):
        auto.new_case(key).owner_id = auto.caseworker.id
        auto.new_case(key)
    auto.db.flush()
    clock.move_to(london(2026, 4, 20, 9, 0))  # reminders, task and case breaches, routines: everything is due
    with count_writes(runtime.engine) as first:
        result = run(auto.db, settings)
    assert result.total > 10 and first
    with count_writes(runtime.engine) as second:
        again = run(auto.db, settings)
    assert again.total == 0 and second == []


def test_a_quiet_sweep_writes_nothing(auto: Office, clock, settings, runtime: Runtime) -> None:
    auto.new_case("foi")
    auto.db.flush()
    with count_writes(runtime.engine) as written:
        assert run(auto.db, settings).total == 0
    assert written == []


def _seed(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        seed_built_in_types(session, SYSTEM)
        users = [create_user(session, SYSTEM, email=f"{r.value}@example.gov.uk", name=r.value, role=r, password=None)
                 for r in Role]
        for group in session.scalars(select(Group)):
            for user in users:
                add_member(session, SYSTEM, group.id, user.id)
        seed_automation(session, SYSTEM)
        for number in range(12):
            create_case(session, SYSTEM, NewCase(
                case_type=("foi", "sar", "complaint")[number % 3], subject=f"Case {number}", description="Details",
                requester=Requester(name="Sam Jones", email="sam@example.com"), channel="email"))


def test_two_workers_at_once_send_each_reminder_once(settings, session_factory, clock) -> None:
    _seed(session_factory)
    clock.move_to(london(2026, 3, 27, 9, 0))  # FOI reminders and SAR/complaint task reminders are due
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    done: list[int] = []

    def worker() -> None:
        try:
            barrier.wait()
            with transaction(session_factory) as session:
                done.append(sweep(session, settings).total)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with session_factory() as session:
        firings = list(session.execute(select(Firing.case_id, Firing.kind, Firing.target, Firing.slot)))
        mail = Counter(session.execute(select(OutboxMessage.to_address, OutboxMessage.subject)).all())
        sent = int(session.scalar(select(func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.action == "automation.reminder_sent")) or 0)
        open_cases = int(session.scalar(select(func.count(Case.id))) or 0)
    assert open_cases == 12
    assert sum(done) == len(firings)  # every action done by exactly one of the two
    assert len([f for f in firings if f.kind == "reminder"]) == sent > 0
    assert {f.kind for f in firings} == {"reminder", "breach"}
    assert max(mail.values()) == 1  # nobody got the same email twice
    with transaction(session_factory) as session:
        assert sweep(session, settings).total == 0
