"""Publishing a closed FOI or EIR case's answer to the Disclosure Log: prepare, check, publish (or send for
approval), approve or return, amend, withdraw and republish.

A publication copies the case's public facts (reference, type, outcome, exemptions, dates) each time it
goes public, so the log says what was true when it was published. Every public change (publish, amend
while published, withdraw, republish) is recorded in the change sequence in the same transaction
(``changes.record_change``), so the search index of every host follows it and a change that rolls back is
never indexed.

Each change is claimed against the publication's ``version`` with a guarded UPDATE: a form posted against
an older version is refused (``PublicationChanged``), and of two concurrent changes (a publish and a
withdraw) the second waits for the first's row lock and is then refused, so neither is lost silently.

Everything is in the audit log under the case, which is what the case timeline reads.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from backoffice.cases.access import Action, require
from backoffice.cases.exemptions import exemptions_for
from backoffice.cases.models import Case, StatusKind
from backoffice.clocks import Law
from backoffice.deadlines.rules import effective_rule
from backoffice.disclosures import checking, documents, paths
from backoffice.disclosures.categories import active_category
from backoffice.disclosures.changes import record_change
from backoffice.disclosures.models import AWAITING_APPROVAL, DRAFT, PUBLISHED, WITHDRAWN, Publication
from backoffice.disclosures.permission import may_publish, require_publishing
from backoffice.staff.accounts import StaffUser
from shared import audit
from shared.db import utcnow
from shared.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from shared.settings import Settings

TITLE_LIMIT = 200
SUMMARY_LIMIT = 5000
REQUEST_LIMIT = 20000
REASON_LIMIT = 500
#: The laws whose answers are published: freedom of information and environmental information.
PUBLISHABLE_LAWS = frozenset({Law.FOIA, Law.FOISA, Law.EIR, Law.EIR_SCOTLAND})
OBJECT = "case"


class NotPublishable(Conflict):
    title = "This case cannot be published to the disclosure log"


class PublicationChanged(Conflict):
    """The publication changed since the form was loaded (or a concurrent change won)."""

    title = "The publication has changed"

    def __init__(self) -> None:
        super().__init__("Someone else changed this publication while you were working on it. "
                         "Reload the page to see the changes, then try again")


class ApprovalByPreparer(PermissionDenied):
    title = "A second person must approve"


class Keep(enum.Enum):
    """``Amendment.category_id``'s default: leave the category as it is (``None`` removes it)."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True)
class Amendment:
    """What to change; ``None`` (or ``KEEP`` for the category) leaves a field as it is."""

    title: str | None = None
    summary: str | None = None
    request_text: str | None = None
    category_id: int | Keep | None = KEEP
    #: Clean attachments of the case to add as documents.
    add_attachment_ids: Sequence[int] = field(default_factory=tuple)
    #: Redacted versions already stored (``shared.files.store_upload``) for this publication, to add.
    add_file_ids: Sequence[str] = field(default_factory=tuple)
    remove_document_ids: Sequence[int] = field(default_factory=tuple)


# --- reading ---------------------------------------------------------------------------------------------

def publication_of(session: Session, case: Case) -> Publication | None:
    return session.scalar(select(Publication).where(Publication.case_id == case.id))


def get_publication(session: Session, user: StaffUser, case: Case) -> Publication:
    """The case's publication, for anyone who may see the case; ``NotFound`` when it has none."""
    require(session, user, case, Action.VIEW)
    publication = publication_of(session, case)
    if publication is None:
        raise NotFound("This case has not been prepared for the disclosure log")
    return publication


def response_url(settings: Settings, publication: Publication) -> str:
    """The public page of the response (the log declares it; the API's ``url``)."""
    return paths.response_url(settings, publication.reference)


def can_publish(session: Session, user: StaffUser, case: Case) -> bool:
    """Whether to offer "Publish to the disclosure log" (the case is publishable and the user may)."""
    return publishable_problem(session, case) == "" and may_publish(session, user, case)


def needs_approval(publication: Publication, case: Case) -> bool:
    """The two-person rule: the type asks for it and the response has documents."""
    return bool(case.case_type.publication_approval) and bool(publication.documents)


def publishable_problem(session: Session, case: Case) -> str:
    """Why the case cannot be published, or "" when it can: a closed case of a type answered under FOI or EIR."""
    law = effective_rule(session, case.case_type).law
    if law not in PUBLISHABLE_LAWS:
        return "Only freedom of information and environmental information requests can be published"
    if case.status.kind != StatusKind.CLOSED or case.closed_at is None:
        return "Close the case before publishing its response"
    return ""


def _require_publishable(session: Session, case: Case) -> None:
    problem = publishable_problem(session, case)
    if problem:
        raise NotPublishable(problem)


# --- helpers ----------------------------------------------------------------------------------------------

def _case(session: Session, publication: Publication) -> Case:
    case = session.get(Case, publication.case_id)
    assert case is not None  # the foreign key cascades
    return case


def _record(session: Session, actor: audit.Actor, case: Case, publication: Publication, action: str, summary: str,
            **detail: object) -> None:
    audit.record(session, actor, action, OBJECT, case.reference, summary,
                 {"publication_id": publication.id, "version": publication.version, **detail})


def _claim(session: Session, publication: Publication, expected_version: int | None) -> None:
    """Take the publication at the version the caller saw, bumping it, or refuse (``PublicationChanged``).

    The guarded UPDATE holds the row until commit: a concurrent change waits, then finds the version moved.
    """
    if expected_version is not None and expected_version != publication.version:
        raise PublicationChanged()
    session.flush()
    result = session.execute(update(Publication).where(Publication.id == publication.id,
                                                       Publication.version == publication.version)
                             .values(version=Publication.version + 1).execution_options(synchronize_session=False))
    if int(getattr(result, "rowcount", 0) or 0) != 1:
        raise PublicationChanged()
    set_committed_value(publication, "version", publication.version + 1)


def _text(value: str, field_name: str, label: str, limit: int, errors: dict[str, str], *, one_line: bool = False) -> str:
    value = " ".join(value.split()) if one_line else (value or "").strip()
    if not value:
        errors[field_name] = f"Enter the {label}"
    elif len(value) > limit:
        errors[field_name] = f"{label[0].upper()}{label[1:]} must be {limit} characters or fewer"
    return value


def _details(title: str, summary: str, request_text: str) -> tuple[str, str, str]:
    errors: dict[str, str] = {}
    title = _text(title or "", "title", "title", TITLE_LIMIT, errors, one_line=True)
    summary = _text(summary or "", "summary", "summary", SUMMARY_LIMIT, errors)
    request_text = _text(request_text or "", "request_text", "request as published", REQUEST_LIMIT, errors)
    if errors:
        raise InvalidInput(next(iter(errors.values())), errors)
    return title, summary, request_text


def _reason(reason: str, label: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(f"Enter {label}", {"reason": f"Enter {label}"})
    if len(reason) > REASON_LIMIT:
        raise InvalidInput("The reason is too long", {"reason": f"Reason must be {REASON_LIMIT} characters or fewer"})
    return reason


def copy_facts(session: Session, publication: Publication, case: Case) -> None:
    """The case's public facts as they are now: what the log shows beside the publication's own text."""
    case_type = case.case_type
    outcomes = {o["key"]: o["label"] for o in case_type.closure_outcomes}
    labels = exemptions_for(session, case_type)
    publication.reference = case.reference
    publication.case_type_key = case_type.key
    publication.case_type_name = case_type.name
    publication.outcome = case.outcome or ""
    publication.outcome_label = outcomes.get(case.outcome or "", case.outcome or "")
    publication.exemptions = [{"key": key, "label": labels.get(key, key)} for key in (case.exemptions or [])]
    publication.received_on = case.received_on
    publication.responded_on = case.responded_on


def _ready(session: Session, settings: Settings, publication: Publication, case: Case) -> None:
    """Before anything goes public: uploads read, every file clean, the personal-data check passed."""
    documents.read_pending(session, settings, publication)
    documents.require_clean(session, publication)
    checking.require_passed(session, publication, case)


def _go_public(session: Session, publication: Publication, now: dt.datetime) -> None:
    publication.status = PUBLISHED
    if publication.first_published_at is None:
        publication.first_published_at = now
    publication.updated_at = now
    publication.withdrawn_at = None
    publication.withdrawn_reason = ""
    record_change(session, publication.id)


# --- preparing --------------------------------------------------------------------------------------------

def start_publication(session: Session, actor: audit.Actor, user: StaffUser, case: Case, *, title: str, summary: str,
                      request_text: str, category_id: int | None = None) -> Publication:
    """A draft from the case's facts and the public text; documents are added next (``documents``)."""
    require_publishing(session, user, case)
    _require_publishable(session, case)
    if publication_of(session, case) is not None:
        raise Conflict("This case already has a disclosure log entry: change that one")
    title, summary, request_text = _details(title, summary, request_text)
    category = active_category(session, category_id)
    publication = Publication(case_id=case.id, status=DRAFT, title=title, summary=summary, request_text=request_text,
                              category_id=category.id if category else None, prepared_by_user_id=user.id,
                              created_at=utcnow(), version=1)
    copy_facts(session, publication, case)
    session.add(publication)
    session.flush()
    _record(session, actor, case, publication, "case.publication_prepared",
            f"Disclosure log entry prepared: {title}")
    return publication


def prepare_and_publish(session: Session, settings: Settings, actor: audit.Actor, user: StaffUser, case: Case, *,
                        title: str, summary: str, request_text: str | None = None, category_id: int | None = None,
                        attachment_ids: Sequence[int] = ()) -> Publication:
    """The API's one step: prepare from the case's clean attachments and publish (or send for approval).

    ``request_text`` defaults to the request as the case holds it (the check looks at it like the rest).
    Raises what the steps raise; the caller's rollback then leaves no draft behind.
    """
    publication = start_publication(session, actor, user, case, title=title, summary=summary,
                                    request_text=case.description if request_text is None else request_text,
                                    category_id=category_id)
    for attachment_id in dict.fromkeys(attachment_ids):
        documents.add_attachment(session, settings, actor, user, publication, int(attachment_id))
    return publish(session, settings, actor, user, publication, publication.version)


def save_entry(session: Session, settings: Settings, actor: audit.Actor, user: StaffUser, case: Case, *,
               title: str, summary: str, request_text: str, category_id: int | None,
               attachment_ids: Sequence[int] = (), expected_version: int | None = None) -> Publication:
    """The case page's one form: prepare the entry (with the chosen attachments) or change it, then run the
    personal-data check so its findings are kept for staff to fix or acknowledge."""
    publication = publication_of(session, case)
    if publication is None:
        publication = start_publication(session, actor, user, case, title=title, summary=summary,
                                        request_text=request_text, category_id=category_id)
        for attachment_id in dict.fromkeys(attachment_ids):
            documents.add_attachment(session, settings, actor, user, publication, int(attachment_id))
    else:
        amend(session, settings, actor, user, publication, expected_version,
              Amendment(title=title, summary=summary, request_text=request_text, category_id=category_id,
                        add_attachment_ids=attachment_ids))
    check(session, settings, user, publication)
    return publication


def check(session: Session, settings: Settings, user: StaffUser, publication: Publication) -> list[checking.FindingView]:
    """Run the personal-data check now (reading uploads ClamAV has since passed) and show its findings.

    Pages call this in a transaction they commit, so the findings are kept for staff to fix or acknowledge.
    """
    case = _case(session, publication)
    require_publishing(session, user, case)
    documents.read_pending(session, settings, publication)
    return checking.views(session, publication, checking.run_check(session, publication, case))


# --- going public -----------------------------------------------------------------------------------------

def publish(session: Session, settings: Settings, actor: audit.Actor, user: StaffUser, publication: Publication,
            expected_version: int | None) -> Publication:
    """Check, then publish; under the two-person rule (the type asks for it and there are documents) it is
    sent for approval instead (status "awaiting approval"). Raises ``checking.ChecksOutstanding`` while any
    finding is open, ``documents.DocumentNotClean`` while a file is not passed by ClamAV."""
    return _submit(session, settings, actor, user, publication, expected_version, republishing=False)


def republish(session: Session, settings: Settings, actor: audit.Actor, user: StaffUser, publication: Publication,
              expected_version: int | None) -> Publication:
    """Bring a withdrawn publication back (checked again, and approved again where the type asks)."""
    return _submit(session, settings, actor, user, publication, expected_version, republishing=True)


def _submit(session: Session, settings: Settings, actor: audit.Actor, user: StaffUser, publication: Publication,
            expected_version: int | None, *, republishing: bool) -> Publication:
    case = _case(session, publication)
    require_publishing(session, user, case)
    wanted = WITHDRAWN if republishing else DRAFT
    if publication.status != wanted:
        raise Conflict({PUBLISHED: "It is already published",
                        AWAITING_APPROVAL: "It is awaiting approval",
                        WITHDRAWN: "It was withdrawn: republish it to bring it back",
                        DRAFT: "It has not been published: publish it"}[publication.status])
    _require_publishable(session, case)
    _claim(session, publication, expected_version)
    copy_facts(session, publication, case)
    _ready(session, settings, publication, case)
    now = utcnow()
    publication.prepared_by_user_id = user.id
    publication.approved_by_user_id = None
    if needs_approval(publication, case):
        publication.status = AWAITING_APPROVAL
        publication.submitted_at = now
        _record(session, actor, case, publication, "case.publication_submitted",
                f"Sent for approval to {'republish' if republishing else 'publish'} to the disclosure log",
                republish=republishing)
        return publication
    publication.submitted_at = None
    _go_public(session, publication, now)
    if republishing:
        _record(session, actor, case, publication, "case.publication_republished", "Republished to the disclosure log")
    else:
        _record(session, actor, case, publication, "case.published", "Published to the disclosure log")
    return publication


def approve(session: Session, settings: Settings, actor: audit.Actor, approver: StaffUser, publication: Publication,
            expected_version: int | None = None) -> Publication:
    """The second person's approval: someone other than who sent it, with publishing permission. Checked again."""
    case = _case(session, publication)
    require_publishing(session, approver, case)
    if publication.status != AWAITING_APPROVAL:
        raise Conflict("It is not awaiting approval")
    if publication.prepared_by_user_id == approver.id:
        raise ApprovalByPreparer("Someone other than the person who sent it for approval must approve it")
    _require_publishable(session, case)
    _claim(session, publication, expected_version)
    copy_facts(session, publication, case)
    _ready(session, settings, publication, case)
    republishing = publication.first_published_at is not None
    publication.approved_by_user_id = approver.id
    _go_public(session, publication, utcnow())
    _record(session, actor, case, publication, "case.publication_approved",
            f"Approved and {'republished' if republishing else 'published'} to the disclosure log",
            republish=republishing)
    return publication


def return_for_changes(session: Session, actor: audit.Actor, user: StaffUser, publication: Publication, reason: str,
                       expected_version: int | None = None) -> Publication:
    """Not approved: back to the preparer with a reason (to draft, or to withdrawn if it was public before)."""
    case = _case(session, publication)
    require_publishing(session, user, case)
    if publication.status != AWAITING_APPROVAL:
        raise Conflict("It is not awaiting approval")
    reason = _reason(reason, "what needs to change")
    _claim(session, publication, expected_version)
    publication.status = WITHDRAWN if publication.first_published_at is not None else DRAFT
    publication.submitted_at = None
    _record(session, actor, case, publication, "case.publication_returned",
            f"Disclosure log entry returned for changes: {reason}", reason=reason)
    return publication


# --- changing ---------------------------------------------------------------------------------------------

def amend(session: Session, settings: Settings, actor: audit.Actor, user: StaffUser, publication: Publication,
          expected_version: int | None, changes: Amendment) -> Publication:
    """Change the text, category and documents. While published this is a public change: checked again
    (refused with open findings), ``updated_at`` moves and the index is told. A draft or withdrawn one
    is simply edited (it is checked when it goes public). Not while awaiting approval.

    Under the two-person rule documents cannot be added to a public response without approval: withdraw,
    change and republish it instead.
    """
    case = _case(session, publication)
    require_publishing(session, user, case)
    if publication.status == AWAITING_APPROVAL:
        raise Conflict("The publication is awaiting approval: return it for changes before changing it")
    public = publication.status == PUBLISHED
    adding = bool(changes.add_attachment_ids) or bool(changes.add_file_ids)
    if public and adding and case.case_type.publication_approval:
        raise Conflict("New documents for this type need a second person's approval: withdraw the response, "
                       "change its documents and republish it")
    if public:
        _require_publishable(session, case)
    title, summary, request_text = _details(
        publication.title if changes.title is None else changes.title,
        publication.summary if changes.summary is None else changes.summary,
        publication.request_text if changes.request_text is None else changes.request_text)
    changed = [name for name, old, new in (("title", publication.title, title), ("summary", publication.summary, summary),
                                           ("request", publication.request_text, request_text)) if old != new]
    category_id = publication.category_id
    if changes.category_id is not KEEP and changes.category_id != publication.category_id:
        category = active_category(session, changes.category_id)
        category_id = category.id if category else None
        changed.append("category")
    _claim(session, publication, expected_version)
    publication.title, publication.summary, publication.request_text = title, summary, request_text
    publication.category_id = category_id
    for document_id in dict.fromkeys(changes.remove_document_ids):
        documents.remove_document(session, actor, user, publication, int(document_id), amending=public)
    for attachment_id in dict.fromkeys(changes.add_attachment_ids):
        documents.add_attachment(session, settings, actor, user, publication, int(attachment_id), amending=public)
    for file_id in dict.fromkeys(changes.add_file_ids):
        documents.add_stored_file(session, settings, actor, user, publication, file_id, amending=public)
    if changes.remove_document_ids or adding:
        changed.append("documents")
    what = ", ".join(changed) or "nothing"
    if not public:
        _record(session, actor, case, publication, "case.publication_edited",
                f"Disclosure log entry edited ({what})", changed=changed)
        return publication
    copy_facts(session, publication, case)
    _ready(session, settings, publication, case)
    publication.updated_at = utcnow()
    record_change(session, publication.id)
    _record(session, actor, case, publication, "case.publication_amended",
            f"Disclosure log entry amended ({what})", changed=changed)
    return publication


def withdraw(session: Session, actor: audit.Actor, user: StaffUser, publication: Publication, reason: str,
             expected_version: int | None = None) -> Publication:
    """Take a published response down; the reason is public (the page answers 410 Gone with it)."""
    case = _case(session, publication)
    require_publishing(session, user, case)
    if publication.status != PUBLISHED:
        raise Conflict("Only a published response can be withdrawn")
    reason = _reason(reason, "the reason for withdrawing it (the public will see it)")
    _claim(session, publication, expected_version)
    now = utcnow()
    publication.status = WITHDRAWN
    publication.withdrawn_at = now
    publication.withdrawn_reason = reason
    publication.updated_at = now
    record_change(session, publication.id)
    _record(session, actor, case, publication, "case.publication_withdrawn",
            f"Withdrawn from the disclosure log: {reason}", reason=reason)
    return publication
