"""Deflection in the core: which published answers a draft is offered, and what is counted of them."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from backoffice.disclosures import deflection, indexing
from backoffice.disclosures.models import DeflectionEvent
from shared.db import utcnow
from shared.errors import NotFound
from shared.search import SearchEngine
from shared.search.indexes import forget_engines
from shared.settings import Settings
from tests.backoffice.disclosures.published import published, withdraw
from tests.factories import Office


@pytest.fixture
def engine(settings: Settings) -> Iterator[SearchEngine]:
    yield indexing.log_engine(settings)
    forget_engines()


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def test_foi_and_eir_drafts_are_offered_matching_answers_with_their_log_pages(
        db: Session, office: Office, settings: Settings, engine: SearchEngine) -> None:
    potholes = published(office, "Pothole repairs in 2025", summary="Repairs by ward.")
    published(office, "Library opening hours")
    for n in range(6):
        published(office, f"Pothole claims paid, part {n}")
    indexing.catch_up(db, engine)
    found = deflection.published_answers(db, settings, "How many potholes were repaired?", "foi")
    assert 1 <= len(found) <= 5
    assert found[0].reference == potholes.reference
    assert found[0].url.endswith("/" + potholes.reference)
    assert all("Library" not in answer.title for answer in found)
    assert deflection.published_answers(db, settings, "potholes", "eir")
    assert deflection.published_answers(db, settings, "potholes", "complaint") == ()
    assert deflection.published_answers(db, settings, "potholes", "no-such-type") == ()
    assert deflection.published_answers(db, settings, "wind turbines", "foi") == ()
    withdraw(db, potholes)
    assert potholes.reference not in {a.reference for a in deflection.published_answers(db, settings, "pothole", "foi")}


@pytest.mark.parametrize("text", ["x" * 10_000, "pot\x00hole\x1b[2J\u202e", '"unbalanced AND (OR pothole*', "   ", "é"])
def test_any_text_is_searched_without_raising(db: Session, office: Office, settings: Settings,
                                              engine: SearchEngine, text: str) -> None:
    published(office, "Pothole repairs")
    indexing.catch_up(db, engine)
    assert len(deflection.published_answers(db, settings, text, "foi")) <= 5


def test_nothing_published_touches_no_index(db: Session, settings: Settings) -> None:
    assert deflection.published_answers(db, settings, "pothole repairs", "foi") == ()
    assert not (settings.search_dir).exists() or not any(settings.search_dir.iterdir())


def test_counts_shown_followed_and_drafts_not_sent_after_following(db: Session, office: Office,
                                                                  settings: Settings) -> None:
    one = published(office, "Pothole repairs")
    two = published(office, "Gritting routes")
    left, sent, browsing = digest("left"), digest("sent"), digest("browsing")
    assert deflection.record_shown(db, case_type_key="foi", publication_ids=[one.id, two.id, 999_999],
                                   draft_digest=left) == 2
    deflection.record_shown(db, case_type_key="foi", publication_ids=[one.id], draft_digest=sent)
    deflection.record_shown(db, case_type_key="foi", publication_ids=[two.id], draft_digest=browsing)
    url = deflection.record_followed(db, settings, case_type_key="foi", publication_id=one.id, draft_digest=left)
    assert url == deflection.response_url(settings, one.reference)
    deflection.record_followed(db, settings, case_type_key="foi", publication_id=two.id, draft_digest=left)
    deflection.record_followed(db, settings, case_type_key="foi", publication_id=one.id, draft_digest=sent)
    assert deflection.record_sent(db, draft_digest=sent, case_type_key="foi")
    assert not deflection.record_sent(db, draft_digest=digest("never shown"))
    with pytest.raises(NotFound):
        deflection.record_followed(db, settings, case_type_key="foi", publication_id=999_999, draft_digest=left)
    withdraw(db, two)
    with pytest.raises(NotFound):
        deflection.record_followed(db, settings, case_type_key="foi", publication_id=two.id, draft_digest=left)
    db.flush()
    now = utcnow()
    counts = deflection.deflection_counts(db, now - dt.timedelta(hours=1), now + dt.timedelta(seconds=1))
    assert counts == deflection.DeflectionCounts(shown=4, followed=3, not_sent_after_following=1)
    before = deflection.deflection_counts(db, now - dt.timedelta(days=2), now - dt.timedelta(days=1))
    assert before == deflection.DeflectionCounts(0, 0, 0)
    assert db.query(DeflectionEvent).filter_by(draft_digest="").count() == 0
