"""From a confirmed draft to a case: the confirmation email, the case through the core, the acknowledgement.

No case exists until the requester has proved the email address is theirs by
using the emailed link; that stops misdirected and abusive requests reaching
the back office at all. The acknowledgement is the notification catalogue's, so
a case type's switch and wording apply to web requests as to every other door.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from backoffice.public import (
    WEB_FORM,
    Answer,
    CreatedCase,
    FormDefinition,
    NewAttachment,
    NewCase,
    Requester,
    create_request_case,
    intake_form,
)
from capture import answers as answer_rules
from capture import drafts
from capture.models import Draft
from shared import audit, links
from shared.errors import InvalidInput
from shared.files import INFECTED, StoredFile
from shared.mail import send_email
from shared.settings import Settings

DESCRIPTION_MAX = 20_000


def file_problems(session: Session, definition: FormDefinition, answers: dict[str, Any]) -> dict[str, str]:
    """Uploads the virus scan refused: they must be replaced before the request can be sent."""
    problems: dict[str, str] = {}
    for key, value in answer_rules.live_answers(definition, answers).items():
        question = definition.questions[key]
        if question.type == "file" and isinstance(value, dict):
            stored = session.get(StoredFile, str(value.get("id")))
            if stored is None or stored.status == INFECTED:
                problems[key] = f"The file you uploaded as {question.noun} contains a virus. Upload a different file"
    return problems


def email_answer(definition: FormDefinition, answers: dict[str, Any]) -> str:
    """The draft's answer to the email question: where a confirmation link goes."""
    question = definition.mapped("requester.email")
    assert question is not None  # every checked definition has one
    return str(answers.get(question.key, ""))


def build_case(definition: FormDefinition, case_type_key: str, answers: dict[str, Any], *, email: str) -> NewCase:
    """Map the answers onto the core's fields; every answer is also kept in ``details``.

    ``email`` is the address the requester proved is theirs (the used link's), whatever the answers say.
    """
    live = answer_rules.live_answers(definition, answers)

    def mapped(target: str) -> str:
        question = definition.mapped(target)
        value = live.get(question.key) if question is not None else None
        return value if isinstance(value, str) else ""

    description_question = definition.mapped("description")
    shown = {key: answer_rules.display(definition.questions[key], value) for key, value in live.items()}
    others = [f"{answer_rules.summary_label(definition.questions[k])}: {v}" for k, v in shown.items()
              if definition.questions[k].maps_to is None]
    description = "\n\n".join(part for part in [mapped("description"), "\n".join(others)] if part)
    if description_question is None and not description:
        description = definition.title
    subject = mapped("subject")
    if not subject and definition.subject_from:
        source = " ".join(str(shown.get(definition.subject_from, "")).split())
        subject = definition.subject_prefix + (source if len(source) <= 120 else source[:119] + "…")
    return NewCase(
        case_type=case_type_key,
        subject=(subject or definition.title)[:300],
        description=description[:DESCRIPTION_MAX],
        requester=Requester(name=mapped("requester.name"), email=email or None,
                            phone=mapped("requester.phone") or None, address=mapped("requester.address") or None),
        channel=WEB_FORM,
        details={"form": definition.key, "form_title": definition.title, "answers": live},
        answers=tuple(Answer(answer_rules.summary_label(definition.questions[k]), v) for k, v in shown.items()),
        attachments=tuple(NewAttachment(str(value["id"]), f"Answer to “{definition.questions[key].label}”"[:300])
                          for key, value in uploads(definition, live).items()),
    )


def uploads(definition: FormDefinition, answers: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The answers that are files, by question."""
    return {key: value for key, value in answers.items()
            if definition.questions.get(key) is not None and definition.questions[key].type == "file"
            and isinstance(value, dict) and isinstance(value.get("id"), str)}


def send_confirmation(session: Session, draft: Draft, definition: FormDefinition, *,
                      link_for: Callable[[str], str], org_name: str) -> str:
    """Email a link that sends the request; the newest link replaces older ones. Returns the address."""
    email = email_answer(definition, draft.answers)
    draft.email = email
    drafts.touch(draft)
    token = links.issue(session, drafts.CONFIRM, drafts.link_subject(draft.id), email)
    hours = int(links.LINK_LIFETIME.total_seconds() // 3600)
    body = (
        f"To send your request to {org_name}, open this link and select 'Confirm and send your request':\n\n"
        f"{link_for(token)}\n\n"
        f"The link works once and expires in {hours} hours. If you asked for more than one email, only the newest link works.\n\n"
        f"Your request has not been sent yet. If you did not fill in a form on {org_name}'s website, you can ignore this email.\n"
    )
    send_email(session, email, f"Confirm your email address to send your request to {org_name}", body,
               related_type="capture_draft", related_id=draft.id)
    return email


def _address_changed(session: Session, link: links.EmailLink) -> bool:
    """True when the unsent draft's email answer is no longer the address this link was sent to."""
    draft = drafts.draft_of(session, link)
    if draft is None or draft.case_reference is not None:
        return False
    definition = intake_form(session, draft.case_type_key)
    return email_answer(definition, draft.answers) != link.email


def usable_link(session: Session, token: str) -> links.EmailLink:
    """The confirmation link, if it may still send its draft; else :class:`links.LinkInvalid` saying why.

    A link proves only the address it went to: once the draft's email answer is
    another, the link is refused (``EMAIL_CHANGED``) and offers no new link to
    the other address either.
    """
    try:
        link = links.find(session, drafts.CONFIRM, token)
    except links.LinkInvalid as exc:
        if exc.problem in (links.Problem.EXPIRED, links.Problem.REPLACED) and exc.link is not None \
                and _address_changed(session, exc.link):
            raise links.LinkInvalid(links.Problem.EMAIL_CHANGED, exc.link) from None
        raise
    if _address_changed(session, link):
        raise links.LinkInvalid(links.Problem.EMAIL_CHANGED, link)
    return link


@dataclass(frozen=True)
class Confirmed:
    case: CreatedCase
    #: False when the case type has the requester's acknowledgement switched off.
    acknowledged: bool


def confirm(session: Session, settings: Settings, token: str, actor: audit.Actor) -> Confirmed:
    """Use the link and create the case for the link's address, with the uploads as its attachments.

    The draft keeps only the reference; an upload the request no longer includes
    (its page stopped applying) is deleted, so nothing of it is kept for nobody.
    Refused with :class:`InvalidInput` while an upload is one the virus scan refused.
    The acknowledgement is the case type's notification, like every other door's.
    """
    usable_link(session, token)
    link = links.use(session, drafts.CONFIRM, token)
    draft = drafts.draft_of(session, link)
    if draft is None or draft.case_reference is not None:
        raise links.LinkInvalid(links.Problem.USED, link)
    definition = intake_form(session, draft.case_type_key)
    if problems := file_problems(session, definition, draft.answers):
        raise InvalidInput("The request could not be sent", problems)
    new = build_case(definition, draft.case_type_key, draft.answers, email=link.email)
    case = create_request_case(session, actor, new)
    attached = {a.file_id for a in new.attachments}
    drafts.delete_files(session, settings.files_dir, [i for i in drafts.file_ids(draft.answers) if i not in attached],
                        drafts.personal_values(draft.answers))
    draft.case_reference = case.reference
    draft.due_on = case.due_on
    draft.answers = {}
    drafts.touch(draft)
    return Confirmed(case, acknowledged=case.acknowledged)
