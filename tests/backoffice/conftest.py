"""A seeded back office inside the test's own rolled-back session: built-in case types, their teams,
one user per role in every team and an outsider (tests/factories.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from backoffice.notifications.sending import JOB_KIND, handle_send
from backoffice.staff.accounts import Role
from shared import jobs
from shared.db import transaction, utcnow
from shared.settings import Settings
from tests.factories import SYSTEM, Office, seed_office, signed_in
from tests.pages import Browser, share_templates

__all__ = ["SYSTEM", "Office", "run_notification_jobs"]


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
def office(db: Session, session_factory: sessionmaker[Session]) -> Office:
    return seed_office(db, session_factory, in_session=True)


@pytest.fixture
def site(session_factory: sessionmaker[Session]) -> Iterator[Office]:
    """A committed back office, for page tests whose requests run in sessions of their own."""
    with transaction(session_factory) as session:
        office = seed_office(session, session_factory, in_session=True)
    yield office


@pytest.fixture
def browser(app_client: Callable[..., TestClient], site: Office, settings: Settings) -> Callable[[Role], Browser]:
    """``browser(role)``: a signed-in browser on ``site`` (areas with their own sign-in set-up override it)."""
    def make(role: Role) -> Browser:
        client = app_client("backoffice")
        share_templates(client.app)
        signed_in(client, site.factory, settings.secret_key, site.ids[str(role)])
        return Browser(client)
    return make
