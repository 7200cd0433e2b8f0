"""Where the staff case pages are, for links built outside a request (emails, the API's case links).

The back office's mount is said once, here; links are BASE_URL plus it, never the Host header.
"""

from __future__ import annotations

from shared.settings import Settings

MOUNT = "/backoffice"


def case_page_url(settings: Settings, reference: str) -> str:
    return settings.url(f"{MOUNT}/cases/{reference}")
