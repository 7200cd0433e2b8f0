"""Index generations: one engine per index per process, and a rebuilt generation swapped in under readers."""

from __future__ import annotations

import shutil

import pytest

from shared.search import Field, FieldKind, IndexDocument, IndexUnavailable, SearchQuery, SearchSchema, indexes
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


def test_a_current_link_naming_nothing_is_damage_not_an_empty_index(tmp_path):
    home = tmp_path / "log"
    home.mkdir()
    (home / "current").symlink_to("gen-gone")
    engine = indexes.open_engine(tmp_path, SCHEMA)
    assert engine.damage() is not None and not engine.matches_schema()
    with pytest.raises(IndexUnavailable):
        engine.search(SearchQuery())
    assert not list(home.glob("gen-*"))  # no silently empty generation was made in its place

    rebuilt = indexes.new_generation(tmp_path, SCHEMA)
    _fill(rebuilt, "housing repairs")
    indexes.swap_in(tmp_path, SCHEMA, rebuilt)
    assert engine.damage() is None and engine.search(SearchQuery(text="housing")).total == 1


def test_damaged_files_are_noticed_when_read_and_retried_at_most_once_a_second(tmp_path, monkeypatch):
    engine = indexes.open_engine(tmp_path, SCHEMA)
    _fill(engine, "housing repairs")
    for toc in engine.directory.glob("*.toc"):
        toc.write_bytes(b"garbage")
    indexes.forget_engines()  # a process opening the damaged files
    engine = indexes.open_engine(tmp_path, SCHEMA)
    assert engine.damage() is not None
    opened: list[object] = []
    real_open = engine._open

    def counted_open(directory: object) -> None:
        opened.append(directory)
        real_open(directory)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "_open", counted_open)
    for _ in range(20):
        with pytest.raises(IndexUnavailable):
            engine.search(SearchQuery(text="housing"))
    assert len(opened) <= 1  # a search of a damaged index costs no reopening, bar one a second


def test_a_deleted_index_directory_is_noticed_at_the_next_refresh(tmp_path):
    engine = indexes.open_engine(tmp_path, SCHEMA)
    _fill(engine, "housing repairs")
    shutil.rmtree(tmp_path / "log")
    engine.refresh()
    assert engine.damage() is not None
    with pytest.raises(IndexUnavailable):
        engine.document_count()


def test_an_error_of_the_code_is_not_taken_for_damage(tmp_path, monkeypatch):
    """A bug stays a bug (a 500 that a test sees), not "being rebuilt" with the worker rebuilding for ever."""
    engine = indexes.open_engine(tmp_path, SCHEMA)
    _fill(engine, "housing repairs")

    def broken(*_args: object, **_kwargs: object) -> None:
        raise TypeError("a bug in the query code")

    monkeypatch.setattr(engine, "_text_query", broken)
    with pytest.raises(TypeError):
        engine.search(SearchQuery(text="housing"))
    assert engine.damage() is None
