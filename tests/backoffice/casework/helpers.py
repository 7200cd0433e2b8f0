"""Submitting the case-work forms as a browser would: with the CSRF token and single-use key the page gave."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from backoffice.cases.models import Case

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def form_fields(page: str, action: str) -> dict[str, str]:
    """The hidden fields of the form posting to ``action`` on a page."""
    match = re.search(r'<form method="post" action="' + re.escape(action) + r'"[^>]*>(.*?)</form>', page, re.S)
    assert match, f"no form posting to {action}"
    return {name: html.unescape(value) for name, value in HIDDEN.findall(match.group(1))}


def submit(client: TestClient, page_path: str, action: str, data: dict[str, Any] | None = None) -> httpx.Response:
    """Open ``page_path``, fill in the form posting to ``action`` and send it (without following the redirect)."""
    fields = form_fields(client.get(page_path).text, action)
    return client.post(action, data={**fields, **(data or {})}, follow_redirects=False)


def count_cases(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count(Case.id))) or 0)


def get_case(factory: sessionmaker[Session], reference: str) -> Case:
    with factory() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert case is not None
        return case


def banner(page: str) -> str | None:
    """The text of the success notification banner, if there is one."""
    match = re.search(r'class="govuk-notification-banner__heading">\s*(.*?)\s*</', page, re.S)
    return html.unescape(match.group(1)) if match else None


def error_summary(page: str) -> list[tuple[str, str]]:
    """(link, message) pairs from the GOV.UK error summary."""
    summary = re.search(r'govuk-error-summary__list">(.*?)</ul>', page, re.S)
    assert summary, "no error summary"
    return [(href, html.unescape(text.strip())) for href, text in
            re.findall(r'<a href="([^"]+)">(.*?)</a>', summary.group(1), re.S)]
