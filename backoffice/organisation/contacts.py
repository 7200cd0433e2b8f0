"""The contacts a body supplies at onboarding, kept on the organisation.

Staff email domains decide who may have an account; the four lists decide
who gets release notes, the daily digest of undelivered emails, P1/P2
major-incident messages and service reports. Every address is checked as the
outbox will check it, so a list can never hold an address that mail refuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from backoffice.organisation.body import CONTACT_LISTS, get_organisation, set_allowed_staff_domains
from shared import audit
from shared.db import utcnow
from shared.errors import InvalidInput
from shared.mail.outbox import InvalidEmailAddress, validate_address

#: Each list's label, in the order the onboarding form asks for them.
LABELS: dict[str, str] = {
    "release_note_recipients": "Release-note recipients",
    "undelivered_digest_recipients": "Undelivered-email digest recipients",
    "major_incident_contacts": "P1 and P2 major-incident contacts",
    "service_report_recipients": "Service-report recipients",
}
assert tuple(LABELS) == CONTACT_LISTS
DOMAINS = "domains"
#: More than anyone needs; stops a pasted address book.
MAX_ENTRIES = 50


@dataclass(frozen=True)
class Contacts:
    domains: tuple[str, ...]
    lists: dict[str, tuple[str, ...]]


def contacts(session: Session) -> Contacts:
    organisation = get_organisation(session)
    stored = organisation.contacts or {}
    return Contacts(tuple(organisation.allowed_staff_domains or ()),
                    {name: tuple(stored.get(name) or ()) for name in CONTACT_LISTS})


def digest_recipients(session: Session) -> list[str]:
    return list(contacts(session).lists["undelivered_digest_recipients"])


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def parse_addresses(text: str, label: str) -> tuple[list[str], str | None]:
    """One address a line: the clean list, or the GOV.UK error for the first bad line."""
    found: list[str] = []
    lines = _lines(text)
    if len(lines) > MAX_ENTRIES:
        return [], f"{label} must have {MAX_ENTRIES} addresses or fewer"
    for number, line in enumerate(lines, start=1):
        try:
            address = validate_address(line).lower()
        except InvalidEmailAddress:
            return [], f"Line {number} of {label.lower()}, “{line[:80]}”, is not an email address: enter one like name@example.gov.uk"
        if address not in found:
            found.append(address)
    return found, None


def parse_domains(text: str) -> tuple[list[str], str | None]:
    found: list[str] = []
    lines = _lines(text)
    if len(lines) > MAX_ENTRIES:
        return [], f"Enter {MAX_ENTRIES} domains or fewer"
    for number, line in enumerate(lines, start=1):
        domain = line.lower().lstrip("@")
        try:
            validate_address("postmaster@" + domain)
        except InvalidEmailAddress:
            return [], f"Line {number} of the staff email domains, “{line[:80]}”, is not a domain: enter one like example.gov.uk"
        if domain not in found:
            found.append(domain)
    return found, None


def save_contacts(session: Session, actor: audit.Actor, domains_text: str, lists_text: Mapping[str, str]) -> list[str]:
    """Check every line, then store all or nothing; returns the names of what changed (audited each)."""
    errors: dict[str, str] = {}
    domains, problem = parse_domains(domains_text)
    if problem:
        errors[DOMAINS] = problem
    parsed: dict[str, list[str]] = {}
    for name, label in LABELS.items():
        parsed[name], problem = parse_addresses(lists_text.get(name, ""), label)
        if problem:
            errors[name] = problem
    if errors:
        raise InvalidInput("The contacts could not be saved", errors)
    current = contacts(session)
    changed: list[str] = []
    if sorted(domains) != sorted(current.domains):
        set_allowed_staff_domains(session, actor, domains)
        changed.append(DOMAINS)
    organisation = get_organisation(session)
    stored = dict(organisation.contacts or {})
    for name, addresses in parsed.items():
        if list(current.lists[name]) != addresses:
            stored[name] = addresses
            changed.append(name)
            audit.record(session, actor, "organisation.contacts_changed", "organisation", 1,
                         f"{LABELS[name]}: " + (", ".join(addresses) or "none"),
                         {"list": name, "before": list(current.lists[name]), "after": addresses})
    if any(name != DOMAINS for name in changed):
        organisation.contacts = stored  # a new dict, so the JSON column is seen to change
        organisation.updated_at = utcnow()
    return changed
