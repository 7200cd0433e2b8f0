"""The body running the service: its nation (which calendar its SAR and complaint clocks use),
its allowed staff email domains and the contacts it supplied at onboarding.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from backoffice.clocks import Nation
from shared import audit, configuration
from shared.db import Base, utcnow
from shared.errors import InvalidInput

CONTACT_LISTS = (
    "release_note_recipients",
    "undelivered_digest_recipients",
    "major_incident_contacts",
    "service_report_recipients",
)


class Organisation(Base):
    """A single row: one deployment serves one body."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    nation: Mapped[str] = mapped_column(String(30), default=Nation.ENGLAND_AND_WALES.value)
    allowed_staff_domains: Mapped[list[str]] = mapped_column(JSON, default=list)
    contacts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The support service model (basic, plus, premium) incident targets are measured under.
    service_model: Mapped[str] = mapped_column(String(10), default="plus", server_default="plus")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


configuration.watch(Organisation)


def get_organisation(session: Session) -> Organisation:
    """The one row, held by the session: its identity map holds an unchanged row only weakly, so
    the several rules one request asks about the body would otherwise each read it again."""
    held = session.info.get(_HELD)
    if held is not None and held in session:
        return held  # type: ignore[no-any-return]
    organisation = session.get(Organisation, 1)
    if organisation is None:
        organisation = Organisation(id=1, nation=Nation.ENGLAND_AND_WALES.value, allowed_staff_domains=[], contacts={})
        session.add(organisation)
        session.flush()
    session.info[_HELD] = organisation
    return organisation


_HELD = "backoffice.organisation"


def body_nation(session: Session) -> Nation:
    return Nation(get_organisation(session).nation)


def set_nation(session: Session, actor: audit.Actor, nation: str) -> Organisation:
    """A Scottish body answers under FOISA and counts SARs on the Scottish calendar."""
    try:
        chosen = Nation(nation)
    except ValueError as exc:
        raise InvalidInput("Select the nation the organisation is in", {"nation": "Select a nation"}) from exc
    if chosen is Nation.UK:
        raise InvalidInput("Select the nation the organisation is in", {"nation": "Select one nation"})
    organisation = get_organisation(session)
    previous = organisation.nation
    organisation.nation = chosen.value
    organisation.updated_at = utcnow()
    audit.record(session, actor, "organisation.nation_changed", "organisation", 1,
                 f"Nation changed from {previous} to {chosen.value}")
    return organisation


def set_allowed_staff_domains(session: Session, actor: audit.Actor, domains: list[str]) -> Organisation:
    cleaned = sorted({d.strip().lower().lstrip("@") for d in domains if d.strip()})
    bad = [d for d in cleaned if "." not in d or " " in d or "@" in d]
    if bad:
        raise InvalidInput("Enter domains like example.gov.uk", {"domains": f"{bad[0]} is not a domain name"})
    organisation = get_organisation(session)
    organisation.allowed_staff_domains = cleaned
    organisation.updated_at = utcnow()
    audit.record(session, actor, "organisation.staff_domains_changed", "organisation", 1,
                 "Allowed staff email domains: " + (", ".join(cleaned) or "any"))
    return organisation


def allowed_staff_domains(session: Session) -> tuple[str, ...]:
    return tuple(get_organisation(session).allowed_staff_domains or ())
