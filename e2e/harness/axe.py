"""axe-core in the page: injected with ``page.evaluate`` because the suite's CSP blocks script tags."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from e2e.harness.server import REPO_ROOT

AXE_PATH = REPO_ROOT / "govuk_assets" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")

_RUN = """async (options) => {
  const results = await window.axe.run(document, options);
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({
      target: n.target.map((t) => Array.isArray(t) ? t.join(" >>> ") : String(t)),
      html: n.html.slice(0, 300),
      summary: n.failureSummary || "",
    })),
  }));
}"""


@functools.cache
def axe_source(path: Path = AXE_PATH) -> str:
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `npm ci` in govuk_assets/ (or `make`)")
    return path.read_text(encoding="utf-8")


def run_axe(page: Page, *, tags: tuple[str, ...] = WCAG_TAGS, disable: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The axe violations on the page as it is now (the region rule stays on: these are full pages)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    options: dict[str, Any] = {"runOnly": {"type": "tag", "values": list(tags)}, "resultTypes": ["violations"]}
    if disable:
        options["rules"] = {rule: {"enabled": False} for rule in disable}
    violations: list[dict[str, Any]] = page.evaluate(_RUN, options)
    return violations


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        lines.extend(f"    {', '.join(n['target'])}: {n['html']}" for n in v["nodes"][:5])
    return "\n".join(lines)
