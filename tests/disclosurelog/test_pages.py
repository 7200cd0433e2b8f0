"""The log's pages as a member of the public reads them: home, a response, its documents, 410 once withdrawn."""

from __future__ import annotations

import json
import re

from tests.disclosurelog.conftest import Log, Reader

BIG_PDF = b"%PDF-1.4\n" + b"0" * 1_250_000 + b"\n%%EOF\n"


def test_home_lists_the_newest_the_categories_and_the_feed(log: Log, reader: Reader) -> None:
    roads = log.category("Roads and transport")
    log.category("Libraries")  # nothing published in it: not offered
    log.publish("Pothole repairs in 2025", category_id=roads)
    log.publish("A draft nobody may see", status="draft")
    page = reader.get("/", title="Testshire Council disclosure log")
    assert "Pothole repairs in 2025" in page.text and "A draft nobody may see" not in page.text
    assert "Published 2 December 2026" in page.text
    assert f'href="/disclosure-log/search?category={roads}">Roads and transport</a> (1)' in page.text
    assert "Libraries" not in page.text
    assert '<form method="get" action="/disclosure-log/search"' in page.text and 'name="q"' in page.text
    assert '<link rel="alternate" type="application/atom+xml"' in page.text
    assert 'href="/disclosure-log/feed.atom"' in page.text
    assert '<a class="govuk-link" href="/disclosure-log/performance">Our FOI performance</a>' in page.text


def test_a_response_page_says_everything_in_words(log: Log, reader: Reader) -> None:
    roads = log.category("Roads and transport")
    reference = log.publish("Pothole repairs in 2025", category_id=roads, summary="How many potholes we filled.",
                            request="How many potholes did you fill in 2025?",
                            documents=(("Appendix B.pdf", BIG_PDF, ("One", "Two")),))
    (document_id,) = log.document_ids(reference)
    page = reader.get(f"/responses/{reference}", title="Pothole repairs in 2025")
    text = page.text
    for expected in (reference, "How many potholes we filled.", "How many potholes did you fill in 2025?",
                     "5 October 2026", "2 November 2026", "2 December 2026", "Granted in part",
                     "s.40 Personal information", "Roads and transport", "Appendix B.pdf", "PDF, 1.2 MB, 2 pages"):
        assert expected in text, expected
    assert f'href="/disclosure-log/responses/{reference}/documents/{document_id}"' in text
    nonce = re.search(r"'nonce-([^']+)'", page.headers["content-security-policy"])
    assert nonce is not None
    found = re.search(r'<script type="application/ld\+json" nonce="([^"]+)">(.*?)</script>', text, re.S)
    assert found is not None and found.group(1) == nonce.group(1)
    data = json.loads(found.group(2))
    assert data["@type"] == "DigitalDocument" and data["identifier"] == reference
    assert data["url"] == f"http://testserver/disclosure-log/responses/{reference}"
    assert data["datePublished"] == "2026-12-02" and data["hasPart"][0]["encodingFormat"] == "application/pdf"
    # The reference in any letter case names the same response.
    reader.get(f"/responses/{reference.lower()}", title="Pothole repairs in 2025")


def test_json_ld_cannot_end_its_script(log: Log, reader: Reader) -> None:
    reference = log.publish("Tricky </script><script>alert(1)</script> title")
    page = reader.get(f"/responses/{reference}")
    script = re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', page.text, re.S)
    assert script is not None and "<" not in script.group(1)
    assert json.loads(script.group(1))["name"].startswith("Tricky </script>")


def test_documents_download_with_ranges_etag_and_head(log: Log, reader: Reader) -> None:
    reference = log.publish("Pothole repairs", documents=(("Appendix B.pdf", BIG_PDF, ("One",)),
                                                         ("Notes, “draft”.txt", b"Plain notes.\n", ("Plain",))))
    other = log.publish("Another response", documents=(("Other.txt", b"Someone else's.\n", ("x",)),))
    pdf_id, notes_id = log.document_ids(reference)
    pdf = reader.get(f"/responses/{reference}/documents/{pdf_id}")
    assert pdf.content == BIG_PDF and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith('inline; filename="Appendix B.pdf"')
    assert pdf.headers["accept-ranges"] == "bytes" and pdf.headers["etag"].startswith('"')
    assert "sandbox" not in pdf.headers["content-security-policy"]  # the browser's PDF viewer must open it
    part = reader.get(f"/responses/{reference}/documents/{pdf_id}", status=206, headers={"Range": "bytes=0-7"})
    assert part.content == b"%PDF-1.4" and part.headers["content-range"] == f"bytes 0-7/{len(BIG_PDF)}"
    resumed = reader.get(f"/responses/{reference}/documents/{pdf_id}", status=206,
                         headers={"Range": "bytes=8-", "If-Range": pdf.headers["etag"]})
    assert resumed.content == BIG_PDF[8:]
    head = reader.client.head(f"/disclosure-log/responses/{reference}/documents/{pdf_id}")
    assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == str(len(BIG_PDF))
    notes = reader.get(f"/responses/{reference}/documents/{notes_id}")
    assert notes.content == b"Plain notes.\n"
    assert notes.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''Notes%2C%20%E2%80%9Cdraft%E2%80%9D.txt" in notes.headers["content-disposition"]
    assert "sandbox" in notes.headers["content-security-policy"]
    (other_id,) = log.document_ids(other)
    reader.get(f"/responses/{reference}/documents/{other_id}", status=404)  # only its own documents


def test_withdrawn_is_gone_and_says_why_unpublished_is_not_found(log: Log, reader: Reader) -> None:
    reference = log.publish("Staff names", documents=(("List.txt", b"Names.\n", ("Names",)),))
    (document_id,) = log.document_ids(reference)
    log.withdraw(reference, "It named a member of staff")
    sentence = "This response was withdrawn on 3 December 2026: It named a member of staff."
    page = reader.get(f"/responses/{reference}", status=410, title="This response has been withdrawn")
    assert sentence in page.text
    download = reader.get(f"/responses/{reference}/documents/{document_id}", status=410)
    assert sentence in download.text and b"Names." not in download.content
    draft = log.publish("Not yet", status="draft")
    awaiting = log.publish("Waiting", status="awaiting approval")
    for missing in (draft, awaiting, "FOI-1999-0001", "x" * 300):
        reader.get(f"/responses/{missing}", status=404, title="Page not found")
    home = reader.get("/")
    assert "Staff names" not in home.text


def test_performance_page_shows_quarters(log: Log, reader: Reader) -> None:
    log.publish("Counted")
    page = reader.get("/performance", title="Our FOI performance")
    for heading in ("Received", "Answered in time", "Extended", "Late", "Granted in full", "Refused in full",
                    "Part refused", "Internal reviews"):
        assert f">{heading}</th>" in page.text, heading
    assert "Internal reviews are not recorded as cases here" not in page.text  # the built-in type records them
