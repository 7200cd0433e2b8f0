"""Telling a person opening the link from a machine that only looks at it.

Opening the link changes nothing, but a person's first look is worth a line in the history ("Link
opened, Firefox on Windows"). Mail scanners (Microsoft Safe Links, Mimecast, Proofpoint, Barracuda),
chat previews and browsers' speculative prefetches fetch the same address, and their lines would tell
the requester and the caseworker that someone opened it when nobody did. The heuristics, cheapest first:

- ``HEAD`` is never a person reading a page;
- a prefetch or prerender says so: ``Sec-Purpose: prefetch`` (or ``prefetch;prerender``), the older
  ``Purpose: prefetch`` and ``X-Purpose: preview``, ``X-Moz: prefetch``;
- a browser navigating to a page sends ``Sec-Fetch-Dest: document`` (or no Fetch Metadata at all, in
  an older browser); any other destination (an ``<img>``, ``fetch()``) is not someone opening the link;
- the User-Agent names a known robot or a library (``bot``, ``crawler``, ``spider``, ``preview``,
  ``scanner``, ``curl``, ``python-requests`` …), or is not a browser ``describe_device`` recognises
  (scanners often send nothing, or a bare library name).

A scanner that imitates a browser exactly is counted as a person: the cost is one extra "Link opened"
line, never a used-up link, since opening the link is all a GET can do.
"""

from __future__ import annotations

import re

from starlette.requests import Request

from shared.web.devices import UNKNOWN, describe_device

_PREFETCH = re.compile(r"prefetch|prerender|preview", re.IGNORECASE)
_ROBOT = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|preview|scanner|scan\b|monitor|validator|headless|phantomjs|"
    r"curl|wget|python|httpx|aiohttp|go-http-client|java/|okhttp|libwww|node-fetch|axios|"
    r"safelinks|mimecast|proofpoint|barracuda|symantec|forcepoint|trendmicro|mcafee|sophos|"
    r"microsoft office|ms-office|facebookexternalhit|whatsapp|skypeuripreview|teams",
    re.IGNORECASE,
)
_PURPOSE_HEADERS = ("sec-purpose", "purpose", "x-purpose", "x-moz")


def device_of(request: Request) -> str:
    """``Firefox on Windows``: the coarse device the history shows."""
    return describe_device(request.headers.get("user-agent"))


def is_a_person(request: Request) -> bool:
    """True when this GET looks like a person opening the link in a browser (see the module's heuristics)."""
    if request.method != "GET":
        return False
    if any(_PREFETCH.search(request.headers.get(name, "")) for name in _PURPOSE_HEADERS):
        return False
    destination = request.headers.get("sec-fetch-dest")
    if destination is not None and destination.lower() != "document":
        return False
    agent = request.headers.get("user-agent", "")
    if not agent or _ROBOT.search(agent):
        return False
    device = describe_device(agent)
    return device != UNKNOWN and not device.startswith(UNKNOWN)
