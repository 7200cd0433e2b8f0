"""Import point for every back-office table (Alembic and the CLI load this)."""

from backoffice.bank_holidays import BankHolidayAdjustment
from backoffice.cases.models import (
    Case,
    CaseAttachment,
    CaseLink,
    CaseNote,
    CaseReferenceCounter,
    CaseRestriction,
    CaseStatus,
    CaseTransition,
    CaseType,
    CaseTypeGroup,
    CaseWatcher,
    ClockEventRecord,
    Task,
    TaskTemplate,
)
from backoffice.groups import Group, GroupMember
from backoffice.organisation import Organisation
from backoffice.staff.accounts import StaffUser
from backoffice.staff.api_clients import ApiClient
from backoffice.staff.password_reset import PasswordResetToken
from backoffice.staff.sessions import StaffSession

__all__ = [
    "ApiClient",
    "BankHolidayAdjustment",
    "Case",
    "CaseAttachment",
    "CaseLink",
    "CaseNote",
    "CaseReferenceCounter",
    "CaseRestriction",
    "CaseStatus",
    "CaseTransition",
    "CaseType",
    "CaseTypeGroup",
    "CaseWatcher",
    "ClockEventRecord",
    "Group",
    "GroupMember",
    "Organisation",
    "PasswordResetToken",
    "StaffSession",
    "StaffUser",
    "Task",
    "TaskTemplate",
]
