"""Index generations: one engine per index per process, and a rebuilt generation swapped in under readers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shared.search import (
    Field,
    FieldKind,
    IndexDocument,
    IndexFull,
    IndexUnavailable,
    SearchQuery,
    SearchSchema,
    indexes,
)
from shared.search.whoosh_engine import CHECK_EVERY, WRITE_MARGIN, WhooshEngine

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


#: A schema with a field kept as it is (never analysed): a batch of megabytes is written in a moment.
BULKY = SearchSchema("bulky", (Field("title", FieldKind.TEXT, stored=True), Field("scan", FieldKind.STORED)))
MEGABYTE = 1024 * 1024


def _files(directory: Path) -> list[tuple[str, int]]:
    return sorted((p.relative_to(directory).as_posix(), p.stat().st_size) for p in directory.rglob("*")
                  if p.is_file())


def _above_the_free_space(path: Path) -> int:
    """A reserve 1 GB above what the disk has free: to the index, the disk is full (as in tests/faults)."""
    return shutil.disk_usage(path).free + 1024**3


def test_a_disk_at_the_reserve_writes_nothing_and_the_index_serves_what_it_had(tmp_path):
    engine = indexes.open_engine(tmp_path, SCHEMA)
    _fill(engine, "housing repairs")
    before = _files(tmp_path)
    assert indexes.open_engine(tmp_path, SCHEMA, reserve=_above_the_free_space(tmp_path)) is engine
    with pytest.raises(IndexFull):
        _fill(engine, "parking fines", "housing waiting list")
    with pytest.raises(IndexFull):
        engine.optimize()
    with pytest.raises(IndexFull):
        indexes.new_generation(tmp_path, SCHEMA, reserve=engine.reserve)  # no rebuild starts either
    assert _files(tmp_path) == before
    assert engine.damage() is None and engine.search(SearchQuery(text="housing")).total == 1

    engine.reserve = 0  # the operator made room: the next batch goes in, no lock left behind
    _fill(engine, "housing repairs", "housing waiting list")
    assert engine.search(SearchQuery(text="housing")).total == 2


@pytest.mark.parametrize("megabytes", [4, 9], ids=["refused at the commit", "refused while filling"])
def test_a_batch_that_outgrows_the_room_is_cancelled_and_leaves_nothing(tmp_path, megabytes):
    engine = WhooshEngine(tmp_path / "index", BULKY)
    with engine.writer() as writer:
        writer.upsert(IndexDocument("1", {"title": "housing repairs", "scan": "x"}))
    before = _files(tmp_path)
    engine.reserve = shutil.disk_usage(tmp_path).free - WRITE_MARGIN - 2 * MEGABYTE  # 2 MB past the margin
    given: list[int] = []
    with pytest.raises(IndexFull), engine.writer() as writer:
        for number in range(megabytes):
            writer.upsert(IndexDocument(str(number + 2), {"title": "parking fines", "scan": "y" * MEGABYTE}))
            given.append(number)
    # 4 MB of text is estimated at 12 MB: refused at the commit; 9 MB is refused once 8 MB has been given.
    assert len(given) == (megabytes if megabytes * MEGABYTE < CHECK_EVERY else CHECK_EVERY // MEGABYTE - 1)
    assert _files(tmp_path) == before  # what the batch wrote is gone with it
    assert engine.document_count() == 1 and engine.search(SearchQuery(text="parking")).total == 0
    engine.reserve = 0
    with engine.writer() as writer:  # at once: the lock was let go
        writer.upsert(IndexDocument("2", {"title": "parking fines", "scan": "y"}))
    assert engine.search(SearchQuery(text="parking")).total == 1


def test_no_room_for_the_first_index_makes_none_and_search_says_it_is_being_rebuilt(tmp_path):
    engine = indexes.open_engine(tmp_path, SCHEMA, reserve=_above_the_free_space(tmp_path))
    assert engine.damage() is not None and not engine.matches_schema()
    with pytest.raises(IndexUnavailable):
        engine.search(SearchQuery())
    assert not list((tmp_path / "log").glob("gen-*"))

    rebuilt = indexes.new_generation(tmp_path, SCHEMA)  # the worker's rebuild, once there is room
    _fill(rebuilt, "housing repairs")
    indexes.swap_in(tmp_path, SCHEMA, rebuilt)
    assert engine.damage() is None and engine.search(SearchQuery(text="housing")).total == 1
