"""Index generations: one engine per index per process, and a rebuilt generation swapped in under readers."""

from __future__ import annotations

import pytest

from shared.search import Field, FieldKind, IndexDocument, SearchQuery, SearchSchema, indexes
from shared.search.whoosh_engine import WhooshEngine

SCHEMA = SearchSchema("log", (Field("title", FieldKind.TEXT, stored=True), Field("outcome", FieldKind.KEYWORD)))


@pytest.fixture(autouse=True)
def _fresh_cache():
    indexes.forget_engines()
    yield
    indexes.forget_engines()


def _fill(engine: WhooshEngine, *titles: str) -> None:
    with engine.writer() as writer:
        for number, title in enumerate(titles, 1):
            writer.upsert(IndexDocument(str(number), {"title": title, "outcome": ("granted",)}))


def test_open_engine_makes_an_empty_index_once(tmp_path):
    engine = indexes.open_engine(tmp_path, SCHEMA)
    assert engine.document_count() == 0
    assert indexes.open_engine(tmp_path, SCHEMA) is engine
    current = tmp_path / "log" / "current"
    assert current.is_symlink() and indexes.current_directory(tmp_path, SCHEMA) == engine.directory.resolve()


def test_swap_in_switches_atomically_and_old_readers_keep_reading(tmp_path):
    engine = indexes.open_engine(tmp_path, SCHEMA)
    _fill(engine, "housing repairs")
    old_reader = WhooshEngine(engine.directory, SCHEMA)  # another process, on the old generation
    assert old_reader.search(SearchQuery(text="housing")).total == 1

    rebuilt = indexes.new_generation(tmp_path, SCHEMA)
    _fill(rebuilt, "parking fines", "housing waiting list")
    assert indexes.current_directory(tmp_path, SCHEMA) == engine.directory.resolve()  # not yet in use
    indexes.swap_in(tmp_path, SCHEMA, rebuilt)

    assert indexes.current_directory(tmp_path, SCHEMA) == rebuilt.directory.resolve()
    assert engine.search(SearchQuery()).total == 2  # the cached engine followed the link
    assert old_reader.search(SearchQuery(text="housing")).total == 1
    assert not list((tmp_path / "log").glob(".current-*"))


def test_older_generations_are_removed_after_the_grace(tmp_path, monkeypatch):
    monkeypatch.setattr(indexes, "GRACE_SECONDS", -1.0)
    first = indexes.open_engine(tmp_path, SCHEMA).directory
    second = indexes.new_generation(tmp_path, SCHEMA)
    indexes.swap_in(tmp_path, SCHEMA, second)
    third = indexes.new_generation(tmp_path, SCHEMA)
    indexes.swap_in(tmp_path, SCHEMA, third)
    assert not first.exists()
    assert second.directory.exists() and third.directory.exists()  # the previous one is kept


def test_a_generation_of_another_index_is_refused(tmp_path):
    other = WhooshEngine(tmp_path / "elsewhere", SCHEMA)
    with pytest.raises(ValueError):
        indexes.swap_in(tmp_path, SCHEMA, other)
