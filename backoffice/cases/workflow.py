"""Moving a case through its type's workflow: status changes, assignment, claiming, closing, reopening,
notes, emails to the requester and links.

Each function checks the permission matrix, changes the case, records the
change in the audit log (the case timeline) and publishes a typed event
(``backoffice.cases.events``) for whoever subscribes: notifications, automation.
A repeat of an action already done (claiming a case you own, moving to the
status it has) changes nothing and publishes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.cases import events, stages
from backoffice.cases.access import Action, can_see, require, visible_to
from backoffice.cases.case_types import allowed_targets, status_of_kind
from backoffice.cases.exemptions import exemptions_for
from backoffice.cases.models import (
    Case,
    CaseAttachment,
    CaseLink,
    CaseNote,
    CaseRestriction,
    CaseStatus,
    CaseType,
    CaseWatcher,
    StatusKind,
    Task,
)
from backoffice.cases.outcomes import Official, RefusalReason, classify
from backoffice.intake.new_cases import NewCase, Requester, today_in_london, validate
from backoffice.staff.accounts import StaffUser
from backoffice.staff.groups import Group
from shared import audit
from shared.db import utcnow
from shared.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from shared.files import DOCUMENTS, FileRules, open_for_download, store_upload
from shared.files.models import StoredFile
from shared.mail import send_email
from shared.settings import Settings

NOTE_LIMIT = 10_000


def _touch(case: Case) -> None:
    case.updated_at = utcnow()


def _record(session: Session, actor: audit.Actor, case: Case, action: str, summary: str, **detail: object) -> None:
    audit.record(session, actor, action, "case", case.reference, summary, dict(detail))


def change_status(session: Session, actor: audit.Actor, user: StaffUser, case: Case, status_id: int) -> Case:
    require(session, user, case, Action.CHANGE_STATUS)
    if case.status_id == status_id:
        return case
    target = session.get(CaseStatus, status_id)
    if target is None or target.case_type_id != case.case_type_id:
        raise InvalidInput("Select a status", {"status": "Select one of the statuses offered"})
    if target.kind == StatusKind.CLOSED:
        raise InvalidInput("Close the case with an outcome", {"status": "Use Close case to close it with an outcome"})
    if target.id not in {s.id for s in allowed_targets(session, case.status_id)}:
        raise Conflict(f"A case cannot move from {case.status.label} to {target.label}")
    following = stages.next_stage(session, case)
    if following is not None and target.key == f"stage_{following}":
        # The next stage's status is the complaint escalated: its own clock begins today.
        return stages.escalate(session, actor, case)
    previous, previous_id = case.status.label, case.status_id
    case.status_id = target.id
    case.status = target
    _touch(case)
    _record(session, actor, case, "case.status_changed", f"Status changed from {previous} to {target.label}",
            from_status=previous, to_status=target.label)
    events.publish(session, events.StatusChanged(case.id, actor, from_status_id=previous_id, to_status_id=target.id))
    return case


def assign(
    session: Session, actor: audit.Actor, user: StaffUser, case: Case, *,
    group_id: int | None, owner_id: int | None,
) -> Case:
    """Give the case to a group, a person, or both; ``CaseAssigned`` names only who is new to it."""
    require(session, user, case, Action.ASSIGN)
    group = session.get(Group, group_id) if group_id is not None else None
    if group_id is not None and (group is None or not group.active):
        raise InvalidInput("Select a team", {"group": "Select a team from the list"})
    owner = session.get(StaffUser, owner_id) if owner_id is not None else None
    if owner_id is not None and (owner is None or not owner.active or not can_see(session, owner, case)):
        raise InvalidInput("Select a person who can work this case", {"owner": "Select a person from the list"})
    if (group_id or case.team_group_id) == case.team_group_id and owner_id == case.owner_id:
        return case
    previous_group = case.team_group_id
    if group is not None:
        case.team_group_id = group.id
    previous_owner = case.owner_id
    case.owner_id = owner.id if owner is not None else None
    _touch(case)
    who = owner.name if owner else "nobody"
    _record(session, actor, case, "case.assigned",
            f"Assigned to {who}" + (f" in {group.name}" if group else ""),
            owner_id=case.owner_id, group_id=case.team_group_id, previous_owner_id=previous_owner)
    events.publish(session, events.CaseAssigned(
        case.id, actor, by_user_id=user.id,
        new_owner_id=owner.id if owner is not None and owner.id != previous_owner else None,
        new_group_id=group.id if group is not None and group.id != previous_group else None,
    ))
    return case


def claim(session: Session, actor: audit.Actor, user: StaffUser, case: Case) -> Case:
    if case.owner_id == user.id:
        return case
    require(session, user, case, Action.CLAIM)
    case.owner_id = user.id
    _touch(case)
    _record(session, actor, case, "case.claimed", f"Claimed by {user.name}", owner_id=user.id)
    events.publish(session, events.CaseClaimed(case.id, actor, owner_id=user.id))
    return case


def open_tasks(session: Session, case: Case) -> int:
    return int(session.scalar(select(func.count()).select_from(Task).where(Task.case_id == case.id, Task.status == "open")) or 0)


def close(
    session: Session, actor: audit.Actor, user: StaffUser, case: Case, *, outcome: str, exemptions: Iterable[str] = (),
    responded_on: dt.date | None = None,
) -> Case:
    """Closing needs an outcome from the type's list and no open tasks; exemptions only where the type records them.

    The case's response date is what the statutory returns count the answer by, so closing always leaves one:
    the date given (a person saying when it went out corrects one recorded before), else the one already
    recorded (Secure Share's), else today in London. Errors are keyed ``outcome``, ``exemptions``, ``responded_on``.
    """
    if case.status.kind == StatusKind.CLOSED and case.outcome == outcome:
        return case
    require(session, user, case, Action.CLOSE)
    allowed = _allowed_exemptions(session, case)
    chosen = sorted(set(exemptions))
    errors = close_errors(case.case_type, case.received_on, outcome, chosen, allowed, responded_on)
    if errors:
        raise InvalidInput("The case could not be closed", errors)
    remaining = open_tasks(session, case)
    if remaining:
        raise Conflict(f"Complete or cancel the {remaining} open task{'s' if remaining != 1 else ''} before closing the case")
    closed = status_of_kind(session, case.case_type_id, StatusKind.CLOSED)
    outcomes = {o["key"]: o["label"] for o in case.case_type.closure_outcomes}
    previous_response = case.responded_on
    on = responded_on or previous_response or today_in_london()
    case.status_id = closed.id
    case.status = closed
    case.outcome = outcome
    case.exemptions = chosen
    case.responded_on = on
    case.closed_at = utcnow()
    _touch(case)
    summary = f"Closed: {outcomes[outcome]}"
    if chosen:
        summary += " (" + ", ".join(allowed[e].split(" ")[0] for e in chosen) + ")"
    summary += f"; response sent {on:%-d %B %Y}"
    _record(session, actor, case, "case.closed", summary, outcome=outcome, exemptions=chosen,
            responded_on=on.isoformat(),
            previous_responded_on=previous_response.isoformat() if previous_response and previous_response != on else None)
    if previous_response != on:
        events.publish(session, events.ResponseSent(case.id, actor, on=on, by="recorded at closing"))
    events.publish(session, events.CaseClosed(case.id, actor, by_user_id=user.id, status_id=closed.id,
                                              outcome=outcome, outcome_label=outcomes[outcome]))
    return case


def _allowed_exemptions(session: Session, case: Case) -> Mapping[str, str]:
    return allowed_exemptions(session, case.case_type)


def allowed_exemptions(session: Session, case_type: CaseType) -> Mapping[str, str]:
    """The exemptions a closure of the type may record: its law's, where the type records any."""
    return exemptions_for(session, case_type) if case_type.exemptions_enabled else {}


def closing_errors(
    session: Session, case: Case, *, outcome: str, exemptions: Iterable[str] = (), responded_on: dt.date | None = None,
) -> dict[str, str]:
    """What :func:`close` would refuse in these facts, without closing: for a form that found its own mistakes."""
    return close_errors(case.case_type, case.received_on, outcome, sorted(set(exemptions)),
                        _allowed_exemptions(session, case), responded_on)


def close_errors(
    case_type: CaseType, received_on: dt.date | None, outcome: str, exemptions: Iterable[str], allowed: Mapping[str, str], responded_on: dt.date | None,
    *, today: dt.date | None = None,
) -> dict[str, str]:
    """What makes a closure impossible, by field: shared with the historical import, which closes its own way.

    An exemption must be one of the case's law (so an EIR exception on an FOI case is refused) and cannot
    go with an outcome the returns count as granted in full; the response cannot predate the request or
    lie in the future.
    """
    errors: dict[str, str] = {}
    entries = {o["key"]: o for o in case_type.closure_outcomes}
    chosen = list(exemptions)
    if outcome not in entries:
        errors["outcome"] = "Select the outcome"
    if [e for e in chosen if e not in allowed]:
        errors["exemptions"] = "Select exemptions from the list"
    elif chosen and outcome in entries and _granted_in_full(entries[outcome]):
        errors["exemptions"] = "Information granted in full has no exemptions: leave them unselected, or choose another outcome"
    if responded_on is not None:
        if received_on and responded_on < received_on:
            errors["responded_on"] = (f"The date the response was sent must be the same as or after the date received, "
                                      f"{received_on:%-d %B %Y}")
        elif responded_on > (today or today_in_london()):
            errors["responded_on"] = "The date the response was sent must be today or in the past"
    return errors


def outcome_key(case_type: CaseType, outcome: str, refusal_reason: str | None = None) -> str:
    """The case type's outcome key for what another system says: a key of the type's own list, or an official
    category (``outcomes.Official``, with a ``RefusalReason`` for "fully withheld") that exactly one key of the
    list is classified as. A refusal reason that contradicts the outcome is refused, never guessed around.
    Errors are keyed ``outcome`` and ``refusal_reason``.
    """
    entries = {o["key"]: o for o in case_type.closure_outcomes}
    reason = _refusal_reason(refusal_reason)
    if outcome in entries:
        classified = classify(entries[outcome])
        if reason is not None and (classified is None or classified.reason != reason):
            message = (f"The outcome {outcome} is a refusal in full with refusal reason {classified.reason}: "
                       "give that reason, or leave it out"
                       if classified is not None and classified.reason else
                       f"The outcome {outcome} is not a refusal in full: leave the refusal reason out")
            raise InvalidInput("The refusal reason does not match the outcome", {"refusal_reason": message})
        return outcome
    try:
        category = Official(outcome)
    except ValueError:
        raise InvalidInput("The outcome is not one of the case type's", {
            "outcome": "Outcome must be one of " + ", ".join(entries) + ", or an official category: "
                       + ", ".join(Official)}) from None
    if category != Official.FULLY_WITHHELD and refusal_reason:
        raise InvalidInput("Only a refusal in full has a refusal reason",
                           {"refusal_reason": f"Leave the refusal reason out: {category} is not a refusal in full"})
    matches = [key for key, entry in entries.items()
               if (c := classify(entry)) is not None and c.category == category and (reason is None or c.reason == reason)]
    if len(matches) != 1:
        what = f"{category}" + (f" ({reason})" if reason else "")
        raise InvalidInput("The official category does not name one outcome", {
            "outcome": f"No outcome of {case_type.name} is classified as {what}: give one of "
                       + ", ".join(entries) if not matches else
                       f"{what} could be any of " + ", ".join(matches) + ": give the outcome itself"})
    return matches[0]


def _refusal_reason(value: str | None) -> RefusalReason | None:
    if not value:
        return None
    try:
        return RefusalReason(value)
    except ValueError:
        raise InvalidInput("The refusal reason is not one of the official ones", {
            "refusal_reason": "Refusal reason must be one of " + ", ".join(RefusalReason)}) from None


def _granted_in_full(entry: Mapping[str, str]) -> bool:
    classified = classify(entry)
    return classified is not None and classified.category == Official.GRANTED_IN_FULL


def reopen(session: Session, actor: audit.Actor, user: StaffUser, case: Case, reason: str) -> Case:
    if case.status.kind != StatusKind.CLOSED:
        return case
    require(session, user, case, Action.REOPEN)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Say why the case is being reopened", {"reason": "Enter the reason for reopening the case"})
    if len(reason) > 2000:
        raise InvalidInput("The reason is too long", {"reason": "Reason must be 2000 characters or fewer"})
    target = session.scalar(
        select(CaseStatus).where(CaseStatus.case_type_id == case.case_type_id, CaseStatus.kind == StatusKind.IN_PROGRESS.value)
        .order_by(CaseStatus.position).limit(1)
    ) or status_of_kind(session, case.case_type_id, StatusKind.OPEN)
    previous_outcome = case.outcome
    case.status_id = target.id
    case.status = target
    case.outcome = None
    case.closed_at = None
    _touch(case)
    _record(session, actor, case, "case.reopened", f"Reopened: {reason}", reason=reason, previous_outcome=previous_outcome)
    events.publish(session, events.CaseReopened(case.id, actor, by_user_id=user.id, status_id=target.id, reason=reason))
    return case


def add_note(
    session: Session, actor: audit.Actor, user: StaffUser, case: Case, body: str, *, visible_to_requester: bool = False,
) -> CaseNote:
    require(session, user, case, Action.ADD_NOTE)
    body = body.strip()
    if not body:
        raise InvalidInput("Enter the note", {"note": "Enter the note"})
    if len(body) > NOTE_LIMIT:
        raise InvalidInput("The note is too long", {"note": "Note must be 10,000 characters or fewer"})
    note = CaseNote(case_id=case.id, author_label=user.name, author_user_id=user.id, body=body,
                    visible_to_requester=visible_to_requester)
    session.add(note)
    _touch(case)
    session.flush()
    _record(session, actor, case, "case.note_added",
            "Note added" + (" (visible to the requester)" if visible_to_requester else " (internal)"), note_id=note.id)
    events.publish(session, events.NoteAdded(case.id, actor, note_id=note.id, by_user_id=user.id,
                                             visible_to_requester=visible_to_requester))
    return note


def email_requester(
    session: Session, actor: audit.Actor, user: StaffUser, case: Case, *, subject: str, body: str,
) -> None:
    """Sent through the outbox; the email stays on the timeline."""
    require(session, user, case, Action.EMAIL_REQUESTER)
    errors = {}
    if not case.requester_email:
        raise Conflict("The requester has no email address: reply by post")
    if not subject.strip() or len(subject) > 200:
        errors["subject"] = "Enter a subject of up to 200 characters"
    if not body.strip() or len(body) > NOTE_LIMIT:
        errors["body"] = "Enter the message, up to 10,000 characters"
    if errors:
        raise InvalidInput("The email could not be sent", errors)
    message = send_email(session, case.requester_email, f"{subject.strip()} [{case.reference}]", body.strip(),
                         related_type="case", related_id=case.reference)
    _touch(case)
    _record(session, actor, case, "case.requester_emailed", f"Emailed the requester: {subject.strip()}",
            outbox_id=message.id, subject=subject.strip(), body=body.strip())
    events.publish(session, events.RequesterContacted(case.id, actor, by_user_id=user.id, subject=subject.strip()))


def update_requester(
    session: Session, actor: audit.Actor, user: StaffUser, case: Case, *, name: str, email: str | None = None,
    phone: str | None = None, address: str | None = None,
) -> Case:
    """Correct the requester's contact details, by intake's rules; errors are keyed ``name``, ``email``,
    ``phone``, ``address``.

    The event names the previous email address, so the requester can be told at the old address too.
    """
    require(session, user, case, Action.EMAIL_REQUESTER)
    details = Requester(name=name.strip(), email=(email or "").strip().lower() or None,
                        phone=(phone or "").strip() or None, address=(address or "").strip() or None)
    problems = validate(NewCase(case_type=case.case_type.key, subject=case.subject or "-",
                                description=case.description or "-", requester=details))
    errors = {key.removeprefix("requester."): text for key, text in problems.items() if key.startswith("requester.")}
    if errors:
        raise InvalidInput("The contact details could not be saved", errors)
    before = {"name": case.requester_name, "email": case.requester_email, "phone": case.requester_phone,
              "address": case.requester_address}
    after = {"name": details.name, "email": details.email, "phone": details.phone, "address": details.address}
    changed = sorted(key for key in after if after[key] != before[key])
    if not changed:
        return case
    case.requester_name, case.requester_email = details.name, details.email
    case.requester_phone, case.requester_address = details.phone, details.address
    _touch(case)
    _record(session, actor, case, "case.requester_updated",
            "Requester's contact details changed: " + ", ".join(changed), changed=changed,
            before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    events.publish(session, events.ContactDetailsChanged(
        case.id, actor, by_user_id=user.id, changed=tuple(changed),
        previous_email=before["email"] if "email" in changed else None))
    return case


def link(session: Session, actor: audit.Actor, user: StaffUser, case: Case, other_reference: str) -> None:
    require(session, user, case, Action.LINK)
    other = session.scalar(select(Case).where(Case.reference == other_reference.strip().upper()))
    if other is None or not can_see(session, user, other):
        raise InvalidInput("Enter a case reference", {"reference": "Enter the reference of a case you can see"})
    if other.id == case.id:
        raise InvalidInput("A case cannot be linked to itself", {"reference": "Enter the reference of another case"})
    pairs = [(case.id, other.id), (other.id, case.id)]
    for source, target in pairs:
        if session.scalar(select(CaseLink.id).where(CaseLink.case_id == source, CaseLink.linked_case_id == target)) is None:
            session.add(CaseLink(case_id=source, linked_case_id=target))
    _record(session, actor, case, "case.linked", f"Linked to {other.reference}", linked=other.reference)


def linked_cases(session: Session, case: Case) -> list[Case]:
    stmt = select(Case).join(CaseLink, CaseLink.linked_case_id == Case.id).where(CaseLink.case_id == case.id)
    return list(session.scalars(stmt.order_by(Case.reference)))


def watch(session: Session, actor: audit.Actor, user: StaffUser, case: Case, watching: bool = True) -> None:
    require(session, user, case, Action.WATCH)
    row = session.scalar(select(CaseWatcher).where(CaseWatcher.case_id == case.id, CaseWatcher.user_id == user.id))
    if watching and row is None:
        session.add(CaseWatcher(case_id=case.id, user_id=user.id))
        _record(session, actor, case, "case.watched", f"{user.name} is watching")
    elif not watching and row is not None:
        session.delete(row)
        _record(session, actor, case, "case.unwatched", f"{user.name} stopped watching")


RESTRICTION_REASON_LIMIT = 2000


def _restriction_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Enter the reason", {"reason": "Enter why access to the case is changing"})
    if len(reason) > RESTRICTION_REASON_LIMIT:
        raise InvalidInput("The reason is too long", {"reason": "Reason must be 2000 characters or fewer"})
    return reason


def _may_restrict(session: Session, user: StaffUser, case: Case) -> None:
    """Managers and administrators who may see the case (the ones who may assign it), on SAR and complaint types."""
    require(session, user, case, Action.ASSIGN)
    if not case.case_type.restrictable:
        raise Conflict(f"{case.case_type.name} cases cannot be restricted")


def restrict(session: Session, actor: audit.Actor, user: StaffUser, case: Case, group_ids: set[int], *,
             reason: str) -> None:
    """Limit a SAR or complaint to named groups (for example a complaint about a member of staff).

    From then on only members of those groups, the case's owner and administrators see it: in
    queues, searches, the case page and notification emails. Changing the groups replaces them.
    """
    _may_restrict(session, user, case)
    reason = _restriction_reason(reason)
    groups = list(session.scalars(select(Group).where(Group.id.in_(group_ids), Group.active.is_(True))
                                  .order_by(Group.name))) if group_ids else []
    if not group_ids or len(groups) != len(group_ids):
        raise InvalidInput("Select the teams who may see the case", {"groups": "Select at least one team"})
    for row in session.scalars(select(CaseRestriction).where(CaseRestriction.case_id == case.id)):
        session.delete(row)
    session.flush()
    for group in groups:
        session.add(CaseRestriction(case_id=case.id, group_id=group.id))
    _touch(case)
    names = ", ".join(group.name for group in groups)
    _record(session, actor, case, "case.restricted", f"Restricted to {names}: {reason}",
            group_ids=[group.id for group in groups], reason=reason)


def lift_restriction(session: Session, actor: audit.Actor, user: StaffUser, case: Case, *, reason: str) -> None:
    """Let everyone in the teams that handle the case type see it again."""
    _may_restrict(session, user, case)
    reason = _restriction_reason(reason)
    rows = list(session.scalars(select(CaseRestriction).where(CaseRestriction.case_id == case.id)))
    if not rows:
        raise Conflict("The case is not restricted")
    for row in rows:
        session.delete(row)
    _touch(case)
    _record(session, actor, case, "case.restriction_removed", f"Restriction removed: {reason}", reason=reason)


def restricted_to(session: Session, case: Case) -> list[Group]:
    """The groups a restricted case is limited to, by name; empty when it is not restricted."""
    return list(session.scalars(select(Group).join(CaseRestriction, CaseRestriction.group_id == Group.id)
                                .where(CaseRestriction.case_id == case.id).order_by(Group.name)))


def get_case(session: Session, user: StaffUser, reference: str) -> Case:
    """The case if ``user`` may see it; the same refusal whether it is hidden or missing."""
    case = session.scalar(select(Case).where(Case.reference == reference.strip().upper()))
    if case is None or not can_see(session, user, case):
        raise PermissionDenied("You do not have permission to see this case, or it does not exist")
    return case


def eligible_owners(session: Session, case: Case) -> list[StaffUser]:
    users = session.scalars(select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.name))
    return visible_to(session, case, [u for u in users if u.role != "read-only"])


def notes_of(session: Session, case: Case) -> list[CaseNote]:
    """Newest first, as the case page lists them."""
    return list(session.scalars(select(CaseNote).where(CaseNote.case_id == case.id)
                                .order_by(CaseNote.created_at.desc(), CaseNote.id.desc())))


def is_watching(session: Session, user: StaffUser, case: Case) -> bool:
    return session.scalar(select(CaseWatcher.id).where(CaseWatcher.case_id == case.id,
                                                       CaseWatcher.user_id == user.id)) is not None


def attachments_of(session: Session, case: Case) -> list[tuple[CaseAttachment, StoredFile]]:
    """Each attachment with its stored file, so a page can say whether it has been checked for viruses."""
    stmt = (select(CaseAttachment, StoredFile).join(StoredFile, StoredFile.id == CaseAttachment.file_id)
            .where(CaseAttachment.case_id == case.id).order_by(CaseAttachment.created_at, CaseAttachment.id))
    return [(row[0], row[1]) for row in session.execute(stmt)]


ATTACHMENT_DESCRIPTION_LIMIT = 300


def add_attachment(
    session: Session, actor: audit.Actor, user: StaffUser, case: Case, settings: Settings, filename: str,
    stream: BinaryIO, description: str = "", *, allowed: FileRules = DOCUMENTS, max_bytes: int | None = None,
) -> CaseAttachment:
    """Attach a document to the case: stored quarantined and queued for ClamAV by ``store_upload``.

    Whoever may add a note may add a file (both add information without deciding anything).
    The type, size and description are checked before anything is kept; errors are keyed
    ``file`` and ``description``. Response documents widen the kinds (``allowed=ANY_SUPPORTED``: a
    spreadsheet or CSV sent to the requester) and the size (``max_bytes=staff_upload_limit(settings)``).
    """
    require(session, user, case, Action.ADD_NOTE)
    description = " ".join(description.split())
    if len(description) > ATTACHMENT_DESCRIPTION_LIMIT:
        raise InvalidInput("The description is too long", {"description": "Description must be 300 characters or fewer"})
    if not filename:
        raise InvalidInput("Select a file", {"file": "Select a file"})
    stored = store_upload(session, settings, actor, filename=filename, stream=stream, allowed=allowed, field="file",
                          max_bytes=max_bytes)
    session.flush()  # no relationship orders the two inserts: the stored file must exist before it is referred to
    attachment = CaseAttachment(case_id=case.id, file_id=stored.id, description=description, added_by=user.name)
    session.add(attachment)
    _touch(case)
    session.flush()
    _record(session, actor, case, "case.attachment_added", f"File attached: {stored.original_name}",
            attachment_id=attachment.id, file_id=stored.id, name=stored.original_name)
    events.publish(session, events.AttachmentAdded(case.id, actor, attachment_id=attachment.id))
    return attachment


def open_attachment(
    session: Session, settings: Settings, case: Case, attachment_id: int,
) -> tuple[StoredFile, BinaryIO]:
    """The file and an open stream, only once ClamAV has passed it; ``NotFound`` otherwise.

    Quarantined, infected and other cases' attachments are refused alike, so the
    answer says nothing about a file that may not be handed out.
    """
    file_id = session.scalar(select(CaseAttachment.file_id).where(CaseAttachment.id == attachment_id,
                                                                  CaseAttachment.case_id == case.id))
    if file_id is None:
        raise NotFound("The file was not found")
    return open_for_download(session, settings, file_id)
