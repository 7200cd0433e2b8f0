"""The subjects the Disclosure Log is browsed by: a short list administrators keep.

A category is never deleted, only deactivated: published responses keep pointing at it (and the public
facet keeps its name), while a deactivated one is no longer offered when preparing a publication.
The web pages that call these are for administrators only; the services take the actor for the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.disclosures.changes import record_change
from backoffice.disclosures.models import PUBLISHED, DisclosureCategory, Publication
from shared import audit
from shared.errors import Conflict, InvalidInput, NotFound

NAME_LIMIT = 100
OBJECT = "disclosure_category"


def categories(session: Session, *, active_only: bool = False) -> list[DisclosureCategory]:
    """In the administrators' order (then by name); ``active_only`` for what a publication may be given."""
    stmt = select(DisclosureCategory).order_by(DisclosureCategory.position, DisclosureCategory.name)
    if active_only:
        stmt = stmt.where(DisclosureCategory.active.is_(True))
    return list(session.scalars(stmt))


def get_category(session: Session, category_id: int) -> DisclosureCategory:
    category = session.get(DisclosureCategory, category_id)
    if category is None:
        raise NotFound("There is no such category")
    return category


def _name(session: Session, name: str, *, other_than: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("Enter the category name", {"name": "Enter the category name"})
    if len(name) > NAME_LIMIT:
        raise InvalidInput("The name is too long", {"name": f"Name must be {NAME_LIMIT} characters or fewer"})
    clash = session.scalar(select(DisclosureCategory.id).where(func.lower(DisclosureCategory.name) == name.lower()))
    if clash is not None and clash != other_than:
        raise InvalidInput("That category already exists", {"name": f"There is already a category called {name}"})
    return name


def add_category(session: Session, actor: audit.Actor, name: str) -> DisclosureCategory:
    """A new active category, last in the list."""
    name = _name(session, name)
    last = session.scalar(select(func.max(DisclosureCategory.position)))
    category = DisclosureCategory(name=name, active=True, position=(last if last is not None else -1) + 1)
    session.add(category)
    session.flush()
    audit.record(session, actor, "disclosure_category.added", OBJECT, category.id, f"Category {name} added")
    return category


def rename_category(session: Session, actor: audit.Actor, category_id: int, name: str) -> DisclosureCategory:
    """The new name shows everywhere, published responses included: each one in the category is recorded as
    a public change, so every host's index (whose category facet holds the name) takes the new name."""
    category = get_category(session, category_id)
    name = _name(session, name, other_than=category.id)
    if name == category.name:
        return category
    previous, category.name = category.name, name
    for publication_id in session.scalars(select(Publication.id).where(Publication.category_id == category.id,
                                                                       Publication.status == PUBLISHED)):
        record_change(session, publication_id)
    audit.record(session, actor, "disclosure_category.renamed", OBJECT, category.id,
                 f"Category {previous} renamed {name}", {"from": previous, "to": name})
    return category


def set_active(session: Session, actor: audit.Actor, category_id: int, active: bool) -> DisclosureCategory:
    """Deactivate (no longer offered) or reactivate a category; responses already published keep it."""
    category = get_category(session, category_id)
    if category.active == active:
        return category
    category.active = active
    verb = "reactivated" if active else "deactivated"
    audit.record(session, actor, f"disclosure_category.{verb}", OBJECT, category.id, f"Category {category.name} {verb}")
    return category


def deactivate_category(session: Session, actor: audit.Actor, category_id: int) -> DisclosureCategory:
    return set_active(session, actor, category_id, False)


def reorder_categories(session: Session, actor: audit.Actor, ordered_ids: Sequence[int]) -> list[DisclosureCategory]:
    """Put the categories in the order given, which must name every category exactly once."""
    every = {c.id: c for c in session.scalars(select(DisclosureCategory))}
    ids = [int(i) for i in ordered_ids]
    if sorted(ids) != sorted(every) or len(set(ids)) != len(ids):
        raise Conflict("The list of categories has changed: reload the page and try again")
    for position, category_id in enumerate(ids):
        every[category_id].position = position
    audit.record(session, actor, "disclosure_category.reordered", OBJECT, "all", "Categories reordered",
                 {"order": ids})
    return [every[i] for i in ids]


def active_category(session: Session, category_id: int | None, field: str = "category") -> DisclosureCategory | None:
    """The category a publication is given: none, or an active one (an inactive or unknown one is refused)."""
    if category_id is None:
        return None
    category = session.get(DisclosureCategory, category_id)
    if category is None or not category.active:
        raise InvalidInput("Select a category", {field: "Select a category from the list"})
    return category
