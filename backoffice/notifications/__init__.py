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
from backoffice.notifications.events import acknowledge_requester
from backoffice.notifications.undelivered import undelivered_for_case

__all__ = [
    "DEFAULTS",
    "PLACEHOLDERS",
    "Audience",
    "Notice",
    "NotificationSetting",
    "Template",
    "acknowledge_requester",
    "case_context",
    "is_enabled",
    "notify",
    "render",
    "template_for",
    "undelivered_for_case",
]
