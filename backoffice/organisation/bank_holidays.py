"""Bank holidays announced after the `holidays` package was released, added or removed by an administrator.

Adjustments are data: every later deadline is computed on calendars rebuilt
from the package plus these rows, and each change is audited. An office
closure is not a bank holiday, so there is deliberately nothing here for one.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

from sqlalchemy import Date, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from backoffice.clocks import CalendarSet, DeadlineEngine, HolidayAdjustment, Nation
from shared import audit
from shared.db import Base, read_only, utcnow
from shared.errors import Conflict, InvalidInput, NotFound


class BankHolidayAdjustment(Base):
    __tablename__ = "bank_holiday_adjustments"
    __table_args__ = (UniqueConstraint("nation", "day", name="uq_bank_holiday_adjustments_nation_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nation: Mapped[str] = mapped_column(String(30))
    day: Mapped[dt.date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # "add" or "remove"
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


def adjustments(session: Session) -> list[HolidayAdjustment]:
    rows = session.scalars(select(BankHolidayAdjustment).order_by(BankHolidayAdjustment.day))
    return [HolidayAdjustment(nation=Nation(r.nation), day=r.day, name=r.name, kind=r.kind) for r in rows]  # type: ignore[arg-type]


def _validate(nation: str, day: dt.date, name: str) -> Nation:
    try:
        chosen = Nation(nation)
    except ValueError as exc:
        raise InvalidInput("Select a nation", {"nation": "Select a nation"}) from exc
    if chosen is Nation.UK:
        raise InvalidInput("Select a nation", {"nation": "Select England and Wales, Scotland or Northern Ireland"})
    if not name.strip() or len(name) > 200:
        raise InvalidInput("Enter the holiday's name", {"name": "Enter the name of the bank holiday"})
    return chosen


def add_bank_holiday(session: Session, actor: audit.Actor, nation: str, day: dt.date, name: str) -> BankHolidayAdjustment:
    chosen = _validate(nation, day, name)
    return _adjust(session, actor, chosen, day, name.strip(), "add")


def remove_bank_holiday(session: Session, actor: audit.Actor, nation: str, day: dt.date, name: str) -> BankHolidayAdjustment:
    chosen = _validate(nation, day, name)
    return _adjust(session, actor, chosen, day, name.strip(), "remove")


#: Who hears that the calendars changed, with a cause in words ("bank holiday added: ..."): clocks kept as
#: stored due times (incidents) recompute them. Filled in by the plugin, as the case events' subscribers are.
CALENDAR_LISTENERS: list[Callable[[Session, str], object]] = []


def _calendar_changed(session: Session, cause: str) -> None:
    session.flush()
    for listener in CALENDAR_LISTENERS:
        listener(session, cause)


def _adjust(session: Session, actor: audit.Actor, nation: Nation, day: dt.date, name: str, kind: str) -> BankHolidayAdjustment:
    existing = session.scalar(
        select(BankHolidayAdjustment).where(BankHolidayAdjustment.nation == nation.value, BankHolidayAdjustment.day == day)
    )
    if existing is not None:
        raise Conflict(f"{day:%-d %B %Y} already has an adjustment for {nation.label}")
    row = BankHolidayAdjustment(nation=nation.value, day=day, name=name, kind=kind)
    session.add(row)
    session.flush()
    verb = "added" if kind == "add" else "removed"
    audit.record(session, actor, f"bank_holiday.{verb}", "bank_holiday", row.id,
                 f"Bank holiday {verb}: {name}, {day:%-d %B %Y}, {nation.label}",
                 {"nation": nation.value, "day": day.isoformat(), "name": name, "kind": kind})
    _calendar_changed(session, f"bank holiday {verb}: {name}, {day:%-d %B %Y}")
    return row


def undo_adjustment(session: Session, actor: audit.Actor, adjustment_id: int) -> None:
    row = session.get(BankHolidayAdjustment, adjustment_id)
    if row is None:
        raise NotFound("No such adjustment")
    audit.record(session, actor, "bank_holiday.adjustment_undone", "bank_holiday", row.id,
                 f"Adjustment undone: {row.name}, {row.day:%-d %B %Y}", {"nation": row.nation, "day": row.day.isoformat()})
    session.delete(row)
    _calendar_changed(session, f"bank holiday change undone: {row.name}, {row.day:%-d %B %Y}")


_cache_lock = threading.Lock()
_cache: dict[tuple[int, str | None], DeadlineEngine] = {}


def deadline_engine(session: Session) -> DeadlineEngine:
    """An engine on calendars that include every stored adjustment, rebuilt only when they change."""
    count, newest = session.execute(
        select(func.count(BankHolidayAdjustment.id), func.max(BankHolidayAdjustment.created_at))
    ).one()
    key = (int(count), newest.isoformat() if newest else None)
    with _cache_lock:
        engine = _cache.get(key)
        if engine is None:
            engine = DeadlineEngine(CalendarSet(adjustments=adjustments(session)))
            _cache.clear()
            _cache[key] = engine
        return engine


def warm(factory: sessionmaker[Session]) -> None:
    """Build the calendars of every nation (about 0.2 s) before the first new case needs one."""
    with read_only(factory()) as session:
        engine = deadline_engine(session)
    for nation in Nation:
        engine.calendars.calendar(nation)
