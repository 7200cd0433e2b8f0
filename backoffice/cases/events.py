"""What happens to a case, as typed events the case functions publish and other capabilities subscribe to.

The case functions say what changed and stop there; who is emailed, which status entries automation keeps,
and (later) what the Disclosure Log, Secure Share or reporting do about it is each subscriber's business, so a
new capability plugs in without editing the case core.

Each event carries ids and plain facts as they were when the change was made (not ORM objects, which may be
stale by the time a subscriber reads them). :func:`publish` runs every subscriber at once, in the publisher's
session and transaction: a subscriber writes rows (outbox jobs, status entries) that commit or roll back with
the change, so a refused or rolled-back change tells nobody anything.

Subscribers are registered once, at start-up, by ``backoffice.plugin`` (``subscribe_all``), never by importing
a module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from shared import audit


@dataclass(frozen=True)
class CaseEvent:
    """Something that happened to the case ``case_id``, done by ``actor`` (a person, the API, a routine)."""

    case_id: int
    actor: audit.Actor


@dataclass(frozen=True)
class CaseCreated(CaseEvent):
    #: Whether the door that brought the case in wants the requester acknowledged (an import does not).
    acknowledge: bool = False
    #: Imported already answered: nobody is told of it.
    historical: bool = False


@dataclass(frozen=True)
class CaseAssigned(CaseEvent):
    by_user_id: int
    #: Set only when they changed: a case re-given to its owner names nobody new.
    new_owner_id: int | None
    new_group_id: int | None


@dataclass(frozen=True)
class CaseClaimed(CaseEvent):
    owner_id: int


@dataclass(frozen=True)
class StatusChanged(CaseEvent):
    from_status_id: int
    to_status_id: int


@dataclass(frozen=True)
class ClockChanged(CaseEvent):
    """The case's clock was stopped, started, extended or its due date otherwise moved (``deadlines``)."""

    #: The clock event's kind (``EventKind`` value: extension, pause, resume, ...).
    change: str
    previous_due_on: dt.date | None
    due_on: dt.date | None


@dataclass(frozen=True)
class NoteAdded(CaseEvent):
    note_id: int
    by_user_id: int
    visible_to_requester: bool


@dataclass(frozen=True)
class CaseClosed(CaseEvent):
    #: None when an API client (a trusted system, no staff account) closed it: ``actor`` names it.
    by_user_id: int | None
    status_id: int
    outcome: str
    outcome_label: str


@dataclass(frozen=True)
class CaseReopened(CaseEvent):
    by_user_id: int
    status_id: int
    reason: str


@dataclass(frozen=True)
class TaskAssigned(CaseEvent):
    task_id: int
    by_user_id: int


@dataclass(frozen=True)
class TaskFinished(CaseEvent):
    task_id: int
    by_user_id: int
    completed: bool


@dataclass(frozen=True)
class RequesterContacted(CaseEvent):
    by_user_id: int
    subject: str


@dataclass(frozen=True)
class ContactDetailsChanged(CaseEvent):
    by_user_id: int
    changed: tuple[str, ...]
    #: The address the requester had before, when the email address is among the changes.
    previous_email: str | None


@dataclass(frozen=True)
class AttachmentAdded(CaseEvent):
    attachment_id: int


@dataclass(frozen=True)
class DocumentsShared(CaseEvent):
    """Documents went to the requester through Secure Share."""

    share_id: int


@dataclass(frozen=True)
class ResponseSent(CaseEvent):
    """The answer went out on ``on`` (Europe/London): the clock's and the reports' response date."""

    on: dt.date
    #: How it went: "secure share" (later also "email", "post").
    by: str


# Published joins here with the Disclosure Log.

E = TypeVar("E", bound=CaseEvent)
Handler = Callable[[Session, Any], None]
Subscription = tuple[type[CaseEvent], Handler]

_subscribers: dict[type[CaseEvent], list[Handler]] = {}
#: Whether start-up has wired the subscribers; a change published before that would tell nobody, silently.
_wired = False


def subscribe(event_type: type[E], handler: Callable[[Session, E], None]) -> None:
    """Run ``handler`` for every ``event_type`` published from now on; subscribing twice is subscribing once."""
    handlers = _subscribers.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


def unsubscribe(event_type: type[E], handler: Callable[[Session, E], None]) -> None:
    handlers = _subscribers.get(event_type, [])
    if handler in handlers:
        handlers.remove(handler)


def subscribe_all(subscriptions: Iterable[Subscription]) -> None:
    """Start-up's one call: each capability's ``SUBSCRIBERS`` tuple of (event type, handler)."""
    global _wired
    for event_type, handler in subscriptions:
        subscribe(event_type, handler)
    _wired = True


class NotWired(RuntimeError):
    """A case event was published in a process that never loaded ``backoffice.plugin``: its emails would be lost."""


def subscribers_of(event_type: type[CaseEvent]) -> tuple[Handler, ...]:
    return tuple(_subscribers.get(event_type, ()))


def publish(session: Session, event: CaseEvent) -> None:
    """Run every subscriber of the event's type now, in order of subscription, in the caller's transaction.

    A subscriber's exception propagates: the change it was told of fails with it rather than commit half-told.
    In a process whose subscribers were never wired the change fails too (:class:`NotWired`), rather than
    commit with nobody told.
    """
    if not _wired:
        raise NotWired(f"{type(event).__name__} published before backoffice.plugin wired the case events")
    for handler in subscribers_of(type(event)):
        handler(session, event)
