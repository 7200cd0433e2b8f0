"""Notifications: which emails go to staff and requesters when things happen to a case.

The case core does not call in: ``subscribers`` listens to its events
(``backoffice.cases.events``) and queues a ``backoffice.notifications.send`` job
in the publisher's transaction, so a rolled-back change sends nothing. The worker
renders it (``notify``: whether the notification is on for the case's type, the
type's wording or the default) into the outbox. The automation, which runs in the
worker, calls ``notify`` itself.
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
from backoffice.notifications.subscribers import SUBSCRIBERS, acknowledges
from backoffice.notifications.undelivered import undelivered_for_case

__all__ = [
    "DEFAULTS",
    "PLACEHOLDERS",
    "SUBSCRIBERS",
    "Audience",
    "Notice",
    "NotificationSetting",
    "Template",
    "acknowledges",
    "case_context",
    "is_enabled",
    "notify",
    "render",
    "template_for",
    "undelivered_for_case",
]
