"""The log's search service over a real index: what a person finds, where, and how facets count."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from backoffice.disclosures import indexing
from backoffice.disclosures.models import DisclosureCategory
from backoffice.disclosures.search import LogQuery, search_log, suggest
from shared.runtime import Runtime
from shared.search import SearchEngine
from shared.search.indexes import forget_engines, open_engine
from shared.settings import Settings
from tests.backoffice.disclosures.published import published, withdraw
from tests.factories import Office


@pytest.fixture
def engine(settings: Settings) -> Iterator[SearchEngine]:
    yield indexing.log_engine(settings)
    forget_engines()


def text_of(snippet: tuple) -> str:
    return "".join(segment.text for segment in snippet)


def query(text: str = "", **params: list[str]) -> LogQuery:
    found, errors = LogQuery.from_params({"q": [text], **params})
    assert errors == {}
    return found


def test_a_word_on_page_three_of_a_pdf_is_found_there(db: Session, office: Office, engine: SearchEngine) -> None:
    published(office, "Pothole repairs", pages=("Roads budget.", "Staffing.", "The gritting lorries depot."))
    published(office, "Library opening hours")
    indexing.catch_up(db, engine)
    results = search_log(db, engine, query("gritting"))
    assert results.total == 1
    (hit,) = results.hits
    assert hit.title == "Pothole repairs"
    assert hit.found_in is not None
    assert (hit.found_in.name, hit.found_in.page) == ("Appendix B.pdf", 3)
    assert any("gritting" in text_of(s) for s in hit.snippets)
    assert any(seg.matched and seg.text.lower() == "gritting" for s in hit.snippets for seg in s)


def test_stems_phrases_and_all_words(db: Session, office: Office, engine: SearchEngine) -> None:
    published(office, "Housing repairs backlog", summary="The council repaired 400 homes.")
    published(office, "Repairs to the town hall roof")
    indexing.catch_up(db, engine)
    assert search_log(db, engine, query("repair")).total == 2
    assert search_log(db, engine, query("housing repair")).total == 1  # every word, by default
    assert search_log(db, engine, query('"town hall"')).total == 1
    assert search_log(db, engine, query('"hall town"')).total == 0


def test_facets_count_every_match_and_add_up(db: Session, office: Office, engine: SearchEngine) -> None:
    category = DisclosureCategory(name="Roads")
    db.add(category)
    db.flush()
    for n in range(3):
        published(office, f"Road report {n}", outcome="refused", outcome_label="Refused", exemptions=("s40",),
                  category_id=category.id)
    published(office, "Road sign costs", case_type="eir")
    indexing.catch_up(db, engine)
    results = search_log(db, engine, query("road"))
    facets = {f.key: {v.value: (v.label, v.count) for v in f.values} for f in results.facets}
    assert results.total == 4
    assert sum(count for _, count in facets["outcome"].values()) == 4
    assert facets["outcome"]["refused"] == ("Refused", 3)
    assert facets["category"][str(category.id)] == ("Roads", 3)
    assert facets["exemption"]["s40"] == ("s.40 Personal information", 3)
    assert sum(count for _, count in facets["type"].values()) == 4
    filtered = search_log(db, engine, query("road", outcome=["refused"]))
    assert filtered.total == 3
    chosen = next(f for f in filtered.facets if f.key == "outcome")
    assert [v.selected for v in chosen.values if v.value == "refused"] == [True]


def test_withdrawn_is_gone_even_before_the_index_hears(db: Session, office: Office, engine: SearchEngine) -> None:
    gone = published(office, "Parking fines income")
    indexing.catch_up(db, engine)
    withdraw(db, gone)
    assert search_log(db, engine, query("parking")).hits == ()  # the database says withdrawn
    indexing.catch_up(db, engine)
    results = search_log(db, engine, query("parking"))
    assert (results.total, results.hits) == (0, ())
    assert all(sum(v.count for v in f.values) == 0 for f in results.facets)


def test_did_you_mean_keeps_real_words_and_filters(db: Session, office: Office, engine: SearchEngine) -> None:
    published(office, "Housing repairs backlog")
    indexing.catch_up(db, engine)
    results = search_log(db, engine, query("housng repairs", outcome=["granted_in_full"]))
    assert results.total == 0
    assert results.did_you_mean == "housing repairs"
    assert ("outcome", "granted_in_full") in results.query.to_params(text=results.did_you_mean)
    assert search_log(db, engine, query("housing repairs")).did_you_mean is None


@pytest.mark.parametrize("text", ['"unbalanced', "title:x OR NOT y*", "a" * 10_000, "\x00\x07 bell", "<script>"])
def test_bad_queries_are_just_words(db: Session, office: Office, engine: SearchEngine, text: str) -> None:
    published(office, "Script <script>alert(1)</script> in a title", pages=("<script>alert(2)</script> inert",))
    indexing.catch_up(db, engine)
    results = search_log(db, engine, query(text))
    assert results.page_count >= 1


def test_bad_parameters_never_raise() -> None:
    found, errors = LogQuery.from_params({"from": ["2026-02-30"], "to": ["yesterday"], "page": ["-4"],
                                          "sort": ["sideways"], "year": ["20x6"]})
    assert set(errors) == {"from", "to"}
    assert (found.page, found.sort, found.years, found.published_from) == (1, "relevance", (), None)
    assert LogQuery.from_params({"page": ["99999999"]})[0].page == 500


def test_paging_and_newest_first(db: Session, office: Office, engine: SearchEngine) -> None:
    import datetime as dt

    for n in range(25):
        published(office, f"Bin collection {n}", when=dt.datetime(2025, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=n))
    indexing.catch_up(db, engine)
    first = search_log(db, engine, query("bin", sort=["newest"]))
    assert (first.total, first.page_count, len(first.hits)) == (25, 3, 10)
    assert first.hits[0].title == "Bin collection 24"
    last = search_log(db, engine, query("bin", sort=["newest"], page=["3"]))
    assert [h.title for h in last.hits] == [f"Bin collection {n}" for n in range(4, -1, -1)]
    beyond = search_log(db, engine, query("bin", page=["7"]))
    assert (beyond.total, beyond.hits) == (25, ())
    years = next(f for f in first.facets if f.key == "year")
    assert [(v.value, v.count) for v in years.values] == [("2025", 25)]


def test_suggestions_for_a_draft(db: Session, office: Office, engine: SearchEngine) -> None:
    published(office, "Pothole repairs on the high street")
    published(office, "Library opening hours")
    indexing.catch_up(db, engine)
    found = suggest(db, engine, "How many potholes were repaired last year?")
    assert [s.title for s in found] == ["Pothole repairs on the high street"]
    assert suggest(db, engine, "\x00") == ()


def test_two_hosts_converge_and_a_late_commit_is_not_lost(db: Session, office: Office, tmp_path: Path) -> None:
    from backoffice.disclosures.models import PublicationChange

    hosts = [open_engine(tmp_path / name, indexing.LOG_SCHEMA) for name in ("host-a", "host-b")]
    try:
        first = published(office, "Council tax bands")
        indexing.catch_up(db, hosts[0])
        second = published(office, "Council tax discounts")
        for host in hosts:
            indexing.catch_up(db, host)
        assert [h.document_count() for h in hosts] == [2, 2]
        assert hosts[0].checkpoint() == hosts[1].checkpoint()
        # A change numbered before the checkpoint that committed after it (a slower transaction).
        withdraw(db, first)
        late = db.get(PublicationChange, max(h.checkpoint() for h in hosts) + 1)
        assert late is not None
        db.delete(late)
        db.add(PublicationChange(seq=hosts[0].checkpoint() + 50, publication_id=second.id))
        db.flush()
        for host in hosts:
            indexing.catch_up(db, host)
        db.add(PublicationChange(seq=hosts[0].checkpoint() - 10, publication_id=first.id))
        db.flush()
        for host in hosts:
            indexing.catch_up(db, host)
            assert host.document_count() == 1
    finally:
        forget_engines()


def test_rebuild_swaps_in_a_new_index(db: Session, office: Office, settings: Settings, engine: SearchEngine) -> None:
    published(office, "Street lighting")
    published(office, "Tree felling")
    done: list[int] = []
    rebuilt = indexing.rebuild(db, settings.search_dir, done.append)
    assert (rebuilt.document_count(), sum(done)) == (2, 2)
    engine.refresh()
    assert search_log(db, engine, query("lighting")).total == 1
    assert engine.checkpoint() == rebuilt.checkpoint() > 0


def test_the_index_job_and_each_hosts_task_catch_up(runtime: Runtime, settings: Settings) -> None:
    from backoffice.disclosures import jobs as index_jobs
    from shared.db import transaction
    from shared.jobs import JobContext
    from tests.factories import seed_office

    with transaction(runtime.factory) as session:
        committed = seed_office(session, runtime.factory)
        committed.session = session
        published(committed, "Allotment waiting list")
    try:
        index_jobs.catch_up_this_host(runtime)
        engine = indexing.log_engine(settings)
        assert engine.document_count() == 1
        with runtime.factory() as session:
            index_jobs.handle_index(session, {}, JobContext(settings=settings, job_id=1, attempts=1))
        assert engine.document_count() == 1
    finally:
        forget_engines()


def test_several_years_are_any_of_them_not_the_years_between(db: Session, office: Office, engine: SearchEngine) -> None:
    import datetime as dt

    for year in (2019, 2021, 2023):
        published(office, f"Library report {year}", when=dt.datetime(year, 6, 1, tzinfo=dt.UTC))
    indexing.catch_up(db, engine)
    results = search_log(db, engine, query("library", year=["2019", "2023"]))
    assert sorted(h.title for h in results.hits) == ["Library report 2019", "Library report 2023"]
    years = next(f for f in results.facets if f.key == "year")
    assert [(v.value, v.count, v.selected) for v in years.values] == [("2023", 1, True), ("2019", 1, True)]


def test_the_worker_rebuilds_an_index_made_for_other_fields(runtime: Runtime, settings: Settings) -> None:
    from backoffice.disclosures import jobs as index_jobs
    from shared.db import transaction
    from shared.jobs import JobContext
    from shared.search import SearchSchema
    from shared.search.indexes import current_directory, rebuilding
    from tests.factories import seed_office

    # The index as an earlier release made it: one field fewer than LOG_SCHEMA has now.
    older = SearchSchema(indexing.LOG_SCHEMA.name, indexing.LOG_SCHEMA.fields[:-1])
    open_engine(settings.search_dir, older)
    forget_engines()
    first = current_directory(settings.search_dir, indexing.LOG_SCHEMA)
    with transaction(runtime.factory) as session:
        committed = seed_office(session, runtime.factory)
        committed.session = session
        published(committed, "Allotment waiting list")
        published(committed, "Cemetery fees")
    try:
        engine = indexing.log_engine(settings)
        assert not engine.matches_schema()
        # A job runs in its own write transaction: it leaves the rebuild to the host task.
        with runtime.factory() as session:
            index_jobs.handle_index(session, {}, JobContext(settings=settings, job_id=1, attempts=1))
        # While another process of this host is rebuilding, the host task leaves the index alone.
        with rebuilding(settings.search_dir, indexing.LOG_SCHEMA) as mine:
            assert mine
            index_jobs.catch_up_this_host(runtime)
        assert current_directory(settings.search_dir, indexing.LOG_SCHEMA) == first
        index_jobs.catch_up_this_host(runtime)
        assert current_directory(settings.search_dir, indexing.LOG_SCHEMA) != first
        assert engine.matches_schema() and engine.document_count() == 2
        with runtime.factory() as session:
            assert search_log(session, engine, query("allotment")).total == 1
        # Matching now, the next run only catches up.
        with transaction(runtime.factory) as session:
            committed.session = session
            published(committed, "Allotment rents")
        index_jobs.catch_up_this_host(runtime)
        assert engine.document_count() == 3
    finally:
        forget_engines()


def test_a_rebuild_short_of_room_removes_its_generation_and_the_old_index_stays_in_use(
        runtime: Runtime, settings: Settings) -> None:
    import dataclasses
    import shutil

    from backoffice.disclosures import jobs as index_jobs
    from shared.db import read_only, transaction
    from shared.search import IndexFull, SearchSchema
    from shared.search.indexes import current_directory
    from shared.search.whoosh_engine import WRITE_MARGIN
    from tests.factories import seed_office

    older = SearchSchema(indexing.LOG_SCHEMA.name, indexing.LOG_SCHEMA.fields[:-1])  # wants a rebuild
    open_engine(settings.search_dir, older)
    forget_engines()
    home = settings.search_dir / indexing.LOG_SCHEMA.name
    first = current_directory(settings.search_dir, indexing.LOG_SCHEMA)
    assert first is not None
    with transaction(runtime.factory) as session:
        committed = seed_office(session, runtime.factory)
        committed.session = session
        published(committed, "Allotment waiting list", pages=("allotment plots and waiting times " * 30_000,))
    # Room for the margin and half a megabyte: the build of a megabyte of text is refused at its commit.
    tight = dataclasses.replace(settings, disk_reserve_bytes=shutil.disk_usage(home).free - WRITE_MARGIN - 512 * 1024)
    try:
        with read_only(runtime.factory()) as session, pytest.raises(IndexFull):
            indexing.keep_current(session, tight)
        assert [p.name for p in home.glob("gen-*")] == [first.name]  # the build's generation is gone
        assert current_directory(settings.search_dir, indexing.LOG_SCHEMA) == first
        index_jobs.catch_up_this_host(Runtime(tight, runtime.engine, runtime.factory))  # says so, raises nothing
        assert [p.name for p in home.glob("gen-*")] == [first.name]

        index_jobs.catch_up_this_host(runtime)  # with room
        assert current_directory(settings.search_dir, indexing.LOG_SCHEMA) != first
        assert indexing.log_engine(settings).document_count() == 1
    finally:
        forget_engines()
