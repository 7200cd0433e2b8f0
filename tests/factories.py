"""The one seeded body every test builds on, and the one way tests sign a person in.

``seed_office`` makes the ``Office``: the organisation row, the built-in case types and their teams,
one account per role (``WHO``) plus an outsider in a team that handles nothing. The fixtures choose
where it lives: inside the test's rolled-back session (``in_session``, for domain tests that call
the services directly) or committed (for page and API tests, whose app opens its own sessions).
Either way the tests read it the same way: ``office.ids["caseworker"]``, ``office.caseworker``,
``office.new_case()``.

``signed_in`` gives a TestClient a live staff session, made as signing in makes it (without paying
for argon2 in every test); ``session_cookie`` forges the signed cookie Starlette's session middleware reads.
"""

from __future__ import annotations

import json
from base64 import b64encode
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from itsdangerous import TimestampSigner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from backoffice.cases.case_types import seed_built_in_types
from backoffice.cases.models import Case, CaseType
from backoffice.intake.new_cases import NewCase, Requester, create_case
from backoffice.organisation.body import get_organisation
from backoffice.staff.accounts import Role, StaffUser, create_user
from backoffice.staff.groups import Group, add_member, create_group
from backoffice.staff.sessions import start_session
from shared import audit
from shared.db import transaction

SYSTEM = audit.Actor(type="system", label="tests")
#: Everyone in a seeded office: one account per role, then a caseworker in a team that handles nothing.
WHO = (*(role.value for role in Role), "outsider")
OUTSIDERS_TEAM = "Parks"
STAFF_COOKIE = "civic_backoffice"


def name_of(who: str) -> str:
    """The account's name is its role's (``Read-Only``), so a page naming the actor reads plainly in a test."""
    return who.title()


def seed_body(session: Session) -> None:
    """The organisation and the built-in case types with their teams: what a fresh install has."""
    get_organisation(session)
    seed_built_in_types(session, SYSTEM)


@dataclass
class Office:
    """A seeded body, by id; ``session`` is set when it lives in the test's own (rolled-back) session."""

    factory: sessionmaker[Session]
    ids: dict[str, int]
    groups: dict[str, int]
    case_types: dict[str, int]
    session: Session | None = None

    @property
    def db(self) -> Session:
        assert self.session is not None, "a committed office has no test session: use office.factory"
        return self.session

    @property
    def foi_id(self) -> int:
        return self.case_types["foi"]

    @property
    def info_governance_id(self) -> int:
        return self.groups["Information governance"]

    @property
    def customer_relations_id(self) -> int:
        return self.groups["Customer relations"]

    def user(self, who: str) -> StaffUser:
        """The account, held by the test session (or loaded, detached, from a committed office)."""
        if self.session is not None:
            found = self.session.get(StaffUser, self.ids[who])
        else:
            with self.factory() as session:
                found = session.get(StaffUser, self.ids[who])
        assert found is not None
        return found

    @property
    def admin(self) -> StaffUser:
        return self.user(Role.ADMINISTRATOR)

    @property
    def manager(self) -> StaffUser:
        return self.user(Role.MANAGER)

    @property
    def caseworker(self) -> StaffUser:
        return self.user(Role.CASEWORKER)

    @property
    def reader(self) -> StaffUser:
        return self.user(Role.READ_ONLY)

    @property
    def outsider(self) -> StaffUser:
        return self.user("outsider")

    @property
    def info_governance(self) -> Group:
        group = self.db.get(Group, self.info_governance_id)
        assert group is not None
        return group

    def actor(self, user: StaffUser) -> audit.Actor:
        return audit.Actor(type="staff", id=str(user.id), label=user.email)

    def new_case(self, case_type: str = "foi", **overrides: Any) -> Case:
        """A case made as intake makes it: in the test session, or committed."""
        values: dict[str, Any] = dict(case_type=case_type, subject="Bus timetables", channel="email",
                                      description="Send the 2025 timetables.",
                                      requester=Requester(name="Sam Jones", email="sam@example.com"))
        values.update(overrides)
        if self.session is not None:
            return create_case(self.session, SYSTEM, NewCase(**values))
        with transaction(self.factory) as session:
            return create_case(session, SYSTEM, NewCase(**values))

    def new_reference(self, case_type: str = "foi", **overrides: Any) -> str:
        return self.new_case(case_type, **overrides).reference


def seed_office(session: Session, factory: sessionmaker[Session], *, in_session: bool = False,
                teams: Mapping[str, Iterable[str]] | None = None) -> Office:
    """Seed the body and its staff in ``session``; ``teams`` (who → team names) replaces the default,
    everyone with a role in every built-in team. The outsider is always alone in Parks."""
    seed_body(session)
    groups = {g.name: g.id for g in session.scalars(select(Group))}
    ids: dict[str, int] = {}
    for who in WHO:
        role = Role.CASEWORKER if who == "outsider" else Role(who)
        ids[who] = create_user(session, SYSTEM, email=f"{who}@example.gov.uk", name=name_of(who), role=role,
                               password=None).id
    membership = {who: list(groups) for who in WHO if who != "outsider"} if teams is None else teams
    for who, names in membership.items():
        for name in names:
            add_member(session, SYSTEM, groups[name], ids[who])
    groups[OUTSIDERS_TEAM] = create_group(session, SYSTEM, OUTSIDERS_TEAM).id
    add_member(session, SYSTEM, groups[OUTSIDERS_TEAM], ids["outsider"])
    case_types = {t.key: t.id for t in session.scalars(select(CaseType))}
    return Office(factory, ids, groups, case_types, session if in_session else None)


def recording(into: list[str]) -> Callable[[str], str]:
    """A ``link_for`` that keeps each token it is given (the test reads it) and makes it the link."""

    def link_for(token: str) -> str:
        into.append(token)
        return token

    return link_for


def session_cookie(secret_key: str, data: dict[str, Any]) -> str:
    """The value Starlette's SessionMiddleware signs for ``data``."""
    return TimestampSigner(secret_key).sign(b64encode(json.dumps(data).encode())).decode()


def signed_in(client: TestClient, factory: sessionmaker[Session], secret_key: str, user_id: int) -> TestClient:
    """``client`` with a live server-side staff session for the account, as signing in leaves it."""
    with transaction(factory) as session:
        user = session.get(StaffUser, user_id)
        assert user is not None
        _, token = start_session(session, user, ip="testclient", user_agent="testclient")
    client.cookies.set(STAFF_COOKIE, session_cookie(secret_key, {"staff_session": token}))
    return client
