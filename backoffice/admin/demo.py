"""Demo data for a newcomer's empty database: the built-in case types, their teams,
one staff account per role (each in every team), and a few cases to work."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.automation.config import seed_automation
from backoffice.cases.case_types import seed_built_in_types
from backoffice.cases.models import Case
from backoffice.intake.new_cases import NewCase, Requester, create_case, today_in_london
from backoffice.organisation.body import get_organisation
from backoffice.staff.accounts import Role, StaffUser, create_user
from backoffice.staff.groups import Group, add_member
from backoffice.support import help as help_articles
from shared import audit
from shared.settings import Settings

DEMO_PASSWORD = "demo-password-1234"  # noqa: S105 - printed for newcomers; demo data only
DEMO_USERS = (
    ("admin@example.gov.uk", "Ada Administrator", Role.ADMINISTRATOR),
    ("manager@example.gov.uk", "Mo Manager", Role.MANAGER),
    ("caseworker@example.gov.uk", "Cas Caseworker", Role.CASEWORKER),
    ("readonly@example.gov.uk", "Rae Reader", Role.READ_ONLY),
)
DEMO_CASES = (
    ("foi", "Road resurfacing contracts 2025", "Please send copies of contracts for road resurfacing let in 2025.", "Sam Jones", 3),
    ("foi", "Council car fleet", "How many electric vehicles does the council own?", "Priya Shah", 18),
    ("eir", "Air quality monitoring", "Nitrogen dioxide readings for the High Street monitor, 2024.", "Tom Green", 10),
    ("sar", "My council tax records", "A copy of all personal information you hold about me.", "Alex Morgan", 5),
    ("complaint", "Missed bin collection", "My recycling has not been collected for three weeks.", "Jo Smith", 2),
    ("enquiry", "Parking permit", "How do I renew my resident parking permit?", "Lee Brown", 1),
)


def load_demo_data(session: Session, settings: Settings) -> list[str]:
    """Add what is missing and say what a newcomer can sign in with; safe to run twice."""
    actor = audit.Actor(type="system", label="demo data")
    get_organisation(session)
    seed_built_in_types(session, actor)
    seed_automation(session, actor)
    lines = []
    for email, name, role in DEMO_USERS:
        user = session.scalar(select(StaffUser).where(StaffUser.email == email))
        if user is None:
            user = create_user(session, actor, email=email, name=name, role=role, password=DEMO_PASSWORD)
            for group in session.scalars(select(Group)):
                add_member(session, actor, group.id, user.id)
        lines.append(f"{role.value:>13}: {email} / {DEMO_PASSWORD}")
    if not session.scalar(select(func.count(Case.id))):
        today = today_in_london()
        for key, subject, description, name, days_ago in DEMO_CASES:
            create_case(session, actor, NewCase(
                case_type=key, subject=subject, description=description, channel="email",
                requester=Requester(name=name, email=name.lower().replace(" ", ".") + "@example.com"),
                received_on=today - dt.timedelta(days=days_ago),
            ))
    if not help_articles.articles(session):
        for title, body in DEMO_ARTICLES:
            help_articles.save_article(session, actor, None, title, body)
    return lines


#: A start on the help collection, so a newcomer sees suggestions as they write a support request.
DEMO_ARTICLES = (
    ("Resetting a colleague's password", "An administrator opens Administration, then Users, chooses the "
     "colleague and selects Reset password. The colleague is emailed a link that works once, for an hour."),
    ("Adding a bank holiday that was announced late", "Administration, then Bank holidays: add the day, its name "
     "and the nation. Due dates worked out from then on use it, and open incidents' due times are "
     "recalculated at once."),
    ("Why a requester did not receive an email", "The case page lists every email sent and whether it was "
     "delivered. Undelivered emails are also in the daily digest to the contacts set at onboarding."),
    ("Exporting the case list", "Reports, then Case list: choose the period. A large list is written in the "
     "background; it appears under Your exports when it has been checked for viruses."),
)
