"""Notifications: which emails go to staff and requesters when things happen to a case.

``notify`` is the one function the rest of the back office calls. It looks up
whether the notification is on for the case's type, renders the type's
wording (or the default), and writes each email to the outbox in the caller's
transaction, so a rolled-back change sends nothing.
"""

from backoffice.notifications.catalogue import DEFAULTS, PLACEHOLDERS, Audience, Notice, Template
from backoffice.notifications.dispatch import (
    NotificationSetting,
    case_context,
    is_enabled,
    notify,
    render,
    template_for,
)

__all__ = [
    "DEFAULTS",
    "PLACEHOLDERS",
    "Audience",
    "Notice",
    "NotificationSetting",
    "Template",
    "case_context",
    "is_enabled",
    "notify",
    "render",
    "template_for",
]
