"""Deflection: published answers offered to a requester while they write an FOI or EIR request, and what
that did, counted for reporting.

A request the log already answers costs the requester a wait and the body a case. So the form's "What
information do you want?" page is followed by the published responses its words find (the log's own
search, any word matching); the requester may read one or carry on. Counted: how often suggestions were
shown, how often one was followed, and how many drafts that followed one were then never sent.

Capture keeps no answers here: an event names the draft only by the digest of its key (the same digest
Capture's ``capture_drafts.key_hash`` holds), and "sent" is recorded against that digest when the draft
becomes a case, so the counts hold after Capture has deleted the draft.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from backoffice.cases.models import CaseType
from backoffice.clocks import Law, UnknownRuleError
from backoffice.deadlines.rules import effective_rule
from backoffice.disclosures.models import PUBLISHED, DeflectionEvent, Publication
from backoffice.disclosures.paths import response_url
from backoffice.disclosures.search import SUGGESTIONS, log_engine, suggest
from shared.db import utcnow
from shared.errors import NotFound
from shared.settings import Settings

log = logging.getLogger(__name__)

#: The laws whose requests are offered published answers: the same laws whose answers are published.
DEFLECTED_LAWS = frozenset({Law.FOIA, Law.FOISA, Law.EIR, Law.EIR_SCOTLAND})
# DeflectionEvent.kind values.
SHOWN = "shown"
FOLLOWED = "followed"
#: The draft became a case (recorded only for a draft that was shown suggestions).
SENT = "sent"
#: Past this, a draft's words are an essay, not a search: the first words say what it is about.
MAX_TEXT = 1000
DIGEST_LENGTH = 64


@dataclass(frozen=True)
class PublishedAnswer:
    """A published response that may answer what the requester is writing, with its page in the log."""

    publication_id: int
    reference: str
    title: str
    summary: str
    url: str


@dataclass(frozen=True)
class DeflectionCounts:
    shown: int
    followed: int
    #: Drafts that followed a suggestion in the period and have not become a case.
    not_sent_after_following: int


def offers_published_answers(session: Session, case_type_key: str) -> bool:
    """True for a type answered under FOI or EIR here (decided by its effective rule's law, as publishing is)."""
    case_type = session.scalar(select(CaseType).where(CaseType.key == case_type_key, CaseType.active.is_(True)))
    if case_type is None:
        return False
    try:
        return effective_rule(session, case_type).law in DEFLECTED_LAWS
    except UnknownRuleError:  # a rule this engine does not know: no suggestions, never a broken form
        return False


def _anything_published(session: Session) -> bool:
    return session.scalar(select(Publication.id).where(Publication.status == PUBLISHED).limit(1)) is not None


def published_answers(session: Session, settings: Settings, text: str,
                      case_type_key: str) -> tuple[PublishedAnswer, ...]:
    """Up to five published responses for a draft's words; none for a type that is not FOI or EIR.

    Suggestions help and are never needed: a search that fails (an index being rebuilt, a full disk) is
    logged and answered with none, so the form always goes on.
    """
    text = text[: MAX_TEXT * 4]
    if not text.strip() or not offers_published_answers(session, case_type_key) or not _anything_published(session):
        return ()
    try:
        found = suggest(session, log_engine(settings), text, SUGGESTIONS)
    except Exception:  # see the docstring
        log.exception("published answers could not be searched")
        return ()
    return tuple(PublishedAnswer(s.publication_id, s.reference, s.title, s.summary,
                                 response_url(settings, s.reference)) for s in found)


def _digest(value: str) -> str:
    value = value.strip().lower()
    return value if len(value) == DIGEST_LENGTH and all(c in "0123456789abcdef" for c in value) else ""


def record_shown(session: Session, *, case_type_key: str, publication_ids: Iterable[int], draft_digest: str) -> int:
    """Count suggestions shown to a draft; ids that are not published responses are ignored. The number recorded."""
    wanted = sorted({int(i) for i in publication_ids})[:SUGGESTIONS * 2]
    if not wanted:
        return 0
    found = list(session.scalars(select(Publication.id).where(Publication.id.in_(wanted),
                                                              Publication.status == PUBLISHED)))
    now = utcnow()
    session.add_all(DeflectionEvent(kind=SHOWN, case_type_key=case_type_key[:40], publication_id=publication_id,
                                    draft_digest=_digest(draft_digest), at=now) for publication_id in found)
    return len(found)


def record_followed(session: Session, settings: Settings, *, case_type_key: str, publication_id: int,
                    draft_digest: str) -> str:
    """Count a suggestion followed and return the response's page in the log; ``NotFound`` when it is no
    published response (withdrawn since it was shown, or never one)."""
    publication = session.get(Publication, publication_id)
    if publication is None or publication.status != PUBLISHED:
        raise NotFound("That response is not in the disclosure log")
    session.add(DeflectionEvent(kind=FOLLOWED, case_type_key=case_type_key[:40], publication_id=publication.id,
                                draft_digest=_digest(draft_digest), at=utcnow()))
    return response_url(settings, publication.reference)


def record_sent(session: Session, *, draft_digest: str, case_type_key: str = "") -> bool:
    """Note that a draft became a case, when it had been shown suggestions (other drafts leave no row)."""
    digest = _digest(draft_digest)
    if not digest:
        return False
    seen = session.scalar(select(DeflectionEvent.id).where(DeflectionEvent.draft_digest == digest,
                                                           DeflectionEvent.kind != SENT).limit(1))
    if seen is None:
        return False
    session.add(DeflectionEvent(kind=SENT, case_type_key=case_type_key[:40], publication_id=None, draft_digest=digest,
                                at=utcnow()))
    return True


def deflection_counts(session: Session, start: dt.datetime, end: dt.datetime) -> DeflectionCounts:
    """Suggestions shown and followed in ``[start, end)``, and the drafts that followed one then and were
    not sent (by the time this is asked: a draft still being written counts until it is sent)."""
    in_period = (DeflectionEvent.at >= start, DeflectionEvent.at < end)

    def count(kind: str) -> int:
        return int(session.scalar(select(func.count()).select_from(DeflectionEvent)
                                  .where(DeflectionEvent.kind == kind, *in_period)) or 0)

    sent = select(DeflectionEvent.draft_digest).where(DeflectionEvent.kind == SENT)
    not_sent = session.scalar(
        select(func.count(distinct(DeflectionEvent.draft_digest)))
        .where(DeflectionEvent.kind == FOLLOWED, DeflectionEvent.draft_digest != "", *in_period,
               DeflectionEvent.draft_digest.not_in(sent)))
    return DeflectionCounts(shown=count(SHOWN), followed=count(FOLLOWED), not_sent_after_following=int(not_sent or 0))


__all__ = ["DEFLECTED_LAWS", "FOLLOWED", "SENT", "SHOWN", "DeflectionCounts", "PublishedAnswer",
           "deflection_counts", "offers_published_answers", "published_answers", "record_followed",
           "record_sent", "record_shown", "response_url"]
