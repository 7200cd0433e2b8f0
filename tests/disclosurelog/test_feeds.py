"""The log for machines: Atom (parsed by feedparser, and its required elements asserted, since feedparser alone
accepts a feed with no ids or dates), JSON Feed 1.1, the CSV of the whole log and the sitemap."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from xml.etree import ElementTree as ET

import feedparser
from defusedxml import ElementTree as SafeET

from tests.disclosurelog.conftest import Log, Reader

A = "{http://www.w3.org/2005/Atom}"
AT = "{http://purl.org/atompub/tombstones/1.0}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BASE = "http://testserver/disclosure-log"


def _required_atom(root: ET.Element) -> None:
    """RFC 4287 §4.1.1–4.1.2: a feed has id, title, updated (and a self link); each entry id, title, updated."""
    assert root.tag == f"{A}feed"
    for tag in ("id", "title", "updated"):
        assert (root.findtext(f"{A}{tag}") or "").strip(), tag
    assert any(link.get("rel") == "self" for link in root.findall(f"{A}link"))
    for entry in root.findall(f"{A}entry"):
        for tag in ("id", "title", "updated", "published", "summary"):
            assert (entry.findtext(f"{A}{tag}") or "").strip(), tag
        assert entry.find(f"{A}link") is not None
        dt.datetime.fromisoformat(entry.findtext(f"{A}updated", ""))


def test_atom_feed_lists_published_and_announces_withdrawn(log: Log, reader: Reader) -> None:
    old = log.publish("Old answer", when=dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC))
    new = log.publish("New answer & more", summary="Bins <b>collected</b>.",
                      when=dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC))
    gone = log.publish("Gone answer")
    log.publish("Draft", status="draft")
    log.withdraw(gone, when=dt.datetime(2026, 12, 3, 9, tzinfo=dt.UTC))
    response = reader.get("/feed.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert [e.link for e in parsed.entries] == [f"{BASE}/responses/{new}", f"{BASE}/responses/{old}"]
    assert parsed.entries[0].title == f"{new}: New answer & more"
    root = SafeET.fromstring(response.content)
    assert root.find(f"{A}entry/{A}summary").text == "Bins <b>collected</b>."
    _required_atom(root)
    assert root.findtext(f"{A}updated") == "2026-12-03T09:00:00Z"  # the withdrawal is the latest change
    ids = [entry.findtext(f"{A}id") for entry in root.findall(f"{A}entry")]
    assert ids == [f"{BASE}/responses/{new}", f"{BASE}/responses/{old}"]  # stable: the response's address
    (deleted,) = root.findall(f"{AT}deleted-entry")
    assert deleted.get("ref") == f"{BASE}/responses/{gone}" and deleted.get("when") == "2026-12-03T09:00:00Z"


def test_json_feed_is_version_1_1_without_the_withdrawn(log: Log, reader: Reader) -> None:
    kept = log.publish("Kept")
    gone = log.publish("Gone")
    log.withdraw(gone)
    response = reader.get("/feed.json")
    assert response.headers["content-type"].startswith("application/feed+json")
    body = json.loads(response.text)
    assert body["version"] == "https://jsonfeed.org/version/1.1" and body["title"]
    assert body["feed_url"] == f"{BASE}/feed.json" and body["home_page_url"] == f"{BASE}/"
    assert [item["id"] for item in body["items"]] == [f"{BASE}/responses/{kept}"]
    item = body["items"][0]
    assert item["url"] == item["id"] and item["content_text"] and item["date_published"].endswith("Z")


def test_csv_is_the_whole_log_with_formulas_defused(log: Log, reader: Reader) -> None:
    roads = log.category("Roads")
    first = log.publish("=HYPERLINK(\"http://evil\")", category_id=roads,
                        documents=(("a.txt", b"A\n", ("A",)), ("b.txt", b"B\n", ("B",))))
    second = log.publish("Plain, with a comma", exemptions=())
    gone = log.publish("Gone")
    log.withdraw(gone)
    response = reader.get("/disclosure-log.csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="disclosure-log.csv"')
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["reference", "title", "type", "received", "responded", "published", "outcome", "exemptions",
                       "category", "documents", "URL"]
    by_reference = {row[0]: row for row in rows[1:]}
    assert set(by_reference) == {first, second}
    row = by_reference[first]
    assert row[1] == "'=HYPERLINK(\"http://evil\")"
    assert row[2:9] == ["Freedom of Information request", "2026-10-05", "2026-11-02", "2026-12-02", "Granted in part",
                        "s.40 Personal information", "Roads"]
    assert sorted(row[9].split("; ")) == ["a.txt", "b.txt"]
    assert row[10] == f"{BASE}/responses/{first}"
    assert by_reference[second][1] == "Plain, with a comma" and by_reference[second][7] == ""


def test_sitemap_lists_published_only(log: Log, reader: Reader) -> None:
    kept = log.publish("Kept")
    gone = log.publish("Gone")
    draft = log.publish("Draft", status="draft")
    log.withdraw(gone)
    response = reader.get("/sitemap.xml")
    root = SafeET.fromstring(response.content)
    assert root.tag == f"{SM}urlset"
    locations = [url.findtext(f"{SM}loc") for url in root.findall(f"{SM}url")]
    assert locations == [f"{BASE}/", f"{BASE}/responses/{kept}"]
    assert all(ref not in response.text for ref in (gone, draft))
