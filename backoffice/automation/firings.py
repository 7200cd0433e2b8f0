"""Claiming a firing: the single write that makes every sweep action happen once.

``INSERT ... ON CONFLICT DO NOTHING RETURNING id`` either inserts the row (this transaction owns the
action and does it) or inserts nothing (someone already did, or is doing it and will commit first:
PostgreSQL makes the second insert wait for the first transaction; SQLite's BEGIN IMMEDIATE runs the
two sweeps one after the other). Reading what has fired before claiming keeps a quiet sweep free of
writes altogether.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from backoffice.automation.models import Firing
from shared.db import is_postgres

CHUNK = 500


def claim(session: Session, case_id: int, kind: str, target: str, slot: str, at: dt.datetime) -> bool:
    insert = postgresql.insert if is_postgres(session) else sqlite.insert
    stmt = (insert(Firing).values(case_id=case_id, kind=kind, target=target, slot=slot, fired_at=at)
            .on_conflict_do_nothing(index_elements=["case_id", "kind", "target", "slot"])
            .returning(Firing.id))
    return session.execute(stmt).first() is not None


def fired(session: Session, kind: str, case_ids: Iterable[int]) -> set[tuple[int, str, str]]:
    """(case id, target, slot) of every ``kind`` firing of these cases, read in chunks of ids."""
    ids = sorted(set(case_ids))
    found: set[tuple[int, str, str]] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        rows = session.execute(select(Firing.case_id, Firing.target, Firing.slot)
                               .where(Firing.case_id.in_(chunk), Firing.kind == kind))
        found.update((int(c), str(t), str(s)) for c, t, s in rows)
    return found


def fired_among(session: Session, kind: str, case_ids: Select[Any]) -> set[tuple[int, str, str]]:
    """The same for the cases a query selects: one statement however many there are (the sweep's big reads)."""
    rows = session.execute(select(Firing.case_id, Firing.target, Firing.slot)
                           .where(Firing.case_id.in_(case_ids), Firing.kind == kind))
    return {(int(c), str(t), str(s)) for c, t, s in rows}


def of_case(session: Session, case_id: int) -> list[Firing]:
    """What the sweep has done to one case, newest first (the targets page lists it)."""
    return list(session.scalars(select(Firing).where(Firing.case_id == case_id)
                                .order_by(Firing.fired_at.desc(), Firing.id.desc())))
