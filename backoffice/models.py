"""Import point for every back-office table (Alembic and the CLI load this)."""

from backoffice.api.models import ApiIdempotencyKey as ApiIdempotencyKey
from backoffice.automation import status_entries as status_entries  # the hook that records status entry times
from backoffice.automation.models import AutomationSettings as AutomationSettings
from backoffice.automation.models import Firing as Firing
from backoffice.automation.models import Milestone as Milestone
from backoffice.automation.models import ReminderRule as ReminderRule
from backoffice.automation.models import Routine as Routine
from backoffice.automation.models import StatusEntry as StatusEntry
from backoffice.automation.models import SweepCursor as SweepCursor
from backoffice.bank_holidays import BankHolidayAdjustment
from backoffice.cases.clock_permissions import ClockPermission as ClockPermission
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
from backoffice.notifications.options import NotificationOptions as NotificationOptions
from backoffice.notifications.undelivered import UndeliveredDigest as UndeliveredDigest
from backoffice.notifications.undelivered import UndeliveredNotice as UndeliveredNotice
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
