"""The personal-data check a publication passes before it goes public, and again on every public change.

It looks in every field (title, summary, the request as published) and every page of every document for
the requester's name and email address, any email address, UK phone number, National Insurance number,
postcode and NHS number (``personal_data.find_personal_data``). Each hit is kept as a finding, one per
place, kind and text found, which must be fixed (the text changed, so the next check no longer finds it
and the finding goes) or acknowledged with a reason (a council's own switchboard number). An
acknowledgement survives later checks for as long as the same text is found in the same place.

Text that can still be extracted from under a black box in a PDF is a failed redaction, not a judgement
call: it cannot be acknowledged, and the document must be replaced. Those findings are made once, when
the document is read (``documents``), since they depend on its bytes alone; the check keeps them for as
long as the document is in the publication.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.disclosures.models import Publication, PublicationDocument, PublicationFinding, PublicationPage
from backoffice.disclosures.permission import require_publishing
from backoffice.disclosures.personal_data import find_personal_data
from backoffice.staff.accounts import StaffUser
from shared import audit
from shared.db import utcnow
from shared.errors import Conflict, InvalidInput, NotFound
from shared.files.text import HiddenText

HIDDEN_TEXT = "hidden text under a redaction box"
ACKNOWLEDGED = "acknowledged"
TITLE, SUMMARY, REQUEST = "title", "summary", "request"
FIELD_LABELS = {TITLE: "Title", SUMMARY: "Summary", REQUEST: "Request as published"}
FOUND_LIMIT = 300
CONTEXT_LIMIT = 200
REASON_LIMIT = 500


class ChecksOutstanding(Conflict):
    """Publishing refused: the personal-data check has findings still open.

    ``findings`` describes them (the check's rows are in the session, but a caller that rolls back on this
    error loses them: run :func:`run_check` in a transaction of its own to show them to staff).
    """

    title = "The personal-data check has not passed"

    def __init__(self, findings: Sequence[FindingView]) -> None:
        count = len(findings)
        super().__init__(f"Fix or acknowledge the {count} finding{'s' if count != 1 else ''} of the personal-data "
                         "check before publishing", {"check": "Fix or acknowledge every finding of the check"})
        self.findings = tuple(findings)


@dataclass(frozen=True)
class Hit:
    place: str
    kind: str
    found: str
    before: str
    after: str

    @property
    def key(self) -> tuple[str, str, str]:
        return self.place, self.kind, self.found


@dataclass(frozen=True)
class FindingView:
    """A finding as staff pages and the API show it: where, what, in context, and whether it is resolved."""

    id: int
    place: str
    place_label: str
    kind: str
    found: str
    before: str
    after: str
    open: bool
    can_acknowledge: bool
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "place": self.place, "place_label": self.place_label, "kind": self.kind,
                "found": self.found, "before": self.before, "after": self.after,
                "status": "open" if self.open else ACKNOWLEDGED, "can_acknowledge": self.can_acknowledge,
                "reason": self.reason}


def page_place(document_id: int, number: int) -> str:
    return f"document:{document_id}:page:{number}"


def document_of(place: str) -> int | None:
    """The document a place is in ("document:12:page:3" → 12); None for a field."""
    parts = place.split(":")
    return int(parts[1]) if len(parts) >= 2 and parts[0] == "document" and parts[1].isdigit() else None


def _bounded(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _hits_in(text: str, place: str, case: Case) -> list[Hit]:
    found = find_personal_data(text or "", requester_name=case.requester_name or "",
                               requester_email=case.requester_email or "")
    return [Hit(place=place, kind=f.kind, found=_bounded(f.found, FOUND_LIMIT), before=_bounded(f.before, CONTEXT_LIMIT),
                after=_bounded(f.after, CONTEXT_LIMIT)) for f in found]


def hidden_hits(document: PublicationDocument, hidden: Iterable[HiddenText]) -> list[Hit]:
    """The findings a document's failed redactions make: the text under the box, page by page."""
    return [Hit(place=page_place(document.id, h.page), kind=HIDDEN_TEXT, found=_bounded(" ".join(h.text.split()), FOUND_LIMIT),
                before="", after="") for h in hidden if h.text.strip()]


def add_hidden_findings(session: Session, publication: Publication, document: PublicationDocument,
                        hidden: Iterable[HiddenText]) -> list[PublicationFinding]:
    """Called when a document is read: its hidden-text findings, open until the document is removed."""
    rows = [PublicationFinding(publication_id=publication.id, place=hit.place, kind=hit.kind, found=hit.found,
                               before=hit.before, after=hit.after) for hit in _unique(hidden_hits(document, hidden))]
    session.add_all(rows)
    return rows


def _unique(hits: Iterable[Hit]) -> list[Hit]:
    """One hit per place, kind and text: the first occurrence's context stands for the rest."""
    seen: dict[tuple[str, str, str], Hit] = {}
    for hit in hits:
        seen.setdefault(hit.key, hit)
    return list(seen.values())


def text_hits(session: Session, publication: Publication, case: Case) -> list[Hit]:
    """What the check finds now in the fields and the documents' pages."""
    hits = _hits_in(publication.title, TITLE, case) + _hits_in(publication.summary, SUMMARY, case)
    hits += _hits_in(publication.request_text, REQUEST, case)
    pages = session.execute(
        select(PublicationPage.document_id, PublicationPage.number, PublicationPage.text)
        .join(PublicationDocument, PublicationDocument.id == PublicationPage.document_id)
        .where(PublicationDocument.publication_id == publication.id)
        .order_by(PublicationDocument.position, PublicationDocument.id, PublicationPage.number))
    for document_id, number, text in pages:
        hits += _hits_in(text, page_place(document_id, number), case)
    return _unique(hits)


def findings_of(session: Session, publication: Publication) -> list[PublicationFinding]:
    return list(session.scalars(select(PublicationFinding).where(PublicationFinding.publication_id == publication.id)
                                .order_by(PublicationFinding.id)))


def run_check(session: Session, publication: Publication, case: Case) -> list[PublicationFinding]:
    """Check again and bring the findings up to date: new hits are open, hits found again keep their
    acknowledgement (and take the new context), hits no longer found are fixed and go.

    Hidden-text findings stay while their document is in the publication (they are the document's own).
    Returns every finding, open and acknowledged.
    """
    session.flush()
    current = {hit.key: hit for hit in text_hits(session, publication, case)}
    document_ids = set(session.scalars(select(PublicationDocument.id)
                                       .where(PublicationDocument.publication_id == publication.id)))
    kept: set[tuple[str, str, str]] = set()
    for finding in findings_of(session, publication):
        key = (finding.place, finding.kind, finding.found)
        if finding.kind == HIDDEN_TEXT:
            if document_of(finding.place) not in document_ids or key in kept:
                session.delete(finding)
            else:
                kept.add(key)
            continue
        hit = current.get(key)
        if hit is None or key in kept:
            session.delete(finding)
            continue
        kept.add(key)
        finding.before, finding.after = hit.before, hit.after
    for key, hit in current.items():
        if key not in kept:
            session.add(PublicationFinding(publication_id=publication.id, place=hit.place, kind=hit.kind,
                                           found=hit.found, before=hit.before, after=hit.after, found_at=utcnow()))
    session.flush()
    return findings_of(session, publication)


def is_open(finding: PublicationFinding) -> bool:
    return finding.resolution is None


def open_findings(findings: Iterable[PublicationFinding]) -> list[PublicationFinding]:
    return [f for f in findings if is_open(f)]


def _document_names(session: Session, publication_id: int) -> dict[int, str]:
    rows = session.execute(select(PublicationDocument.id, PublicationDocument.name)
                           .where(PublicationDocument.publication_id == publication_id))
    return {row.id: row.name for row in rows}  # (dict(result) would read the Result as a mapping)


def place_label(place: str, names: dict[int, str]) -> str:
    """"Title", "Summary", "Request as published", or "Appendix B.pdf, page 3"."""
    if place in FIELD_LABELS:
        return FIELD_LABELS[place]
    document_id = document_of(place)
    parts = place.split(":")
    name = names.get(document_id, "A removed document") if document_id is not None else place
    return f"{name}, page {parts[3]}" if len(parts) == 4 else name


def views(session: Session, publication: Publication, findings: Iterable[PublicationFinding] | None = None) -> list[FindingView]:
    """The findings, open first, in the order the publication reads (fields, then documents)."""
    rows = findings_of(session, publication) if findings is None else list(findings)
    names = _document_names(session, publication.id)
    order = {TITLE: 0, SUMMARY: 1, REQUEST: 2}
    rows.sort(key=lambda f: (not is_open(f), order.get(f.place, 3), f.id))
    return [FindingView(id=f.id, place=f.place, place_label=place_label(f.place, names), kind=f.kind, found=f.found,
                        before=f.before, after=f.after, open=is_open(f), can_acknowledge=f.kind != HIDDEN_TEXT,
                        reason=f.reason) for f in rows]


def require_passed(session: Session, publication: Publication, case: Case) -> list[PublicationFinding]:
    """Run the check; raise :class:`ChecksOutstanding` while any finding is open."""
    findings = run_check(session, publication, case)
    still_open = open_findings(findings)
    if still_open:
        raise ChecksOutstanding(views(session, publication, still_open))
    return findings


def acknowledge(session: Session, actor: audit.Actor, user: StaffUser, finding_id: int, reason: str) -> PublicationFinding:
    """Accept a finding with a reason (it is not personal data, or it is meant to be public).

    Hidden text under a redaction box cannot be accepted: the redaction failed, so the document must be
    replaced with one whose text is really gone.
    """
    finding = session.get(PublicationFinding, finding_id)
    publication = session.get(Publication, finding.publication_id) if finding is not None else None
    case = session.get(Case, publication.case_id) if publication is not None else None
    if finding is None or publication is None or case is None:
        raise NotFound("There is no such finding")
    require_publishing(session, user, case)
    if finding.kind == HIDDEN_TEXT:
        raise Conflict("Text can still be read under a redaction box: replace the document with one that is "
                       "properly redacted", {"finding": "Replace the document: hidden text cannot be acknowledged"})
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput("Enter a reason", {"reason": "Enter why this can be published"})
    if len(reason) > REASON_LIMIT:
        raise InvalidInput("The reason is too long", {"reason": f"Reason must be {REASON_LIMIT} characters or fewer"})
    finding.resolution = ACKNOWLEDGED
    finding.reason = reason
    finding.resolved_by_user_id = user.id
    finding.resolved_at = utcnow()
    label = place_label(finding.place, _document_names(session, publication.id))
    audit.record(session, actor, "case.publication_finding_acknowledged", "case", case.reference,
                 f"Personal-data check: {finding.kind} in {label} acknowledged: {reason}",
                 {"publication_id": publication.id, "finding_id": finding.id, "place": finding.place,
                  "kind": finding.kind, "reason": reason})
    return finding


def forget_document(session: Session, publication: Publication, document_id: int) -> None:
    """A removed document's findings go with it."""
    prefix = f"document:{document_id}:"
    session.execute(delete(PublicationFinding).where(PublicationFinding.publication_id == publication.id,
                                                     PublicationFinding.place.startswith(prefix, autoescape=True)))
