"""Recording a public change of a publication: a row in the change sequence and a job to apply it, both in
the caller's transaction, so a publish, amend or withdraw that commits is always indexed and one that rolls
back never is.

The job wakes the worker that takes it; every host's worker also follows the sequence on its own
(``backoffice.disclosures.indexing``), because a queued job is taken by one worker only.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from backoffice.disclosures.models import PublicationChange
from shared import jobs

#: The job that brings the index up to date with the change sequence.
INDEX_JOB = "backoffice.disclosures.index"


def record_change(session: Session, publication_id: int) -> PublicationChange:
    change = PublicationChange(publication_id=publication_id)
    session.add(change)
    jobs.enqueue(session, INDEX_JOB, {"publication_id": publication_id}, max_attempts=5)
    return change
