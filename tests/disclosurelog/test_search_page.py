"""The search results page over a real index: hits inside documents, escaped highlights, facets as GET
filters, "did you mean", paging links that keep the filters, and the same search as Atom."""

from __future__ import annotations

import re
from html import unescape

import feedparser
from defusedxml import ElementTree as SafeET

from tests.disclosurelog.conftest import Log, Reader
from tests.disclosurelog.test_feeds import _required_atom

PDF = b"%PDF-1.4\n%%EOF\n"


def test_a_word_on_page_three_is_found_there_and_marked(log: Log, reader: Reader) -> None:
    reference = log.publish("Pothole repairs", documents=(
        ("Appendix B.pdf", PDF, ("Roads budget.", "Staffing.", "The gritting lorries <script>alert(1)</script>.")),))
    log.publish("Library opening hours")
    log.index()
    (document_id,) = log.document_ids(reference)
    page = reader.get("/search?q=gritting", title="gritting: search results")
    assert "1 result for “gritting”" in page.text
    assert f'href="/disclosure-log/responses/{reference}">Pothole repairs</a>' in page.text
    assert f'href="/disclosure-log/responses/{reference}/documents/{document_id}#page=3"' in page.text
    assert "Found in Appendix B.pdf, page 3" in page.text
    assert re.search(r"<mark>gritting</mark>", page.text, re.I)
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
    assert "Library opening hours" not in page.text


def test_facets_filter_by_get_and_can_be_removed(log: Log, reader: Reader) -> None:
    roads = log.category("Roads")
    for n in range(3):
        log.publish(f"Road report {n}", category_id=roads, outcome="refused_in_full", outcome_label="Refused in full")
    log.publish("Road sign costs")
    log.index()
    page = reader.get("/search?q=road")
    assert "4 results" in page.text
    assert '<form method="get" action="/disclosure-log/search"' in page.text
    assert re.search(r'name="outcome"[^>]*value="refused_in_full"', page.text)
    assert "Refused in full (3)" in page.text and "Granted in part (1)" in page.text
    filtered = reader.get("/search?q=road&outcome=refused_in_full")
    assert "3 results" in filtered.text and "Road sign costs" not in filtered.text
    assert re.search(r'value="refused_in_full"\s+checked', filtered.text)
    removal = re.search(r'<a class="govuk-link" href="([^"]+)">Remove filter', filtered.text)
    assert removal is not None and "outcome=" not in unescape(removal.group(1))
    assert "q=road" in unescape(removal.group(1))
    by_category = reader.get(f"/search?category={roads}")
    assert "3 results" in by_category.text


def test_paging_sorting_and_the_atom_of_a_search(log: Log, reader: Reader) -> None:
    for n in range(21):
        log.publish(f"Bin collection {n}")
    log.index()
    first = reader.get("/search?q=bin&outcome=granted_in_part")
    assert "21 results" in first.text and 'class="govuk-pagination' in first.text
    nxt = re.search(r'<a class="govuk-link govuk-pagination__link" href="([^"]+)" rel="next"', first.text)
    assert nxt is not None
    href = unescape(nxt.group(1))
    assert "page=2" in href and "outcome=granted_in_part" in href and "q=bin" in href
    second = reader.get(href.removeprefix("/disclosure-log"))
    assert "Bin collection" in second.text and 'rel="prev"' in second.text
    assert 'href="/disclosure-log/search?q=bin&amp;outcome=granted_in_part&amp;sort=newest"' in first.text
    alternate = re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]*href="([^"]+)"', first.text)
    assert alternate is not None and "search.atom" in alternate.group(1)
    feed = reader.get(unescape(alternate.group(1)).removeprefix("/disclosure-log"))
    parsed = feedparser.parse(feed.content)
    assert parsed.bozo == 0 and len(parsed.entries) == 10  # one page of results, newest first
    _required_atom(SafeET.fromstring(feed.content))


def test_did_you_mean_keeps_the_filters_and_bad_dates_are_explained(log: Log, reader: Reader) -> None:
    log.publish("Housing repairs backlog")
    log.publish("Housing benefit payments")
    log.index()
    page = reader.get("/search?q=housng&type=foi")
    assert "Did you mean" in page.text
    link = re.search(r'Did you mean <a class="govuk-link" href="([^"]+)">housing</a>', page.text)
    assert link is not None and "type=foi" in unescape(link.group(1)) and "q=housing" in unescape(link.group(1))
    wrong = reader.get("/search?q=housing&from=2026-02-31", title="Error: housing")
    assert "The start date must be a real date" in wrong.text and 'value="2026-02-31"' in wrong.text
    assert 'href="#from"' in wrong.text


def test_a_withdrawn_response_is_not_found_at_once(log: Log, reader: Reader) -> None:
    reference = log.publish("Council tax arrears")
    log.index()
    assert "1 result" in reader.get("/search?q=arrears").text
    log.withdraw(reference)  # before the index hears of it, the page already leaves it out
    assert "Council tax arrears" not in reader.get("/search?q=arrears").text
