"""A seeded back office: built-in case types, their teams, and one user per role in every team."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.case_types import seed_built_in_types
from backoffice.cases.models import Case
from backoffice.intake.new_cases import NewCase, Requester, create_case
from backoffice.notifications.sending import JOB_KIND, handle_send
from backoffice.staff.accounts import Role, StaffUser, create_user
from backoffice.staff.groups import Group, add_member, create_group
from shared import audit, jobs
from shared.db import utcnow
from shared.settings import Settings

SYSTEM = audit.Actor(type="system", label="tests")


@dataclass
class Office:
    db: Session
    admin: StaffUser
    manager: StaffUser
    caseworker: StaffUser
    reader: StaffUser
    outsider: StaffUser  # a caseworker in a team that handles nothing
    info_governance: Group

    def actor(self, user: StaffUser) -> audit.Actor:
        return audit.Actor(type="staff", id=str(user.id), label=user.email)

    def new_case(self, case_type: str = "foi", **overrides) -> Case:  # type: ignore[no-untyped-def]
        values = dict(case_type=case_type, subject="Bus timetables", description="Send the 2025 timetables.",
                      requester=Requester(name="Sam Jones", email="sam@example.com"), channel="email")
        values.update(overrides)
        return create_case(self.db, SYSTEM, NewCase(**values))  # type: ignore[arg-type]


def run_notification_jobs(session: Session, settings: Settings) -> int:
    """Render the notification jobs waiting in ``session`` into the outbox, as the worker would after commit.

    Case events only queue ``backoffice.notifications.send`` jobs; a test that reads the outbox right after
    a change (in the rolled-back ``db`` session, or after a web request) runs them with this, the one helper.
    """
    waiting = list(session.scalars(select(jobs.Job).where(jobs.Job.kind == JOB_KIND, jobs.Job.status == jobs.PENDING)
                                   .order_by(jobs.Job.id)))
    for job in waiting:
        handle_send(session, dict(job.payload), jobs.JobContext(settings=settings, job_id=job.id, attempts=1))
        job.status, job.finished_at = jobs.DONE, utcnow()
    session.flush()
    return len(waiting)


@pytest.fixture
def office(db: Session) -> Office:
    seed_built_in_types(db, SYSTEM)
    users = {}
    for role in Role:
        users[role] = create_user(db, SYSTEM, email=f"{role.value}@example.gov.uk", name=role.value.title(),
                                  role=role, password=None)
        for group in db.scalars(select(Group)):
            add_member(db, SYSTEM, group.id, users[role].id)
    outsider = create_user(db, SYSTEM, email="outsider@example.gov.uk", name="Outsider", role=Role.CASEWORKER,
                           password=None)
    add_member(db, SYSTEM, create_group(db, SYSTEM, "Parks").id, outsider.id)
    ig = db.scalar(select(Group).where(Group.name == "Information governance"))
    assert ig is not None
    return Office(db, users[Role.ADMINISTRATOR], users[Role.MANAGER], users[Role.CASEWORKER], users[Role.READ_ONLY],
                  outsider, ig)
