"""Who a request acts for: what an access policy found, typed, instead of loose values on the context.

Each app's policies make their own principal (a member of staff with the
session they signed in with, an API client); what every principal answers is
who the audit log records and whom the page's layout shows as signed in.
"""

from __future__ import annotations

from typing import Protocol

from shared.audit import Actor


class Principal(Protocol):
    @property
    def actor(self) -> Actor:
        """Who the audit log records as having done what the request does."""
        ...

    @property
    def user(self) -> object | None:
        """The signed-in person the pages show (the layout's ``user``); None for a client that is no person."""
        ...
