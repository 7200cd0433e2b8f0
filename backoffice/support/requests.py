"""Raising and following a support request.

The person who raised it (and administrators, who run the service desk) see it when signed in; anyone with
its reference and access key can check its status from the link in their email, which is how the desk's
answer reaches someone who has since lost their account. The key is never in a URL (it would be in logs).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.casework.urls import MOUNT
from backoffice.staff.accounts import Role, StaffUser
from backoffice.support.models import SupportRequest, SupportUpdate
from shared import audit
from shared.db import utcnow
from shared.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from shared.mail.outbox import send_email
from shared.settings import Settings

KINDS = {"service_request": "Service request", "problem": "Problem"}
KIND_HINTS = {"service_request": "Ask for something: a new user, a change to a form, a report, training",
              "problem": "Something is not working as it should"}
OPEN, ANSWERED, CLOSED = "open", "answered", "closed"
STATUS_NAMES = {OPEN: "Open", ANSWERED: "Answered", CLOSED: "Closed"}
SUBJECT_LIMIT = 200
TEXT_LIMIT = 10_000
#: 128 bits, shown once.
KEY_BYTES = 16


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _check(kind: object, subject: object, details: object) -> tuple[str, str, str]:
    errors: dict[str, str] = {}
    chosen = kind if isinstance(kind, str) and kind in KINDS else ""
    heading = subject.strip() if isinstance(subject, str) else ""
    text = details.strip() if isinstance(details, str) else ""
    if not chosen:
        errors["kind"] = "Select whether you are asking for something or reporting a problem"
    if not heading:
        errors["subject"] = "Enter a subject"
    elif len(heading) > SUBJECT_LIMIT:
        errors["subject"] = f"Subject must be {SUBJECT_LIMIT} characters or fewer"
    if not text:
        errors["details"] = "Enter the details"
    elif len(text) > TEXT_LIMIT:
        errors["details"] = f"Details must be {TEXT_LIMIT:,} characters or fewer"
    if errors:
        raise InvalidInput("Check the request", errors)
    return chosen, heading, text


def raise_request(session: Session, actor: audit.Actor, settings: Settings, user: StaffUser, *, kind: object,
                  subject: object, details: object, articles_shown: int = 0) -> tuple[SupportRequest, str]:
    """The request and its access key (only ever returned here, and emailed to whoever raised it)."""
    chosen, heading, text = _check(kind, subject, details)
    key = secrets.token_urlsafe(KEY_BYTES)
    request = SupportRequest(reference=f"NEW-{secrets.token_hex(6)}", kind=chosen, subject=heading, details=text,
                             status=OPEN, raised_by_id=user.id, raised_by=user.email, access_key_hash=_digest(key),
                             articles_shown=max(0, min(articles_shown, 50)))
    session.add(request)
    session.flush()
    request.reference = f"SR-{request.id:05d}"
    audit.record(session, actor, "support.raised", "support_request", request.reference,
                 f"{KINDS[chosen]}: {heading}")
    send_email(session, user.email, f"{request.reference}: we have your {KINDS[chosen].lower()}",
               f"Your reference is {request.reference} and your access key is {key}\n\n"
               f"Keep them: with both you can check its status at {status_link(settings)}\n\n"
               f"{heading}\n\n{text}\n", related_type="support_request", related_id=request.reference)
    return request, key


def status_link(settings: Settings) -> str:
    return settings.url(f"{MOUNT}/support/check")


def get_request(session: Session, reference: str) -> SupportRequest:
    request = session.scalar(select(SupportRequest).where(SupportRequest.reference == reference.strip().upper()))
    if request is None:
        raise NotFound("No support request has this reference")
    return request


def is_desk(user: StaffUser) -> bool:
    return user.role == Role.ADMINISTRATOR.value


def visible_request(session: Session, user: StaffUser, reference: str) -> SupportRequest:
    request = get_request(session, reference)
    if request.raised_by_id != user.id and not is_desk(user):
        raise PermissionDenied("Only the person who raised it and administrators can see a support request")
    return request


def with_key(session: Session, reference: str, key: str) -> SupportRequest:
    """The request if the key is its own; the same refusal for an unknown reference as for a wrong key."""
    refusal = InvalidInput("Check the reference and access key", {"key": "The reference and access key do not match"})
    found = session.scalar(select(SupportRequest).where(SupportRequest.reference == reference.strip().upper()[:20]))
    expected = found.access_key_hash if found else _digest("")
    if not hmac.compare_digest(expected, _digest(key.strip()[:100])) or found is None:
        raise refusal
    return found


def requests_for(session: Session, user: StaffUser) -> list[SupportRequest]:
    """Administrators see every request (they are the desk); others see their own."""
    query = select(SupportRequest).order_by(SupportRequest.created_at.desc(), SupportRequest.id.desc()).limit(200)
    if not is_desk(user):
        query = query.where(SupportRequest.raised_by_id == user.id)
    return list(session.scalars(query))


def updates_of(session: Session, request: SupportRequest) -> list[SupportUpdate]:
    return list(session.scalars(select(SupportUpdate).where(SupportUpdate.request_id == request.id)
                                .order_by(SupportUpdate.id)))


def add_update(session: Session, actor: audit.Actor, user: StaffUser, request: SupportRequest, text: object,
               *, close: bool = False) -> SupportUpdate:
    """The raiser adds information (reopening an answered request); the desk answers, or answers and closes."""
    body = text.strip() if isinstance(text, str) else ""
    if not body:
        raise InvalidInput("Enter the update", {"text": "Enter the update"})
    if len(body) > TEXT_LIMIT:
        raise InvalidInput("The update is too long", {"text": f"The update must be {TEXT_LIMIT:,} characters or fewer"})
    desk = is_desk(user)
    if request.raised_by_id != user.id and not desk:
        raise PermissionDenied("Only the person who raised it and administrators can update a support request")
    if request.status == CLOSED and not desk:
        raise Conflict(f"{request.reference} is closed: raise a new request")
    if close and not desk:
        raise PermissionDenied("Only the service desk closes a request")
    update = SupportUpdate(request_id=request.id, author=user.email, from_desk=desk, text=body)
    session.add(update)
    now = utcnow()
    if desk and request.raised_by_id != user.id:
        request.status = CLOSED if close else ANSWERED
        request.answered_at = request.answered_at or now
        if close:
            request.closed_at = now
        send_email(session, request.raised_by, f"{request.reference}: the service desk has replied",
                   f"{request.subject}\n\n{body}\n", related_type="support_request", related_id=request.reference)
    else:
        request.status = CLOSED if close else OPEN
        if close:
            request.closed_at = now
    session.flush()
    audit.record(session, actor, "support.updated", "support_request", request.reference,
                 ("Answered" if desk else "Update added") + (" and closed" if close else ""))
    return update
