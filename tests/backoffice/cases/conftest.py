"""The seeded ``office`` fixture lives in tests/backoffice/conftest.py; kept importable from here too."""

from tests.backoffice.conftest import SYSTEM, Office

__all__ = ["SYSTEM", "Office"]
