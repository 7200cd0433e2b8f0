"""The names of the Disclosure Log's public pages, which ``disclosurelog`` declares (``AppSpec.public_paths``)
and the core and Capture link to through ``shared.apps.public_url`` without importing the log."""

from __future__ import annotations

from urllib.parse import quote

from shared.apps import public_url
from shared.settings import Settings

#: The log's home page (search box, newest responses, categories): ``/disclosure-log/``.
LOG_HOME_PAGE = "disclosure-log-home"
#: A published response's page, followed by its reference: ``/disclosure-log/responses/FOI-2026-0001``.
LOG_RESPONSE_PAGE = "disclosure-log-response"


def response_url(settings: Settings, reference: str) -> str:
    """The absolute address of a published response's page, from where the log declares its pages."""
    return public_url(settings, LOG_RESPONSE_PAGE).rstrip("/") + "/" + quote(reference, safe="")
