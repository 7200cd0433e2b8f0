"""The Whoosh engine against real index directories: parsing that never raises, filters, facets, snippets."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.search import (
    DateRange,
    FacetCount,
    Field,
    FieldKind,
    IndexDocument,
    Match,
    SearchQuery,
    SearchSchema,
    Segment,
)
from shared.search.whoosh_engine import WhooshEngine

SCHEMA = SearchSchema("test", (
    Field("title", FieldKind.TEXT, stored=True, boost=2.0),
    Field("summary", FieldKind.TEXT, stored=True),
    Field("documents", FieldKind.TEXT),
    Field("spelling", FieldKind.SPELLING),
    Field("outcome", FieldKind.KEYWORD, stored=True),
    Field("exemption", FieldKind.KEYWORD),
    Field("published", FieldKind.DATE, stored=True),
    Field("pages", FieldKind.NUMBER, stored=True),
    Field("reference", FieldKind.STORED),
))

ROWS = (
    ("1", "Housing repairs backlog", "Repairs to council housing in 2025.", "granted", ("s40",), dt.date(2025, 3, 1)),
    ("2", "Parking fines issued", "Fines for parking on the high street.", "refused", ("s40", "s43"),
     dt.date(2026, 1, 5)),
    ("3", "Council tax arrears", "How many people are in council tax arrears.", "granted", (), dt.date(2026, 2, 1)),
    ("4", "Housing waiting list", "The length of the housing waiting list.", "part", ("s21",), dt.date(2024, 7, 9)),
    ("5", "School meals repair budget", "Money spent on repairing school kitchens.", "granted", (), None),
)


def _document(row: tuple) -> IndexDocument:
    id, title, summary, outcome, exemptions, published = row
    return IndexDocument(id, {"title": title, "summary": summary, "spelling": f"{title} {summary}",
                              "outcome": (outcome,), "exemption": exemptions, "published": published,
                              "pages": int(id) * 10, "reference": f"FOI-{id}"})


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    engine = WhooshEngine(tmp_path_factory.mktemp("index"), SCHEMA)
    with engine.writer() as writer:
        for row in ROWS:
            writer.upsert(_document(row))
        writer.set_checkpoint(7)
    return engine


def _ids(engine, **query) -> list[str]:
    return [hit.id for hit in engine.search(SearchQuery(**query)).hits]


def test_stemmed_words_find_each_other(engine):
    assert sorted(_ids(engine, text="repair")) == ["1", "5"]
    assert sorted(_ids(engine, text="Repairing")) == ["1", "5"]


def test_every_word_must_match_unless_any(engine):
    assert _ids(engine, text="housing repairs") == ["1"]
    assert sorted(_ids(engine, text="housing repairs", match=Match.ANY)) == ["1", "4", "5"]


def test_quotes_make_a_phrase(engine):
    assert _ids(engine, text='"waiting list"') == ["4"]
    assert _ids(engine, text='"list waiting"') == []


def test_title_matches_rank_first(engine):
    assert _ids(engine, text="housing")[0] in {"1", "4"}
    assert engine.search(SearchQuery(text="housing")).hits[0].score > 0


@pytest.mark.parametrize("text", [
    "housing AND OR NOT", "NOT", "hous* ?arking", "title:housing", "outcome:granted", "x" * 10_000,
    "housing " * 2000, "\x00\x01\x1b[31m\x7f", '"unbalanced quote', '"', '""', "((( [ { ~2 ^3 \\", "-- ; DROP TABLE",
    "\u202e\ufeffhousing\u0301", "*", "?",
])
def test_no_input_raises(engine, text):
    results = engine.search(SearchQuery(text=text, facets=("outcome", "published"), highlight=("title",)))
    assert results.total >= 0
    engine.correct(text, "spelling")
    engine.excerpts("Housing repairs", text, "documents")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from('"*?:()-+~^ '), max_size=200))
def test_no_text_at_all_raises(engine, text):
    engine.search(SearchQuery(text=text, match=Match.ANY, facets=("exemption",), highlight=("summary",)))


def test_an_empty_index_answers(tmp_path):
    engine = WhooshEngine(tmp_path, SCHEMA)
    results = engine.search(SearchQuery(text="housing", facets=("outcome", "published"), highlight=("title",)))
    assert (results.total, results.hits, results.facets["outcome"]) == (0, (), ())
    assert engine.correct("housng", "spelling") is None
    assert engine.document_count() == 0 and engine.checkpoint() == 0


def test_operators_and_field_syntax_are_words(engine):
    assert _ids(engine, text="NOT housing AND waiting") == ["4"]
    assert _ids(engine, text="summary:waiting") == []  # "summary" is a word no document has
    assert sorted(_ids(engine, text="housing*")) == ["1", "4"]


def test_filters_ranges_and_ids(engine):
    assert sorted(_ids(engine, filters={"outcome": ("granted", "part")})) == ["1", "3", "4", "5"]
    assert _ids(engine, filters={"outcome": ("granted",), "exemption": ("s40",)}) == ["1"]
    assert _ids(engine, filters={"outcome": ("nothing",)}) == []
    assert sorted(_ids(engine, ranges=(DateRange("published", dt.date(2026, 1, 5), dt.date(2026, 2, 1)),))) == [
        "2", "3"]
    assert sorted(_ids(engine, ranges=(DateRange("published", end=dt.date(2025, 3, 1)),))) == ["1", "4"]
    assert sorted(_ids(engine, text="housing", ids=("4", "5", "nope"))) == ["4"]
    assert _ids(engine, ids=()) == []
    filtered = engine.search(SearchQuery(text="council", filters={"outcome": ("granted",)}, per_page=1))
    assert (filtered.total, len(filtered.hits)) == (2, 1)


def test_restrictions_do_not_change_scores(engine):
    plain = engine.search(SearchQuery(text="repair")).hits
    restricted = engine.search(SearchQuery(text="repair", filters={"exemption": ("s40", "s43")},
                                           ranges=(DateRange("published", dt.date(2000, 1, 1)),),
                                           facets=("outcome",))).hits
    assert [(h.id, h.score) for h in restricted] == [(h.id, h.score) for h in plain if h.id == "1"]


def test_facets_count_every_match_ignoring_paging(engine):
    results = engine.search(SearchQuery(per_page=1, page=2, facets=("outcome", "exemption", "published")))
    assert results.total == 5 and len(results.hits) == 1
    assert results.facets["outcome"] == (FacetCount("granted", 3), FacetCount("part", 1), FacetCount("refused", 1))
    assert results.facets["exemption"] == (FacetCount("s40", 2), FacetCount("s21", 1), FacetCount("s43", 1))
    assert results.facets["published"] == (FacetCount("2026", 2), FacetCount("2024", 1), FacetCount("2025", 1))
    assert sum(c.count for c in results.facets["outcome"]) == results.total
    narrowed = engine.search(SearchQuery(text="housing", facets=("outcome",)))
    assert narrowed.facets["outcome"] == (FacetCount("granted", 1), FacetCount("part", 1))


def test_sorting_and_paging(engine):
    assert _ids(engine) == ["3", "2", "1", "4", "5"]  # no text: newest first, undated last
    assert _ids(engine, text="council", sort_by="published") == ["3", "1"]
    assert _ids(engine, sort_by="pages", per_page=2) == ["5", "4"]
    beyond = engine.search(SearchQuery(page=9, per_page=2))
    assert beyond.total == 5 and beyond.hits == ()
    assert _ids(engine, page=3, per_page=2) == ["5"]


def test_hits_carry_stored_values(engine):
    hit = engine.search(SearchQuery(ids=("2",))).hits[0]
    assert hit.stored == {"title": "Parking fines issued", "summary": "Fines for parking on the high street.",
                          "outcome": ("refused",), "published": dt.date(2026, 1, 5), "pages": 20,
                          "reference": "FOI-2"}


def test_snippets_are_plain_text_segments(tmp_path):
    engine = WhooshEngine(tmp_path, SCHEMA)
    with engine.writer() as writer:
        writer.upsert(IndexDocument("1", {"title": "A <script>alert(1)</script> repair", "summary": "nothing"}))
    hit = engine.search(SearchQuery(text="repairs", highlight=("title", "summary"))).hits[0]
    assert hit.snippets["title"] == ((Segment("A <script>alert(1)</script> ", False), Segment("repair", True)),)
    assert hit.snippets["summary"] == ()


def test_excerpts_cut_around_matches_and_drop_near_duplicates(engine):
    filler = " ".join(f"word{i}" for i in range(60))
    boilerplate = "Contact the housing team for repairs."
    text = f"{boilerplate} {filler} {boilerplate} {filler} The repaired roof."
    snippets = engine.excerpts(text, "housing repair", "documents")
    assert len(snippets) == 2
    assert all(len("".join(s.text for s in snippet).split()) <= 25 for snippet in snippets)
    assert [s.text for s in snippets[0] if s.matched] == ["housing", "repairs"]
    assert [s.text for s in snippets[1] if s.matched] == ["repaired"]
    assert engine.excerpts(text, "parking", "documents") == ()
    assert engine.excerpts("", "housing", "documents") == ()


def test_did_you_mean(engine):
    assert engine.correct("housng repairs", "spelling") == "housing repairs"
    assert engine.correct("parkng fnes", "spelling") == "parking fines"
    assert engine.correct("the housng", "spelling") == "the housing"  # a stop word is not "corrected"
    assert engine.correct("Housing repairs", "spelling") is None
    assert engine.correct("zzzzqqq", "spelling") is None
    assert engine.correct("", "spelling") is None


def test_checkpoint_and_count_persist(engine):
    assert engine.checkpoint() == 7 and engine.document_count() == 5
    again = WhooshEngine(engine.directory, SCHEMA)
    assert again.checkpoint() == 7 and again.document_count() == 5


def test_a_failed_batch_is_cancelled(tmp_path):
    engine = WhooshEngine(tmp_path, SCHEMA)
    assert engine.checkpoint() == 0
    with pytest.raises(RuntimeError), engine.writer() as writer:
        writer.upsert(_document(ROWS[0]))
        writer.set_checkpoint(3)
        raise RuntimeError("boom")
    assert engine.document_count() == 0 and engine.checkpoint() == 0


def test_another_process_sees_commits_after_refresh(tmp_path):
    writer_side = WhooshEngine(tmp_path, SCHEMA)
    reader_side = WhooshEngine(tmp_path, SCHEMA)
    assert reader_side.search(SearchQuery()).total == 0
    with writer_side.writer() as writer:
        for row in ROWS[:3]:
            writer.upsert(_document(row))
    reader_side.refresh()
    assert reader_side.search(SearchQuery(facets=("outcome",))).total == 3
    with writer_side.writer() as writer:
        writer.delete("2")
        writer.upsert(_document(("1", "Housing repairs", "Changed", "refused", (), dt.date(2025, 3, 1))))
    reader_side.refresh()
    results = reader_side.search(SearchQuery(facets=("outcome",)))
    assert results.total == 2
    assert results.facets["outcome"] == (FacetCount("granted", 1), FacetCount("refused", 1))


def test_an_index_made_for_other_fields_says_so(tmp_path):
    engine = WhooshEngine(tmp_path, SCHEMA)
    assert engine.matches_schema()
    changed = SearchSchema("test", (*SCHEMA.fields[:-1], Field("reference", FieldKind.KEYWORD)))
    assert not WhooshEngine(tmp_path, changed).matches_schema()
    respelt = SearchSchema("test", tuple(Field(f.name, FieldKind.TEXT if f.kind is FieldKind.SPELLING else f.kind,
                                               f.stored, f.boost) for f in SCHEMA.fields))
    assert not WhooshEngine(tmp_path, respelt).matches_schema()


def test_a_search_looks_for_new_commits_by_itself(tmp_path, monkeypatch):
    import shared.search.whoosh_engine as whoosh_engine

    reader_side = WhooshEngine(tmp_path, SCHEMA)
    assert reader_side.search(SearchQuery()).total == 0
    with WhooshEngine(tmp_path, SCHEMA).writer() as writer:
        writer.upsert(_document(ROWS[0]))
    monkeypatch.setattr(whoosh_engine, "REFRESH_EVERY", -1.0)  # as if a second had passed
    assert reader_side.search(SearchQuery()).total == 1


@pytest.mark.parametrize("query", [
    SearchQuery(text="housing repairs council", match=Match.ANY, filters={"exemption": ("s40", "s21")}),
    SearchQuery(text='council "waiting list"', match=Match.ANY, ranges=(DateRange("published", dt.date(2025, 1, 1)),)),
    SearchQuery(text="council housing", ids=("1", "3", "4")),
    SearchQuery(text="housing", match=Match.ANY),
])
def test_the_matches_counted_are_the_matches_found(engine, query):
    """Facet counts read the matches from the postings as sets; whoosh's own count must agree."""
    counted = engine.search(replace(query, facets=("outcome",)))
    found = engine.search(query)
    assert counted.total == found.total == sum(c.count for c in counted.facets["outcome"])
    assert [h.id for h in counted.hits] == [h.id for h in found.hits]


def test_a_deletion_is_counted_at_once_though_postings_are_kept(tmp_path):
    engine = WhooshEngine(tmp_path, SCHEMA)
    with engine.writer() as writer:
        for row in ROWS:
            writer.upsert(_document(row))
    query = SearchQuery(text="housing", facets=("outcome",))
    assert engine.search(query).total == 2
    with engine.writer() as writer:
        writer.delete("4")
    results = engine.search(query)
    assert results.total == 1 and results.facets["outcome"] == (FacetCount("granted", 1),)


def test_a_search_can_look_in_some_text_fields_only(tmp_path: Path) -> None:
    from shared.search import Field, FieldKind, IndexDocument, SearchQuery, SearchSchema
    from shared.search.whoosh_engine import WhooshEngine

    schema = SearchSchema("t", (Field("title", FieldKind.TEXT, stored=True), Field("body", FieldKind.TEXT)))
    engine = WhooshEngine(tmp_path, schema)
    with engine.writer() as writer:
        writer.upsert(IndexDocument("1", {"title": "Potholes", "body": "gritting"}))
    assert engine.search(SearchQuery(text="gritting")).total == 1
    assert engine.search(SearchQuery(text="gritting", fields=("title",))).total == 0
    assert engine.search(SearchQuery(text="potholes", fields=("title",))).total == 1


def test_rarest_keeps_the_words_fewest_documents_have(engine):
    def rarest(text: str, n: int) -> list[str]:
        return sorted(_ids(engine, text=text, match=Match.ANY, fields=("title", "summary"), rarest=n))

    # kitchens: one document; fines: one (title and summary); council: two; housing: two.
    assert rarest("council housing kitchens", 1) == ["5"]
    assert rarest("council housing fines", 2) == ["1", "2", "3"]
    # A word the index lacks is left out rather than counted as the rarest; one word's forms count once.
    assert rarest("zzyzx kitchens", 1) == ["5"]
    assert rarest("repair repairing kitchens", 2) == ["1", "5"]
    assert rarest("council housing kitchens", 3) == ["1", "3", "4", "5"]
    results = engine.search(SearchQuery(text="zzyzx qqxq", match=Match.ANY, rarest=5, facets=("outcome",)))
    assert (results.total, results.hits, results.facets) == (0, (), {"outcome": ()})


def test_without_counting_all_the_total_is_the_hits_found(engine):
    counted = engine.search(SearchQuery(text="housing council", match=Match.ANY, per_page=2))
    found = engine.search(SearchQuery(text="housing council", match=Match.ANY, per_page=2, count_all=False))
    assert (counted.total, found.total) == (3, 2)
    assert [h.id for h in found.hits] == [h.id for h in counted.hits]
