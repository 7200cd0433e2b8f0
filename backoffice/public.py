"""The case core's one front door for the public apps (capture; later Secure Share and the Disclosure Log).

A public app imports this module and nothing else of ``backoffice``
(``tests/test_layers.py`` holds it), so the core can reshape its packages
without touching the public side. Every function takes a Session, never
commits, and returns small frozen records, never ORM objects: a public page
cannot lazy-load or change a case by accident.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases.case_types import case_types, get_case_type
from backoffice.cases.models import CaseAttachment, CaseType, Channel
from backoffice.cases.requester_view import REFERENCE, RequesterView, find_for_requester, normalise_reference
from backoffice.clocks import UnknownRuleError
from backoffice.deadlines.in_words import RuleInWords, rule_in_words
from backoffice.deadlines.rules import effective_rule
from backoffice.disclosures import deflection
from backoffice.disclosures.deflection import PublishedAnswer
from backoffice.feedback import survey
from backoffice.feedback.survey import COMMENT_MAX, RATINGS
from backoffice.intake.forms import Condition, FormDefinition, FormPage, Option, Question, form_for
from backoffice.intake.new_cases import Answer, NewAttachment, NewCase, Requester, create_case
from backoffice.notifications.subscribers import acknowledges
from backoffice.releases import access as share_access
from backoffice.releases.access import (
    Confirmation,
    DownloadFile,
    Ended,
    Landing,
    NotSignedIn,
    RequesterShare,
    ShareGone,
)
from backoffice.releases.history import HistoryEntry, history_csv
from backoffice.releases.management import SharedFile
from backoffice.releases.sending import SHARE_PAGE
from backoffice.releases.state import IDLE_LIMIT as SHARE_IDLE_LIMIT
from shared import audit, configuration

#: The channel of a request made through a public web form.
WEB_FORM = Channel.WEB_FORM.value


@dataclass(frozen=True)
class WebCaseType:
    """A case type as a public form shows it."""

    key: str
    name: str
    summary: str
    #: How long the body has to answer, in words, from the rule its cases are clocked under here
    #: (a Scottish body's FOI start page states FOISA's time, without FOIA's public-interest extension).
    time_to_answer: RuleInWords


@dataclass(frozen=True)
class CreatedCase:
    """What a public app may know of the case it has just made."""

    id: int
    reference: str
    due_on: dt.date | None
    type_key: str
    type_name: str
    requester_email: str | None
    #: Whether the requester is being emailed an acknowledgement (the case-created event's subscriber sends it).
    acknowledged: bool


def _time_to_answer(session: Session, case_type: CaseType) -> RuleInWords:
    try:
        return rule_in_words(effective_rule(session, case_type).key)
    except UnknownRuleError:  # a rule this engine does not know: the page says nothing rather than fail
        return RuleInWords("", "")


def _web_type(session: Session, case_type: CaseType) -> WebCaseType:
    return WebCaseType(key=case_type.key, name=case_type.name, summary=case_type.summary or "",
                       time_to_answer=_time_to_answer(session, case_type))


def web_case_types(session: Session) -> list[WebCaseType]:
    """The active types that take web requests, in the administrator's order (every public page asks,
    so each process keeps them until the configuration changes)."""
    return list(configuration.cached(session, "backoffice.web_case_types", lambda: tuple(
        _web_type(session, t) for t in case_types(session, web_only=True))))


def web_case_type(session: Session, key: str) -> WebCaseType | None:
    """The type with this key if it takes web requests, else None (a public 404)."""
    return next((t for t in web_case_types(session) if t.key == key), None)


def intake_form(session: Session, type_key: str) -> FormDefinition:
    """The form of an active type (web or not: a draft outlives a switch); ``NotFound`` for no such type."""
    return configuration.cached(session, ("backoffice.intake_form", type_key),
                                lambda: form_for(session, get_case_type(session, type_key)))


def create_request_case(session: Session, actor: audit.Actor, new: NewCase) -> CreatedCase:
    """Make the case, its attachments and its answers, as the core does for every door; the requester
    is acknowledged by the case-created event's subscriber, in this transaction."""
    case = create_case(session, actor, new, acknowledge=True)
    return CreatedCase(id=case.id, reference=case.reference, due_on=case.due_on, type_key=case.case_type.key,
                       type_name=case.case_type.name, requester_email=case.requester_email,
                       acknowledged=acknowledges(session, case))


def file_in_a_case(session: Session, file_id: str) -> bool:
    """True when a case holds the stored file, so the public app must not delete it."""
    return session.scalar(select(CaseAttachment.id).where(CaseAttachment.file_id == file_id).limit(1)) is not None


def record_feedback(session: Session, *, service: str, rating: str, comment: str,
                    case_type_key: str | None = None) -> None:
    """Store one survey answer; ``InvalidInput`` with a message per field when it is not valid.

    Nothing of the stored row comes back: a public page has no use for it, and this door hands out no ORM objects.
    """
    survey.record_feedback(session, service=service, rating=rating, comment=comment, case_type_key=case_type_key)


# Secure Share: the requester's side of a share. Each takes the link's token (and, once signed in, the
# session's token from the cookie); an ended share raises ``ShareGone`` (410) and an unknown token
# ``NotFound``. They return the frozen records of ``backoffice.releases.access``.
share_landing = share_access.landing
record_share_opening = share_access.record_opening
confirm_share_email = share_access.confirm_email
signed_in_share = share_access.signed_in
sign_out_of_share = share_access.sign_out
remove_shared_documents = share_access.remove_documents
share_history = share_access.requester_history
share_files_to_download = share_access.files_to_download
share_file_to_download = share_access.file_to_download
record_share_download = share_access.record_download

# Disclosure Log deflection: published answers offered while a requester writes an FOI or EIR request, and
# what came of them. A draft is named by the digest of its key; the answers carry their page in the log.
offers_published_answers = deflection.offers_published_answers
published_answers = deflection.published_answers
record_suggestions_shown = deflection.record_shown
record_suggestion_followed = deflection.record_followed
record_request_sent = deflection.record_sent


__all__ = [
    "COMMENT_MAX", "RATINGS", "REFERENCE", "SHARE_IDLE_LIMIT", "SHARE_PAGE", "WEB_FORM", "Answer", "Condition",
    "Confirmation", "CreatedCase", "DownloadFile", "Ended", "FormDefinition", "FormPage", "HistoryEntry", "Landing",
    "NewAttachment", "NewCase", "NotSignedIn", "Option", "PublishedAnswer", "Question", "Requester", "RequesterShare",
    "RequesterView", "RuleInWords", "ShareGone", "SharedFile", "WebCaseType", "confirm_share_email",
    "create_request_case", "file_in_a_case", "find_for_requester", "history_csv", "intake_form", "normalise_reference",
    "offers_published_answers", "published_answers", "record_feedback", "record_request_sent", "record_share_download",
    "record_share_opening", "record_suggestion_followed", "record_suggestions_shown", "remove_shared_documents",
    "share_file_to_download", "share_files_to_download", "share_history", "share_landing", "sign_out_of_share",
    "signed_in_share", "web_case_type", "web_case_types",
]


# Disclosure Log
# A published response by reference (``ResponseWithdrawn``, 410, once withdrawn; ``NotFound``
# for anything not public) and its documents, the log's lists and open data, and the FOI performance figures.
from backoffice.disclosures.listing import (  # noqa: E402
    CSV_COLUMNS,
    CategoryCount,
    DeletedEntry,
    FeedEntries,
    LogEntry,
    SitemapEntry,
    csv_lines,
    feed_entries,
    log_categories,
    log_csv_rows,
    newest_responses,
    response_url,
    sitemap_entries,
)
from backoffice.disclosures.paths import LOG_HOME_PAGE, LOG_RESPONSE_PAGE  # noqa: E402
from backoffice.disclosures.responses import (  # noqa: E402
    CitedExemption,
    LogDocumentFile,
    PublishedDocument,
    PublishedResponse,
    ResponseWithdrawn,
    published_response,
    response_document,
)
from backoffice.disclosures.search import (  # noqa: E402
    Facet,
    FacetValue,
    FoundIn,
    LogHit,
    LogQuery,
    LogResults,
    log_engine,
    search_log,
)
from backoffice.reporting.publication import Performance, Quarter, QuarterFigures, foi_performance  # noqa: E402

#: The open data CSV's header, in order.
LOG_CSV_COLUMNS = CSV_COLUMNS

__all__ += [
    "LOG_CSV_COLUMNS",
    "LOG_HOME_PAGE",
    "LOG_RESPONSE_PAGE",
    "CategoryCount",
    "CitedExemption",
    "DeletedEntry",
    "Facet",
    "FacetValue",
    "FeedEntries",
    "FoundIn",
    "LogDocumentFile",
    "LogEntry",
    "LogHit",
    "LogQuery",
    "LogResults",
    "Performance",
    "PublishedDocument",
    "PublishedResponse",
    "Quarter",
    "QuarterFigures",
    "ResponseWithdrawn",
    "SitemapEntry",
    "csv_lines",
    "feed_entries",
    "foi_performance",
    "log_categories",
    "log_csv_rows",
    "log_engine",
    "newest_responses",
    "published_response",
    "response_document",
    "response_url",
    "search_log",
    "sitemap_entries",
]


# Service status: each public app's status page and its Atom feed of incidents. ``service`` is the
# service's key ("capture", "secure_share", "disclosure_log"); only public updates leave the core.
from backoffice.incidents.status import (  # noqa: E402
    IncidentFeed,
    PlannedMaintenance,
    PublicIncident,
    PublicUpdate,
    ServiceStatus,
    StatusDay,
    incident_feed,
    service_status,
)

__all__ += [
    "IncidentFeed",
    "PlannedMaintenance",
    "PublicIncident",
    "PublicUpdate",
    "ServiceStatus",
    "StatusDay",
    "incident_feed",
    "service_status",
]
