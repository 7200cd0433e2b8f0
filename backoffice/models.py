"""Import point for every back-office table (Alembic and the CLI load this)."""

from backoffice.api.models import ApiIdempotencyKey as ApiIdempotencyKey
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
from backoffice.feedback import Feedback
from backoffice.groups import Group, GroupMember
from backoffice.intake_forms import IntakeForm
from backoffice.notifications.dispatch import NotificationSetting
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
    "Feedback",
    "Group",
    "GroupMember",
    "IntakeForm",
    "NotificationSetting",
    "Organisation",
    "PasswordResetToken",
    "StaffSession",
    "StaffUser",
    "Task",
    "TaskTemplate",
]
