"""Benchmark: the Disclosure Log's search at council scale, beside SQLite FTS5 on the same corpus in the same run.

Seeds a temporary SQLite database with N synthetic published responses (title, summary, request, 1–3
documents of 300–1,500 words in pages of about 300 words, 12 categories, 5 outcomes, 0–2 of 10 exemptions,
2 request types), then measures:

- the full rebuild (``backoffice.disclosures.indexing.rebuild``: database to a new index, swapped in):
  responses per second and the index's size on disk;
- search as the results page does it (``search_log``: AND of the words, 5 facet counts, highlighted top
  results with the page a word was found on), p50/p95 over random one- and two-word queries;
- "did you mean" (``correct`` on the spelling field) p95, and suggestions for a 20-word draft p95;
- publish-to-searchable and withdraw-to-gone with the worker's host task running in a thread;
- SQLite FTS5 (porter stemming) doing the same search: MATCH, bm25 top 10 with ``snippet()``, and the same
  facet counts by GROUP BY, over the same corpus.

    PYTHONPATH=. .venv/bin/python bench/disclosure_search.py --records 2000
    PYTHONPATH=. .venv/bin/python bench/disclosure_search.py --records 10000 --queries 300
    PYTHONPATH=. .venv/bin/python bench/disclosure_search.py --records 50000 --data /tmp/ds50k  # seed once, reuse

Sessions that only read are read-only, as a web GET's are: on SQLite a write transaction holds the one write
lock, and the worker's catch-up would wait for it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from backoffice.cases.case_types import seed_built_in_types
from backoffice.disclosures import indexing
from backoffice.disclosures.changes import record_change
from backoffice.disclosures.models import PUBLISHED, WITHDRAWN, Publication
from backoffice.disclosures.search import LogQuery, search_log, suggest
from shared import audit, migrations
from shared.apps import discover, import_models
from shared.db import make_engine, make_session_factory, read_only, transaction, utcnow
from shared.search import SearchQuery
from shared.search.indexes import forget_engines
from shared.settings import load_settings

TOPICS = ["housing", "repairs", "council", "tax", "parking", "fines", "potholes", "roads", "gritting", "library", "opening", "hours", "bin", "collection", "recycling", "waste", "planning", "applications", "licensing", "taxi", "school", "admissions", "transport", "buses", "trains", "cycling", "lanes", "street", "lighting", "trees", "parks", "allotments", "cemetery", "burial", "social", "care", "adult", "children", "safeguarding", "contracts", "procurement", "consultants", "agency", "staff", "salaries", "pensions", "sickness", "absence", "budget", "spending", "invoices", "grants", "business", "rates", "homelessness", "temporary", "accommodation", "flooding", "drainage", "air", "quality", "noise", "complaints", "pest", "control", "food", "hygiene", "inspections", "cctv", "cameras", "fly", "tipping", "graffiti", "abandoned", "vehicles", "electric", "charging", "points", "leisure", "centres", "swimming", "pools", "museums", "theatre", "events", "festivals", "elections", "voting", "registers", "councillors", "allowances", "expenses", "meetings", "minutes", "policy", "strategy", "climate", "emergency", "carbon", "energy", "solar", "insulation", "heating"]
OUTCOMES = (("granted_in_full", "Granted in full"), ("granted_in_part", "Granted in part"),
            ("refused", "Refused"), ("not_held", "Information not held"), ("vexatious", "Vexatious"))
EXEMPTIONS = ("s12", "s14", "s21", "s22", "s31", "s38", "s40", "s41", "s42", "s43")
PAGE_WORDS = 300


def vocabulary(rng: random.Random, size: int = 6000) -> list[str]:
    syllables = ["ba", "ce", "di", "fo", "gu", "la", "me", "ni", "po", "ru", "sa", "te", "vi", "wo", "zen", "tor",
                 "ing", "ment", "al", "ly", "er", "ous", "ive", "ic", "ant"]
    words = list(dict.fromkeys(TOPICS))
    while len(words) < size:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if word not in words:
            words.append(word)
    return words


class Corpus:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.words = vocabulary(self.rng)
        self.weights = [1 / (rank + 1) for rank in range(len(self.words))]

    def text(self, n: int) -> str:
        return " ".join(self.rng.choices(self.words, self.weights, k=n))

    def record(self) -> dict[str, Any]:
        documents = []
        for d in range(self.rng.randint(1, 3)):
            words = self.text(self.rng.randint(300, 1500)).split()
            pages = [" ".join(words[i:i + PAGE_WORDS]) for i in range(0, len(words), PAGE_WORDS)]
            documents.append((f"Appendix {'ABC'[d]}.pdf", pages))
        outcome = self.rng.choice(OUTCOMES)
        return {"title": self.text(self.rng.randint(5, 10)).capitalize(), "summary": self.text(40),
                "request": self.text(self.rng.randint(20, 80)), "documents": documents, "outcome": outcome,
                "exemptions": self.rng.sample(EXEMPTIONS, self.rng.randint(0, 2)),
                "category": self.rng.randint(1, 12), "type": self.rng.choice(("foi", "foi", "foi", "eir")),
                "published": dt.datetime(2017, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=self.rng.randrange(85_000))}


def seed(path: Path, corpus: Corpus, n: int) -> list[dict[str, Any]]:
    """Bulk rows through sqlite3: cases, publications, documents and their pages."""
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA synchronous=OFF")
    types = {key: (type_id, status_id) for key, type_id, status_id in raw.execute(
        "SELECT t.key, t.id, min(s.id) FROM case_types t JOIN case_statuses s ON s.case_type_id = t.id"
        " WHERE t.key IN ('foi', 'eir') GROUP BY t.key, t.id")}
    raw.executemany("INSERT INTO disclosure_categories (id, name, active, position) VALUES (?, ?, 1, ?)",
                    [(i, f"Category {i}", i) for i in range(1, 13)])
    records: list[dict[str, Any]] = []
    file_id = 0
    for i in range(1, n + 1):
        record = corpus.record()
        records.append(record)
        type_id, status_id = types[record["type"]]
        stamp = record["published"].strftime("%Y-%m-%d %H:%M:%S.000000")
        day = record["published"].date().isoformat()
        reference = f"{record['type'].upper()}-{record['published'].year}-{i:06d}"
        raw.execute(
            "INSERT INTO cases (id, reference, case_type_id, year, number, requester_name, requester_email, subject,"
            " description, details, channel, received_on, status_id, priority, exemptions, escalated, created_at,"
            " updated_at, version) VALUES (?,?,?,?,?,?,?,?,?,'{}','email',?,?,'normal','[]',0,?,?,1)",
            (i, reference, type_id, record["published"].year, i, "R", "r@example.com", "S", "D", day, status_id,
             stamp, stamp))
        raw.execute(
            "INSERT INTO publications (id, case_id, status, title, summary, request_text, category_id, reference,"
            " case_type_key, case_type_name, outcome, outcome_label, exemptions, received_on, responded_on,"
            " created_at, first_published_at, updated_at, withdrawn_reason, version)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'',1)",
            (i, i, PUBLISHED, record["title"], record["summary"], record["request"], record["category"], reference,
             record["type"], record["type"].upper(), record["outcome"][0], record["outcome"][1],
             json.dumps([{"key": e, "label": f"Section {e[1:]}"} for e in record["exemptions"]]), day, day, stamp,
             stamp, stamp))
        for position, (name, pages) in enumerate(record["documents"]):
            file_id += 1
            fid = f"bench{file_id:027d}"
            raw.execute("INSERT INTO stored_files (id, original_name, content_type, size, sha256, status, uploaded_by,"
                        " created_at, scan_attempts) VALUES (?,?,?,?,?,'clean','bench',?,0)",
                        (fid, name, "application/pdf", 1000, "0" * 64, stamp))
            cursor = raw.execute(
                "INSERT INTO publication_documents (publication_id, file_id, name, content_type, size, sha256,"
                " position, text_status, text_problem, page_count) VALUES (?,?,?,?,?,?,?,'read','',?)",
                (i, fid, name, "application/pdf", 1000, "", position, len(pages)))
            raw.executemany("INSERT INTO publication_pages (document_id, number, text) VALUES (?,?,?)",
                            [(cursor.lastrowid, n + 1, text) for n, text in enumerate(pages)])
        if i % 2000 == 0:
            raw.commit()
    raw.commit()
    raw.close()
    return records


def restore(path: Path, first: dict[str, Any]) -> None:
    """Undo what a previous run's amend and withdraw did to response 1, and forget its changes."""
    raw = sqlite3.connect(path)
    raw.execute("UPDATE publications SET status = ?, title = ?, withdrawn_at = NULL WHERE id = 1",
                (PUBLISHED, first["title"]))
    raw.execute("DELETE FROM publication_changes")
    raw.commit()
    raw.close()


def fts5(path: Path, records: list[dict[str, Any]]) -> tuple[sqlite3.Connection, float]:
    raw = sqlite3.connect(path)
    raw.executescript("""
        CREATE VIRTUAL TABLE docs USING fts5(title, summary, request, documents, tokenize='porter unicode61');
        CREATE TABLE meta (id INTEGER PRIMARY KEY, type TEXT, outcome TEXT, category TEXT, year TEXT);
        CREATE TABLE exemption (id INTEGER, key TEXT);
    """)
    started = time.perf_counter()
    for i, r in enumerate(records, 1):
        raw.execute("INSERT INTO docs (rowid, title, summary, request, documents) VALUES (?,?,?,?,?)",
                    (i, r["title"], r["summary"], r["request"], "\n".join(p for _, pages in r["documents"] for p in pages)))
        raw.execute("INSERT INTO meta VALUES (?,?,?,?,?)", (i, r["type"], r["outcome"][0], str(r["category"]),
                                                           str(r["published"].year)))
        raw.executemany("INSERT INTO exemption VALUES (?,?)", [(i, e) for e in r["exemptions"]])
    raw.execute("CREATE INDEX ix_exemption ON exemption (id)")
    raw.commit()
    return raw, time.perf_counter() - started


def fts5_search(raw: sqlite3.Connection, words: str) -> int:
    match = " ".join(f'"{w}"' for w in words.split())
    top = raw.execute("SELECT rowid, snippet(docs, -1, '[', ']', '…', 25) FROM docs WHERE docs MATCH ?"
                      " ORDER BY bm25(docs, 4.0, 2.0, 1.5, 1.0) LIMIT 10", (match,)).fetchall()
    raw.execute("CREATE TEMP TABLE IF NOT EXISTS hits (id INTEGER PRIMARY KEY)")
    raw.execute("DELETE FROM hits")
    raw.execute("INSERT INTO hits SELECT rowid FROM docs WHERE docs MATCH ?", (match,))
    for column in ("type", "outcome", "category", "year"):
        raw.execute(f"SELECT m.{column}, count(*) FROM hits h JOIN meta m ON m.id = h.id GROUP BY m.{column}").fetchall()  # noqa: S608
    raw.execute("SELECT e.key, count(*) FROM hits h JOIN exemption e ON e.id = h.id GROUP BY e.key").fetchall()
    return len(top)


def timings(fn: Callable[[str], object], inputs: list[str]) -> tuple[float, float]:
    seen = []
    for value in inputs:
        started = time.perf_counter()
        fn(value)
        seen.append((time.perf_counter() - started) * 1000)
    seen.sort()
    return statistics.median(seen), seen[max(0, int(len(seen) * 0.95) - 1)]


def size_of(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


def misspell(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1:]


def wait_for(check: Callable[[], bool], limit: float = 30.0) -> float:
    started = time.perf_counter()
    while not check():
        if time.perf_counter() - started > limit:
            return float("inf")
        time.sleep(0.02)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--data", type=Path, default=None,
                        help="keep the seeded database (and index) here, and reuse a database seeded there before "
                             "with the same --records (seeding 50,000 takes minutes)")
    args = parser.parse_args()
    import_models(discover())
    with tempfile.TemporaryDirectory(prefix="disclosure-bench-") as tmp:
        root = args.data.resolve() if args.data else Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        (root / "fts.db").unlink(missing_ok=True)
        reuse = args.data is not None and (root / "seeded.json").is_file() and json.loads(
            (root / "seeded.json").read_text()) == {"records": args.records}
        settings = load_settings({"DATA_DIR": str(root), "DATABASE_URL": f"sqlite:///{root / 'bench.db'}",
                                  "SECRET_KEY": "bench-secret-key-that-is-long-enough-0123456789",
                                  "BASE_URL": "http://localhost"})
        corpus = Corpus(20261203)
        started = time.perf_counter()
        if reuse:
            records = [corpus.record() for _ in range(args.records)]
            restore(root / "bench.db", records[0])
            migrations.upgrade(settings.database_url)  # a database seeded before the latest migrations
        else:
            (root / "bench.db").unlink(missing_ok=True)
            (root / "seeded.json").unlink(missing_ok=True)
            migrations.upgrade(settings.database_url)
            with transaction(make_session_factory(make_engine(settings.database_url))) as session:
                seed_built_in_types(session, audit.SYSTEM)
            records = seed(root / "bench.db", corpus, args.records)
            if args.data:
                (root / "seeded.json").write_text(json.dumps({"records": args.records}))
        factory = make_session_factory(make_engine(settings.database_url))
        print(f"{'reused' if reuse else 'seeded'} {args.records:,} responses in {time.perf_counter() - started:.0f} s "
              f"({sum(len(p) for r in records for _, p in r['documents']):,} pages)")

        with read_only(factory()) as session:
            started = time.perf_counter()
            engine = indexing.rebuild(session, settings.search_dir, None)
            took = time.perf_counter() - started
        whoosh_size = size_of(engine.directory)  # type: ignore[attr-defined]
        raw, fts_took = fts5(root / "fts.db", records)
        fts_size = (root / "fts.db").stat().st_size
        print(f"rebuild: {args.records / took:,.0f} responses/s ({took:.0f} s), index {whoosh_size / 1e6:,.0f} MB | "
              f"FTS5 {args.records / fts_took:,.0f} rows/s, {fts_size / 1e6:,.0f} MB | ratio {fts_took / took:.2f}")

        rng = random.Random(7)
        common = corpus.words[:400]
        queries = [" ".join(rng.sample(common, rng.choice((1, 2)))) for _ in range(args.queries)]
        engine = indexing.log_engine(settings)
        with read_only(factory()) as session:
            def ours(text: str) -> object:
                return search_log(session, engine, LogQuery(text=text))

            timings(ours, queries[:10])  # warm the searcher and the facet columns
            p50, p95 = timings(ours, queries)
            f50, f95 = timings(lambda t: fts5_search(raw, t), queries)
            print(f"search + 5 facets + highlighted page: p50 {p50:.0f} ms, p95 {p95:.0f} ms | "
                  f"FTS5 p50 {f50:.0f} ms, p95 {f95:.0f} ms | p95 ratio {p95 / f95:.1f}x")
            plain50, plain95 = timings(lambda t: engine.search(SearchQuery(text=t, per_page=10)), queries)
            print(f"top 10 alone (no facets, no snippets): p50 {plain50:.0f} ms, p95 {plain95:.0f} ms")
            typos = [" ".join(misspell(rng, w) for w in q.split()) for q in queries]
            _, c95 = timings(lambda t: engine.correct(t, "spelling"), typos)
            print(f"did you mean: p95 {c95:.0f} ms")
            drafts = [corpus.text(20) for _ in range(min(100, args.queries))]
            _, s95 = timings(lambda t: suggest(session, engine, t), drafts)
            print(f"suggestions for a 20-word draft: p95 {s95:.0f} ms")

        stop = threading.Event()

        def host() -> None:
            with read_only(factory()) as worker_session:
                while not stop.is_set():
                    try:
                        began = time.perf_counter()
                        applied = indexing.catch_up(worker_session, indexing.log_engine(settings))
                        if applied:
                            print(f"  catch-up: {applied} change(s) in {time.perf_counter() - began:.2f} s")
                    except Exception as exc:  # noqa: BLE001 - as the worker's host task does: say so, go round again
                        print(f"catch-up failed: {exc!r}")
                    worker_session.rollback()
                    stop.wait(0.1)

        worker = threading.Thread(target=host, daemon=True)
        worker.start()
        try:
            with transaction(factory) as session:
                target = session.scalar(select(Publication).where(Publication.id == 1))
                assert target is not None
                target.title = "Zyxwvut unique bench title"
                target.updated_at = utcnow()
                record_change(session, target.id)
            with read_only(factory()) as session:
                found = wait_for(lambda: search_log(session, engine, LogQuery(text="zyxwvut")).total == 1)
            with transaction(factory) as session:
                target = session.get(Publication, 1)
                assert target is not None
                target.status = WITHDRAWN
                target.withdrawn_at = target.updated_at = utcnow()
                record_change(session, target.id)
            gone = wait_for(lambda: engine.search(SearchQuery(text="zyxwvut")).total == 0)
            print(f"amend-to-searchable {found:.2f} s, withdraw-to-gone {gone:.2f} s (worker polling every 0.1 s)")
        finally:
            stop.set()
            worker.join()
            forget_engines()
            raw.close()


if __name__ == "__main__":
    main()
