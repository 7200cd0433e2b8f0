"""Import point for every back-office table (Alembic and the CLI load this)."""

from backoffice.staff.accounts import StaffUser
from backoffice.staff.api_clients import ApiClient

__all__ = ["ApiClient", "StaffUser"]
