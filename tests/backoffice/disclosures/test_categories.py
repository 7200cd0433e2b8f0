"""The administrators' list of categories: add, rename, deactivate, reorder."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.disclosures import categories
from backoffice.disclosures.changes import INDEX_JOB
from backoffice.disclosures.models import PublicationChange
from shared import jobs
from shared.errors import Conflict, InvalidInput
from tests.backoffice.disclosures.conftest import Desk
from tests.factories import SYSTEM


def test_add_rename_deactivate_and_reorder(desk: Desk) -> None:
    db = desk.db
    housing = categories.add_category(db, SYSTEM, "  Housing ")
    roads = categories.add_category(db, SYSTEM, "Roads and transport")
    assert housing.name == "Housing" and [c.name for c in categories.categories(db)] == ["Housing", "Roads and transport"]
    with pytest.raises(InvalidInput, match="already"):
        categories.add_category(db, SYSTEM, "housing")
    with pytest.raises(InvalidInput):
        categories.add_category(db, SYSTEM, " ")
    categories.rename_category(db, SYSTEM, housing.id, "Housing and homes")
    categories.deactivate_category(db, SYSTEM, roads.id)
    assert [c.name for c in categories.categories(db, active_only=True)] == ["Housing and homes"]
    with pytest.raises(InvalidInput, match="category"):
        categories.active_category(db, roads.id)
    categories.reorder_categories(db, SYSTEM, [roads.id, housing.id])
    assert [c.id for c in categories.categories(db)] == [roads.id, housing.id]
    with pytest.raises(Conflict):
        categories.reorder_categories(db, SYSTEM, [roads.id])


def test_renaming_a_category_reindexes_its_published_responses(desk: Desk) -> None:
    category = categories.add_category(desk.db, SYSTEM, "Transport")
    publication = desk.publish(desk.start(category_id=category.id))
    before = desk.db.scalars(select(PublicationChange).where(PublicationChange.publication_id == publication.id)).all()
    categories.rename_category(desk.db, SYSTEM, category.id, "Roads and transport")
    after = desk.db.scalars(select(PublicationChange).where(PublicationChange.publication_id == publication.id)).all()
    assert len(after) == len(before) + 1
    assert desk.db.scalars(select(jobs.Job).where(jobs.Job.kind == INDEX_JOB)).all()
