"""How ``make test`` shares the suite between pytest-xdist workers: whole modules, and every journey together.

A module's tests stay on one worker, in order: module-scoped worlds (tests/test_route_fuzz.py) share one
database that another module's test would empty in between. The Playwright journeys all run on one worker:
one live server, one browser, one accessibility report, as in a serial run.

This is a scheduler of our own (xdist's documented ``pytest_xdist_make_scheduler`` hook) rather than
``--dist loadgroup`` with ``xdist_group`` marks: pytest 9.2 names a test by ``Node._id``, so the group suffix
pytest-xdist 3.8 writes into ``_nodeid`` is never seen, and every mark would be silently ignored.
"""

from __future__ import annotations

from typing import Any

from xdist.scheduler import LoadScopeScheduling

JOURNEYS = "e2e/"


class ModuleScheduling(LoadScopeScheduling):
    """Scopes are modules, but the journeys are one scope."""

    def _split_scope(self, nodeid: str) -> str:
        module = nodeid.split("::", 1)[0]
        return "e2e" if module.startswith(JOURNEYS) else module


def pytest_xdist_make_scheduler(config: Any, log: Any) -> ModuleScheduling:
    return ModuleScheduling(config, log)
