"""Importing a spreadsheet from the web, with an outcome that outlives the request.

The import itself is ``backoffice.cases.transfer`` (all or nothing). Here its
outcome is tied to an audit entry: a successful batch already records
``cases.imported``; a refused one is recorded as ``cases.import_refused`` with
its problems. So the confirmation page works when bookmarked, and the
problems can be downloaded as a CSV after the page that listed them, without
keeping the uploaded personal data anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases import transfer
from shared import audit
from shared.errors import NotFound

IMPORTED = "cases.imported"
REFUSED = "cases.import_refused"
#: A file can have thousands of problems; the page and the stored record keep this many.
MAX_KEPT_ERRORS = 1000


@dataclass(frozen=True)
class Outcome:
    event_id: int
    report: transfer.ImportReport


def run_import(session: Session, actor: audit.Actor, filename: str, data: bytes) -> Outcome:
    """Read and import a file; raises ``FileRefused`` (InvalidInput) when the file itself is unusable."""
    rows = transfer.parse(filename, data)
    report = transfer.import_cases(session, actor, rows, source=filename)
    if report.ok:
        event = session.scalar(select(audit.AuditEvent)
                               .where(audit.AuditEvent.action == IMPORTED, audit.AuditEvent.actor_id == actor.id)
                               .order_by(audit.AuditEvent.id.desc()).limit(1))
        assert event is not None  # import_cases records it in this transaction
        return Outcome(event.id, report)
    kept = report.errors[:MAX_KEPT_ERRORS]
    event = audit.record(
        session, actor, REFUSED, "import", filename[:100] or "upload",
        f"Import of {filename} refused: {len(report.errors)} problem{'s' if len(report.errors) != 1 else ''}",
        {"rows": report.rows, "total_errors": len(report.errors),
         "errors": [{"row": e.row, "field": e.field, "message": e.message} for e in kept]},
    )
    session.flush()
    return Outcome(event.id, report)


def import_record(session: Session, event_id: int, user_id: int) -> audit.AuditEvent:
    """An import's record, only for the person who ran it: it lists other people's cases and data."""
    event = session.get(audit.AuditEvent, event_id)
    if event is None or event.action not in (IMPORTED, REFUSED) or event.actor_id != str(user_id):
        raise NotFound("No such import")
    return event


def latest_import(session: Session, user_id: int) -> audit.AuditEvent | None:
    """The person's most recent import, where a repeated upload (a double click) is sent."""
    return session.scalar(select(audit.AuditEvent)
                          .where(audit.AuditEvent.action.in_((IMPORTED, REFUSED)),
                                 audit.AuditEvent.actor_id == str(user_id))
                          .order_by(audit.AuditEvent.id.desc()).limit(1))


def refused_report(event: audit.AuditEvent) -> transfer.ImportReport:
    """The problems of a refused import, rebuilt from its record for the page and the CSV."""
    errors = [transfer.RowError(int(e["row"]), str(e["field"]), str(e["message"]))
              for e in event.detail.get("errors", [])]
    return transfer.ImportReport(errors=errors, rows=int(event.detail.get("rows", 0)))
