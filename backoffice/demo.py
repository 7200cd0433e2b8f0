"""Demo data for a newcomer's empty database: one staff account per role."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.staff.accounts import Role, StaffUser, create_user
from shared import audit
from shared.settings import Settings

DEMO_PASSWORD = "demo-password-1234"
DEMO_USERS = (
    ("admin@example.gov.uk", "Ada Administrator", Role.ADMINISTRATOR),
    ("manager@example.gov.uk", "Mo Manager", Role.MANAGER),
    ("caseworker@example.gov.uk", "Cas Caseworker", Role.CASEWORKER),
    ("readonly@example.gov.uk", "Rae Reader", Role.READ_ONLY),
)


def load_demo_data(session: Session, settings: Settings) -> list[str]:
    """Add what is missing and say what a newcomer can sign in with; safe to run twice."""
    actor = audit.Actor(type="system", label="demo data")
    lines = []
    for email, name, role in DEMO_USERS:
        if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is None:
            create_user(session, actor, email=email, name=name, role=role, password=DEMO_PASSWORD)
        lines.append(f"{role.value:>13}: {email} / {DEMO_PASSWORD}")
    return lines
