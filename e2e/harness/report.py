"""Every page the journeys reached, written to an HTML report at the end of the session."""

from __future__ import annotations

import datetime as dt
import html
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class PageRecord:
    test: str
    name: str
    url: str
    title: str
    width: int
    screenshot: str | None = None  # relative to the report directory
    violations: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # reflow, console errors, CSP, focus

    @property
    def ok(self) -> bool:
        return not self.violations and not self.problems


class Report:
    def __init__(self, directory: Path, target: str) -> None:
        self.directory = directory
        self.target = target
        self.records: list[PageRecord] = []
        self.started = dt.datetime.now(dt.UTC)
        self._lock = threading.Lock()
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        self.index = directory / (f"index-{worker}.html" if worker else "index.html")
        self.screenshots = directory / "screenshots"

    def prepare(self) -> None:
        """Empty the screenshots of an earlier run (only our own files)."""
        self.screenshots.mkdir(parents=True, exist_ok=True)
        if not os.environ.get("PYTEST_XDIST_WORKER"):
            for pattern in ("*.png", "*.jpg"):
                for old in self.screenshots.glob(pattern):
                    old.unlink()

    def add(self, record: PageRecord) -> None:
        with self._lock:
            self.records.append(record)

    def summary(self) -> str:
        failing = sum(1 for r in self.records if not r.ok)
        rules = sum(len(r.violations) for r in self.records)
        nodes = sum(len(v["nodes"]) for r in self.records for v in r.violations)
        pages = len({(r.url, r.width) for r in self.records})
        return (
            f"{len(self.records)} page checks ({pages} distinct URL and width pairs): "
            f"{len(self.records) - failing} passed, {failing} with problems; "
            f"{rules} axe rule violations on {nodes} elements."
        )

    def write(self) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        esc = html.escape
        rows = []
        for i, r in enumerate(self.records, 1):
            findings = []
            for v in r.violations:
                targets = "".join(f"<li><code>{esc(', '.join(n['target']))}</code></li>" for n in v["nodes"])
                findings.append(
                    f"<li><strong>{esc(v['id'])}</strong> ({esc(str(v['impact']))}): "
                    f"<a href=\"{esc(v['helpUrl'])}\">{esc(v['help'])}</a><ul>{targets}</ul></li>"
                )
            findings.extend(f"<li>{esc(p)}</li>" for p in r.problems)
            result = "Passed" if r.ok else "Problems found"
            shot = (
                f'<a href="{esc(r.screenshot)}"><img src="{esc(r.screenshot)}" '
                f'alt="Screenshot of {esc(r.title or r.name)} at {r.width} pixels wide" loading="lazy"></a>'
                if r.screenshot else "No screenshot"
            )
            rows.append(
                f"""<section class="{'ok' if r.ok else 'fail'}" aria-labelledby="p{i}">
<h2 id="p{i}">{i}. {esc(r.name)} at {r.width} px: {result}</h2>
<dl>
<dt>URL</dt><dd><a href="{esc(r.url)}">{esc(r.url)}</a></dd>
<dt>Title</dt><dd>{esc(r.title)}</dd>
<dt>Width</dt><dd>{r.width} px</dd>
<dt>Test</dt><dd><code>{esc(r.test)}</code></dd>
</dl>
{f'<h3>Findings</h3><ul>{"".join(findings)}</ul>' if findings else '<p>No axe violations, no horizontal scrolling, no console errors.</p>'}
<div class="shot">{shot}</div>
</section>"""
            )
        body = "\n".join(rows) or "<p>No pages were checked.</p>"
        document = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>End-to-end accessibility report</title>
<style>
body {{ font-family: arial, sans-serif; margin: 1rem auto; max-width: 70rem; padding: 0 1rem; color: #0b0c0c; line-height: 1.4; }}
section {{ border-left: 6px solid #0f7a52; padding: 0 1rem 1rem; margin: 1.5rem 0; }}
section.fail {{ border-color: #ca3535; }}
dl {{ display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }}
dt {{ font-weight: bold; }} dd {{ margin: 0; overflow-wrap: anywhere; }}
.shot img {{ max-width: 320px; max-height: 480px; object-fit: cover; object-position: top; border: 1px solid #b1b4b6; }}
a {{ color: #1d70b8; }} a:focus {{ outline: 3px solid #ffdd00; background: #ffdd00; color: #0b0c0c; }}
</style>
</head>
<body>
<main>
<h1>End-to-end accessibility report</h1>
<p><strong>{esc(self.summary())}</strong></p>
<p>Target: {esc(self.target)}. Run started {self.started:%Y-%m-%d %H:%M} UTC.
Checks on every page: axe-core (WCAG 2.0, 2.1 and 2.2 A and AA rules), no horizontal scrolling at 320 pixels,
no console errors or Content Security Policy violations, and a full-page screenshot.</p>
{body}
</main>
</body>
</html>
"""
        self.index.write_text(document, encoding="utf-8")
        return self.index
