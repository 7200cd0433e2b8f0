"""What the bank holidays page reads: the stored adjustments (with their ids, to undo one) and
the calendars as deadlines will use them, so an administrator can check a change took."""

from __future__ import annotations

import datetime as dt
from itertools import islice

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.clocks import Nation
from backoffice.organisation.bank_holidays import BankHolidayAdjustment, deadline_engine

PLACES: tuple[Nation, ...] = (Nation.ENGLAND_AND_WALES, Nation.SCOTLAND, Nation.NORTHERN_IRELAND)


def adjustment_rows(session: Session) -> list[BankHolidayAdjustment]:
    return list(session.scalars(select(BankHolidayAdjustment)
                                .order_by(BankHolidayAdjustment.day, BankHolidayAdjustment.nation)))


def upcoming(session: Session, nation: Nation, today: dt.date, count: int = 10) -> list[tuple[dt.date, str]]:
    """The next ``count`` bank holidays of ``nation`` on or after ``today``, as the deadline engine sees them."""
    holidays = deadline_engine(session).calendars.calendar(nation).bank_holidays
    return list(islice(((day, holidays[day]) for day in sorted(holidays) if day >= today), count))


def is_bank_holiday(session: Session, nation: Nation, day: dt.date) -> bool:
    """Whether ``day`` is a bank holiday of ``nation`` now: only those can be removed."""
    return deadline_engine(session).calendars.calendar(nation).is_bank_holiday(day)
