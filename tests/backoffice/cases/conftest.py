"""The seeded ``office`` fixture lives in tests/backoffice/conftest.py; kept importable from here too."""

from tests.factories import SYSTEM, Office

__all__ = ["SYSTEM", "Office"]
