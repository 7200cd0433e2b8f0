"""Request forms as data attached to case types, so a type added in the back office gets a form without code.

A definition is pages of questions, each with a GOV.UK component type, its
validation (required, maximum length, a format) and an optional condition (show
the page only when an earlier answer has a value). Built-in types have built-in
definitions; an administrator may store another for any type; a type with
neither gets the generic one (name, email, subject, details). Public apps read
definitions through :func:`form_for` and never write them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, ForeignKey, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from backoffice.cases.models import CaseType
from shared import audit, configuration
from shared.apps import reserved_page_keys
from shared.db import Base, utcnow
from shared.errors import InvalidInput

QUESTION_TYPES = ("text", "textarea", "email", "phone", "date", "radios", "checkboxes", "address", "file")
MAPS_TO = ("requester.name", "requester.email", "requester.phone", "requester.address", "subject", "description")
#: The cap used when a definition names none: every answer has one.
DEFAULT_MAX = {"text": 200, "textarea": 5000, "email": 254, "phone": 40, "address": 1000}
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class IntakeForm(Base):
    """An administrator's form for one case type, replacing the built-in or generic one."""

    __tablename__ = "intake_forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_type_id: Mapped[int] = mapped_column(ForeignKey("case_types.id", ondelete="CASCADE"), unique=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


configuration.watch(IntakeForm)


@dataclass(frozen=True)
class Option:
    value: str
    text: str
    hint: str = ""


@dataclass(frozen=True)
class Question:
    key: str
    type: str
    label: str
    #: How error messages name the answer: "Enter {noun}", "{Noun} must be 200 characters or less".
    noun: str
    hint: str = ""
    required: bool = True
    max_length: int | None = None
    pattern: str | None = None
    pattern_error: str = ""
    autocomplete: str | None = None
    options: tuple[Option, ...] = ()
    maps_to: str | None = None
    width: str | None = None

    @property
    def limit(self) -> int:
        return self.max_length or DEFAULT_MAX.get(self.type, 200)


@dataclass(frozen=True)
class Condition:
    """Show a page only when ``question`` was answered (with one of ``values``, when given)."""

    question: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class FormPage:
    key: str
    title: str
    questions: tuple[Question, ...]
    condition: Condition | None = None
    intro: str = ""


@dataclass(frozen=True)
class FormDefinition:
    key: str
    title: str
    pages: tuple[FormPage, ...]
    #: The case subject: this prefix and the answer to ``subject_from`` (unless a question maps to ``subject``).
    subject_prefix: str = ""
    subject_from: str | None = None
    questions: dict[str, Question] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "questions", {q.key: q for p in self.pages for q in p.questions})

    def page(self, key: str) -> FormPage | None:
        return next((p for p in self.pages if p.key == key), None)

    def mapped(self, target: str) -> Question | None:
        return next((q for q in self.questions.values() if q.maps_to == target), None)


# --- parsing and storing -----------------------------------------------------------------------


def _text(raw: dict[str, Any], name: str, default: str | None = None, limit: int = 500) -> str:
    value = raw.get(name, default)
    if not isinstance(value, str) or (default is None and not value.strip()) or len(value) > limit:
        raise ValueError(f"{name} must be text of up to {limit} characters")
    return value


def parse_question(raw: dict[str, Any]) -> Question:
    kind = _text(raw, "type")
    if kind not in QUESTION_TYPES:
        raise ValueError(f"unknown question type {kind!r}")
    key = _text(raw, "key")
    if not _KEY.match(key):
        raise ValueError(f"question key {key!r} must be lower-case letters, digits and underscores")
    options = tuple(Option(_text(o, "value", limit=60), _text(o, "text", limit=200), _text(o, "hint", "", 300))
                    for o in raw.get("options", []))
    if kind in ("radios", "checkboxes") and len(options) < 2:
        raise ValueError(f"{key}: radios and checkboxes need at least two options")
    maps_to = raw.get("maps_to")
    if maps_to is not None and maps_to not in MAPS_TO:
        raise ValueError(f"{key}: maps_to must be one of {', '.join(MAPS_TO)}")
    pattern = raw.get("pattern")
    if pattern is not None:
        re.compile(str(pattern))
    max_length = raw.get("max_length")
    if max_length is not None and (not isinstance(max_length, int) or not 1 <= max_length <= 20_000):
        raise ValueError(f"{key}: max_length must be a whole number from 1 to 20000")
    return Question(
        key=key, type=kind, label=_text(raw, "label"), noun=_text(raw, "noun"), hint=_text(raw, "hint", ""),
        required=bool(raw.get("required", True)), max_length=max_length,
        pattern=None if pattern is None else str(pattern), pattern_error=_text(raw, "pattern_error", ""),
        autocomplete=raw.get("autocomplete"), options=options, maps_to=maps_to, width=raw.get("width"),
    )


def parse_definition(raw: dict[str, Any]) -> FormDefinition:
    """A checked definition, or ``InvalidInput`` naming what is wrong (for the administrator)."""
    try:
        pages = []
        for page in raw.get("pages", []):
            condition = page.get("condition")
            pages.append(FormPage(
                key=_text(page, "key"), title=_text(page, "title"), intro=_text(page, "intro", ""),
                questions=tuple(parse_question(q) for q in page.get("questions", [])),
                condition=None if not condition else Condition(_text(condition, "question"),
                                                               tuple(condition.get("values", []))),
            ))
        definition = FormDefinition(key=_text(raw, "key"), title=_text(raw, "title"), pages=tuple(pages),
                                    subject_prefix=_text(raw, "subject_prefix", ""),
                                    subject_from=raw.get("subject_from"))
        check(definition, reserved=reserved_page_keys())
    except (ValueError, TypeError, AttributeError, re.error) as exc:
        raise InvalidInput("The form definition is not valid", {"definition": str(exc)}) from exc
    return definition


def check(definition: FormDefinition, reserved: frozenset[str] = frozenset()) -> None:
    """The rules every form keeps: unique keys, a name and an email address to confirm, sound conditions.

    ``reserved``: page keys the public apps keep for their own pages beside a
    form's (capture's ``check``, say), from their AppSpecs. The built-in forms
    are checked at import, before any app is loaded; tests/capture checks them
    against capture's words.
    """
    page_keys = [p.key for p in definition.pages]
    if not page_keys or len(set(page_keys)) != len(page_keys) or reserved & set(page_keys):
        raise ValueError(f"pages need unique keys, none of {', '.join(sorted(reserved))}")
    if sum(len(p.questions) for p in definition.pages) != len(definition.questions):
        raise ValueError("question keys must be unique across the form")
    if any(not p.questions for p in definition.pages):
        raise ValueError("every page needs at least one question")
    for target in ("requester.name", "requester.email"):
        question = definition.mapped(target)
        if question is None or not question.required:
            raise ValueError(f"a required question must map to {target}")
    seen: set[str] = set()
    for page in definition.pages:
        if page.condition is not None and page.condition.question not in seen:
            raise ValueError(f"page {page.key}: its condition must name a question on an earlier page")
        seen.update(q.key for q in page.questions)
    if definition.subject_from is not None and definition.subject_from not in definition.questions:
        raise ValueError("subject_from must name a question")


def form_for(session: Session, case_type: CaseType) -> FormDefinition:
    """The administrator's form for the type, else its built-in one, else the generic one."""
    stored = session.scalar(select(IntakeForm.definition).where(IntakeForm.case_type_id == case_type.id))
    if stored is not None:
        return parse_definition(stored)
    return BUILT_IN_FORMS.get(case_type.key) or generic_form(case_type.name)


def set_intake_form(session: Session, actor: audit.Actor, case_type_id: int, raw: dict[str, Any]) -> IntakeForm:
    parse_definition(raw)
    row = session.scalar(select(IntakeForm).where(IntakeForm.case_type_id == case_type_id))
    if row is None:
        row = IntakeForm(case_type_id=case_type_id, definition=raw)
        session.add(row)
    else:
        row.definition = raw
        row.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, "case_type.form_changed", "case_type", case_type_id, "Request form changed")
    return row


# --- built-in forms ------------------------------------------------------------------------------


def _q(key: str, kind: str, label: str, noun: str, **extra: Any) -> Question:
    if "options" in extra:
        extra["options"] = tuple(Option(*o) for o in extra["options"])
    return Question(key=key, type=kind, label=label, noun=noun, **extra)


def _one(key: str, question: Question, condition: Condition | None = None) -> FormPage:
    """One thing per page: the question's label is the page's heading."""
    return FormPage(key=key, title=question.label, questions=(question,), condition=condition)


def _name(label: str = "What is your full name?") -> FormPage:
    return _one("name", _q("name", "text", label, "your full name", autocomplete="name", maps_to="requester.name"))


def _email(hint: str = "We will send you a link to confirm your email address, and our reply.") -> FormPage:
    return _one("email", _q("email", "email", "What is your email address?", "your email address", hint=hint,
                            autocomplete="email", maps_to="requester.email"))


FORMAT_OPTIONS = (("email", "By email"), ("paper", "A paper copy by post"),
                  ("inspection", "Look at the information in person"))
YES_NO = (("yes", "Yes"), ("no", "No"))
EVIDENCE = "The file must be a PDF, JPG, PNG, DOCX, ODT or TXT."


def _information_request(key: str, title: str, law: str) -> FormDefinition:
    return FormDefinition(key=key, title=title, subject_from="information", pages=(
        _name(),
        _email(),
        _one("information", _q("information", "textarea", "What information do you want?", "the information you want",
                               hint=f"Describe the information as clearly as you can, with any dates or places. "
                                    f"You have a right to it under the {law}.", maps_to="description")),
        _one("format", _q("format", "radios", "How would you like to receive the information?",
                          "how you would like to receive the information", options=FORMAT_OPTIONS)),
        _one("address", _q("address", "address", "What is your postal address?", "your postal address",
                           hint="Optional. We only need it if you want a paper copy.", required=False,
                           autocomplete="street-address", maps_to="requester.address")),
    ))


SAR_FORM = FormDefinition(key="sar", title="Request your personal information", subject_prefix="Subject access request from ",
                          subject_from="name", pages=(
    _name(),
    _one("previous_names", _q("previous_names", "textarea", "What other names have you been known by?",
                              "the other names you have been known by", max_length=500, required=False,
                              hint="Optional. For example, a name before marriage. This helps us find your records.")),
    _one("date_of_birth", _q("date_of_birth", "date", "What is your date of birth?", "your date of birth",
                             hint="For example, 27 3 1985", autocomplete="bday")),
    _one("address", _q("address", "address", "What is your address?", "your address", autocomplete="street-address",
                       maps_to="requester.address")),
    _email(),
    _one("phone", _q("phone", "phone", "What is your telephone number?", "your telephone number", required=False,
                     hint="Optional. For international numbers include the country code.", autocomplete="tel",
                     maps_to="requester.phone", width="govuk-input--width-20")),
    FormPage(key="information", title="What information do you want?", questions=(
        _q("information", "textarea", "Describe the information you want", "the information you want",
           hint="For example, emails about your council tax account, or your housing file.", maps_to="description"),
        _q("period", "text", "What dates should we search?", "the dates we should search", max_length=200,
           hint="For example, from January 2020 to now."),
    )),
    _one("identity", _q("identity", "file", "Upload evidence of your identity", "evidence of your identity",
                        hint=f"For example, a photo of your passport or driving licence. {EVIDENCE}")),
    _one("acting_for", _q("acting_for", "radios", "Are you asking for someone else's information?",
                          "whether you are asking for someone else's information", options=YES_NO)),
    FormPage(key="other_person", title="Who are you asking for?", condition=Condition("acting_for", ("yes",)), questions=(
        _q("other_name", "text", "Their full name", "their full name"),
        _q("other_date_of_birth", "date", "Their date of birth", "their date of birth", hint="For example, 27 3 1985"),
        _q("relationship", "text", "How are you related to them, or why are you acting for them?",
           "how you are related to them", max_length=300),
    )),
    _one("authority", _q("authority", "file", "Upload evidence that you can act for them", "evidence that you can act for them",
                         hint=f"For example, a signed letter of authority or a lasting power of attorney. {EVIDENCE}"),
         Condition("acting_for", ("yes",))),
))

COMPLAINT_FORM = FormDefinition(key="complaint", title="Make a complaint", subject_prefix="Complaint about ",
                                subject_from="service", pages=(
    _name(),
    _email(),
    _one("service", _q("service", "text", "Which service is your complaint about?", "the service your complaint is about",
                       hint="For example, bin collections or council tax.")),
    _one("what_happened", _q("what_happened", "textarea", "What happened?", "what happened",
                             hint="Include dates, places and the names of anyone you dealt with.", maps_to="description")),
    _one("outcome", _q("outcome", "textarea", "What would you like us to do to put things right?",
                       "what you would like us to do", max_length=2000)),
    _one("earlier_reference", _q("earlier_reference", "text", "Do you have a reference from earlier contact with us?",
                                 "the reference", required=False, max_length=40, width="govuk-input--width-20",
                                 hint="Optional. For example, COM-2025-00123.", pattern=r"^[A-Za-z0-9][A-Za-z0-9 /-]*$",
                                 pattern_error="Reference must only include letters, numbers, spaces, hyphens and slashes")),
))


def _short_form(key: str, title: str, about: tuple[str, str, str], details: tuple[str, str, str]) -> FormDefinition:
    return FormDefinition(key=key, title=title, pages=(
        _name(),
        _email(),
        _one("subject", _q("subject", "text", about[0], about[1], hint=about[2], max_length=300, maps_to="subject")),
        _one("details", _q("details", "textarea", details[0], details[1], hint=details[2], maps_to="description")),
    ))


def generic_form(type_name: str) -> FormDefinition:
    return _short_form("generic", type_name, ("What is it about?", "what it is about", "A short summary, in a few words."),
                       ("Give the details", "the details", "Include anything that will help us answer you."))


BUILT_IN_FORMS: dict[str, FormDefinition] = {
    "foi": _information_request("foi", "Make a Freedom of Information request", "Freedom of Information Act 2000"),
    "eir": _information_request("eir", "Ask for environmental information", "Environmental Information Regulations 2004"),
    "sar": SAR_FORM,
    "complaint": COMPLAINT_FORM,
    "enquiry": _short_form("enquiry", "Ask us a question",
                           ("What is your question about?", "what your question is about", "For example, parking permits."),
                           ("What is your question?", "your question", "Include anything that will help us answer you.")),
    "compliment": _short_form("compliment", "Pay us a compliment",
                              ("Who or what is your compliment about?", "who or what your compliment is about",
                               "For example, a service, a team or a member of staff."),
                              ("What would you like to tell us?", "what you would like to tell us", "")),
}
for _definition in BUILT_IN_FORMS.values():
    check(_definition)
