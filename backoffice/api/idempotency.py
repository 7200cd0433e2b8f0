"""``Idempotency-Key`` for creating a case or raising an incident: a retried POST returns what the first
attempt made.

The key row is inserted *before* the case is created, in the same transaction,
so two attempts racing each other cannot both create a case: the unique
constraint (client, key) lets exactly one through; the other finds the first
one's row once it has committed (or is told to retry while it is still running).
A refused creation rolls back the key with everything else, so the client can
fix the request and send it again with the same key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backoffice.api.errors import BadRequest, IdempotencyKeyInFlight, IdempotencyKeyReused
from backoffice.api.models import ApiIdempotencyKey
from shared.db import utcnow

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
#: Printable ASCII (a Structured Field string's characters, as the draft header spec uses), as the
#: OpenAPI document publishes it: the same in ECMA-262 and Python (no "$", see ``schemas``).
KEY_PATTERN = f"^[ -~]{{1,{MAX_KEY_LENGTH}}}(?![\\s\\S])"
KEEP_FOR = dt.timedelta(days=30)


#: What a key was used to make; a key is one client's for one request, so using it for the other is a reuse.
CASE = "case"
INCIDENT = "incident"


def request_hash(body: Any, makes: str = CASE) -> str:
    """The request's fingerprint. A case's is its body's alone (as keys stored before incidents had keys
    were made); an incident's covers what it makes too, so a case's key sent to raise an incident is refused."""
    value = body if makes == CASE else {makes: body}
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def check_key(key: str) -> str:
    if not re.search(KEY_PATTERN, key):
        raise BadRequest("The Idempotency-Key header is not usable",
                         {HEADER: f"Send 1 to {MAX_KEY_LENGTH} printable ASCII characters, such as a UUID"})
    return key


def _existing(session: Session, client_id: int, key: str) -> ApiIdempotencyKey | None:
    return session.scalar(
        select(ApiIdempotencyKey).where(ApiIdempotencyKey.client_id == client_id, ApiIdempotencyKey.key == key)
    )


def _replay(row: ApiIdempotencyKey, digest: str) -> str:
    if row.request_hash != digest:
        raise IdempotencyKeyReused("This Idempotency-Key was used for a request with a different body; "
                                   "use a new key for a new request")
    if row.reference is None:
        raise IdempotencyKeyInFlight("Retry shortly")
    return row.reference


def claim(session: Session, client_id: int, key: str, body: Any,
          makes: str = CASE) -> tuple[ApiIdempotencyKey | None, str | None]:
    """Either (a new row to fill in, None) or (None, the reference an earlier attempt created)."""
    digest = request_hash(body, makes)
    row = _existing(session, client_id, key)
    if row is not None:
        return None, _replay(row, digest)
    row = ApiIdempotencyKey(client_id=client_id, key=key, request_hash=digest, created_at=utcnow())
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        row = _existing(session, client_id, key)
        if row is None:
            raise IdempotencyKeyInFlight("Retry shortly") from None
        return None, _replay(row, digest)
    return row, None


def forget_old(session: Session, older_than: dt.timedelta = KEEP_FOR) -> int:
    """Housekeeping: a retry comes within minutes, not months."""
    result = session.execute(delete(ApiIdempotencyKey).where(ApiIdempotencyKey.created_at < utcnow() - older_than))
    return int(getattr(result, "rowcount", 0) or 0)
