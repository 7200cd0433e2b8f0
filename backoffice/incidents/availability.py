"""Availability per service, computed from time, not by counting checks.

Uptime tools that count checks ("1,437 of 1,440 passed") weigh a minute at 3am the same as a minute at
noon, and a probe that did not run the same as one that passed. Seed 001 promises 99.9 % of the
availability hours (08:00-18:30, Monday to Friday, not on the body's bank holidays, Europe/London), so
here every figure is a length of time inside those hours:

- a probe result stands for its service from its time until the next result, for at most ``STALE``
  (a probe that stops reporting tells us nothing: the rest of the gap is *no data*, not uptime);
- *downtime* is the union of the time covered by failing results and by P1 incidents of the service
  (received to resolved, or to the period's end while unresolved), except incidents whose cause lies
  with another party;
- planned *maintenance* (not cancelled) and *no data* are reported apart and are not measured at all:
  availability is the share of the remaining (measured) time that was not downtime.

Only "fail" is downtime: a slow or partial result means the service works (the status page shows it
as degraded). An open P1 is downtime even where the probes were silent (known, not unknown time).

A year of minute probes is 525,600 rows, read in one ordered scan. On PostgreSQL the database keeps
only the rows where something changes (the outcome flips between failing and not, or a gap begins or
ends), with window functions, and only those few rows reach Python. SQLite's window functions are
several times slower than its plain scan, so there the times and outcomes come back as two strings and
the runs and gaps are found in C-level loops (``bench/incidents.py`` measures both beside a bare COUNT).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import operator
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, DateTime, String, and_, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from backoffice.clocks import ServiceHours
from backoffice.clocks.service_hours import LONDON
from backoffice.incidents import service_levels as levels
from backoffice.incidents.models import Incident, Maintenance, ProbeResult
from backoffice.incidents.service_levels import Priority, Service
from shared.db import UTCDateTime, utcnow

#: How long one probe result is believed: a little over two missed minute-probes. Beyond it, no data.
STALE = dt.timedelta(minutes=3)
FAIL = "fail"
_ZERO = dt.timedelta(0)
_DAY = dt.timedelta(days=1)

Span = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class Availability:
    """One service over one period: every figure is time inside the availability hours."""

    service: str
    start: dt.datetime
    end: dt.datetime
    #: All the availability hours in the period (to now, for a period not yet over).
    scheduled: dt.timedelta
    maintenance: dt.timedelta
    no_data: dt.timedelta
    downtime: dt.timedelta
    target: float = levels.AVAILABILITY_TARGET

    @property
    def measured(self) -> dt.timedelta:
        """The time availability is a share of: the hours less maintenance and the time nothing is known."""
        return self.scheduled - self.maintenance - self.no_data

    @property
    def availability(self) -> float | None:
        """The share of measured time the service was up; None when nothing was measured."""
        if self.measured <= _ZERO:
            return None
        return 1 - self.downtime / self.measured

    @property
    def percent(self) -> str:
        value = self.availability
        return "no data" if value is None else f"{value * 100:.2f}%"

    @property
    def budget(self) -> dt.timedelta:
        """The downtime the target allows over the measured time (about 13 minutes in a month)."""
        return self.measured * (1 - self.target)

    @property
    def budget_left(self) -> dt.timedelta:
        """Negative once the target is missed."""
        return self.budget - self.downtime

    @property
    def met(self) -> bool | None:
        value = self.availability
        return None if value is None else value >= self.target


@dataclass(frozen=True)
class DayAvailability:
    """One London day of a service: its figures (all zero on a day without availability hours)."""

    day: dt.date
    figures: Availability


@dataclass(frozen=True)
class _Ledger:
    """The period's time sorted into disjoint spans: the hours, and within them each kind of time."""

    hours: list[Span]
    maintenance: list[Span]
    no_data: list[Span]
    downtime: list[Span]


# Interval arithmetic on sorted, disjoint lists of spans.

def _union(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for begin, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and begin <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((begin, end))
    return merged


def _intersect(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    out: list[Span] = []
    i = j = 0
    while i < len(a) and j < len(b):
        begin, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if begin < end:
            out.append((begin, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def _subtract(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    out: list[Span] = []
    j = 0
    for begin, end in a:
        cursor = begin
        while j < len(b) and b[j][1] <= cursor:
            j += 1
        k = j
        while k < len(b) and b[k][0] < end:
            if b[k][0] > cursor:
                out.append((cursor, b[k][0]))
            cursor = max(cursor, b[k][1])
            k += 1
        if cursor < end:
            out.append((cursor, end))
    return out


def _total(spans: Iterable[Span]) -> dt.timedelta:
    return sum((end - begin for begin, end in spans), _ZERO)


def hours_spans(hours: ServiceHours, start: dt.datetime, end: dt.datetime) -> list[Span]:
    """The availability hours between two instants, one span per open day."""
    spans: list[Span] = []
    day = start.astimezone(LONDON).date()
    last = end.astimezone(LONDON).date()
    while day <= last:
        window = hours.window_on(day)
        if window is not None and window[1] > start and window[0] < end:
            spans.append((max(window[0], start), min(window[1], end)))
        day += _DAY
    return spans


def _longer_than(session: Session, later: ColumnElement[dt.datetime], earlier: ColumnElement[dt.datetime],
                 seconds: float) -> ColumnElement[bool]:
    """Whether two timestamp columns are more than ``seconds`` apart, in each database's own arithmetic."""
    if session.get_bind().dialect.name == "sqlite":  # times stored as ISO text: julianday reads them
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0 > seconds
    return type_coerce(later, DateTime(timezone=True)) - type_coerce(earlier, DateTime(timezone=True)) > \
        dt.timedelta(seconds=seconds)


def probe_spans(session: Session, service: Service, start: dt.datetime,
                end: dt.datetime) -> tuple[list[Span], list[Span]]:
    """(the spans the probes cover, the spans failing results cover), from one ordered scan.

    PostgreSQL keeps only the rows where something changes, with window functions. SQLite's window
    functions cost several seconds over a year of minute probes, so there the database hands over the
    times and outcomes as two strings in one row, and the run and gap finding is done in C-level loops
    (a regular expression over the outcomes, ``map`` over the times): a second or so for a year.
    """
    if session.get_bind().dialect.name == "sqlite":
        return _probe_spans_sqlite(session, service, start, end)
    return _probe_spans_windowed(session, service, start, end)


def _spans_of_rows(times: Sequence[dt.datetime], fail_runs: Iterable[tuple[int, int]], start: dt.datetime,
                   end: dt.datetime) -> tuple[list[Span], list[Span]]:
    """The covered and failing spans of ordered results, given the runs ``[first, last + 1)`` of
    failing rows: a result covers until the next one, for at most ``STALE``."""
    count = len(times)
    if not count:
        return [], []
    gaps = list(itertools.compress(range(count - 1), map(STALE.__lt__, map(operator.sub, times[1:], times[:-1]))))
    data: list[Span] = []
    begin = 0
    for gap in gaps:
        data.append((times[begin], times[gap] + STALE))
        begin = gap + 1
    data.append((times[begin], times[-1] + STALE))

    def covered_to(row: int) -> dt.datetime:
        if row + 1 < count and times[row + 1] - times[row] <= STALE:
            return times[row + 1]
        return times[row] + STALE

    failing: list[Span] = []
    for first, stop in fail_runs:
        run_start = first
        for gap in gaps[bisect.bisect_left(gaps, first):bisect.bisect_left(gaps, stop - 1)]:
            failing.append((times[run_start], times[gap] + STALE))
            run_start = gap + 1
        failing.append((times[run_start], covered_to(stop - 1)))
    bounds = [(start, end)]
    return _intersect(_union(data), bounds), _intersect(_union(failing), bounds)


def _probe_spans_sqlite(session: Session, service: Service, start: dt.datetime,
                        end: dt.datetime) -> tuple[list[Span], list[Span]]:
    ordered = (select(ProbeResult.at, ProbeResult.outcome)
               .where(ProbeResult.service == service.value, ProbeResult.at >= start - STALE, ProbeResult.at < end)
               .order_by(ProbeResult.at).subquery())
    flag = case((ordered.c.outcome == FAIL, "f"), else_="p")
    row = session.execute(select(func.group_concat(type_coerce(ordered.c.at, String()), ","),
                                 func.group_concat(flag, ""))).one()
    if not row[0]:
        return [], []
    # Naive UTC throughout (as stored): giving half a million instants a zone would cost more than the rest.
    times = list(map(dt.datetime.fromisoformat, row[0].split(",")))
    flags = row[1]
    if not all(map(operator.le, times, times[1:])):  # group_concat's order is the subquery's in practice only
        pairs = sorted(zip(times, flags, strict=True))
        times, flags = [p[0] for p in pairs], "".join(p[1] for p in pairs)
    naive = (start.astimezone(dt.UTC).replace(tzinfo=None), end.astimezone(dt.UTC).replace(tzinfo=None))
    data, failing = _spans_of_rows(times, (m.span() for m in re.finditer("f+", flags)), *naive)

    def aware(spans: list[Span]) -> list[Span]:
        return [(a.replace(tzinfo=dt.UTC), b.replace(tzinfo=dt.UTC)) for a, b in spans]

    return aware(data), aware(failing)


def _probe_spans_windowed(session: Session, service: Service, start: dt.datetime,
                          end: dt.datetime) -> tuple[list[Span], list[Span]]:
    """Only the rows after which something changes (the next result's outcome differs, a gap follows,
    or it is the last), each with the next result's time and outcome: where the next state begins.
    Two window functions, not four (each costs a pass). The comparison in the database is a second
    looser than ``STALE`` so that rounding there can only keep a row too many, never drop one, and
    Python decides exactly.
    """
    down = case((ProbeResult.outcome == FAIL, 1), else_=0)
    within = (ProbeResult.service == service.value, ProbeResult.at >= start - STALE, ProbeResult.at < end)
    first = session.execute(select(ProbeResult.at, down).where(*within).order_by(ProbeResult.at).limit(1)).first()
    if first is None:
        return [], []
    inner = (select(ProbeResult.at.label("at"), down.label("down"),
                    type_coerce(func.lead(ProbeResult.at).over(order_by=ProbeResult.at), UTCDateTime()).label("next_at"),
                    func.lead(down).over(order_by=ProbeResult.at).label("next_down"))
             .where(*within).subquery())
    rows = session.execute(
        select(inner.c.at, inner.c.down, inner.c.next_at, inner.c.next_down)
        .where(or_(inner.c.next_at.is_(None), inner.c.down != inner.c.next_down,
                   _longer_than(session, inner.c.next_at, inner.c.at, STALE.total_seconds() - 1)))
        .order_by(inner.c.at)).all()
    data: list[Span] = []
    failing: list[Span] = []
    data_from: dt.datetime = first[0]
    fail_from: dt.datetime | None = first[0] if first[1] else None
    for at, is_down, next_at, next_down in rows:
        gap_after = next_at is None or next_at - at > STALE
        covered_to = at + STALE if gap_after else next_at
        if is_down and fail_from is not None and (gap_after or not next_down):
            failing.append((fail_from, covered_to))
            fail_from = None
        if gap_after:
            data.append((data_from, covered_to))
        if next_at is not None:
            if gap_after:
                data_from = next_at
            if next_down and (gap_after or not is_down):
                fail_from = next_at
    bounds = [(start, end)]
    return _intersect(_union(data), bounds), _intersect(_union(failing), bounds)


def incident_spans(session: Session, service: Service, start: dt.datetime, end: dt.datetime) -> list[Span]:
    """The time P1 incidents of the service were open, unless the cause lay with another party."""
    until = func.coalesce(Incident.resolved_at, Incident.closed_at)
    rows = session.execute(
        select(Incident.received_at, until)
        .where(Incident.service == service.value, Incident.priority == Priority.P1.value,
               Incident.external_cause == "", Incident.received_at < end,
               or_(until.is_(None), until > start))).all()
    return _intersect(_union((max(begin, start), min(finish or end, end)) for begin, finish in rows), [(start, end)])


def maintenance_spans(session: Session, service: Service, start: dt.datetime, end: dt.datetime) -> list[Span]:
    """Planned maintenance of this service (or of every service) that was not cancelled."""
    rows = session.execute(
        select(Maintenance.starts_at, Maintenance.ends_at)
        .where(Maintenance.service.in_((service.value, "")), Maintenance.cancelled_at.is_(None),
               and_(Maintenance.starts_at < end, Maintenance.ends_at > start))).all()
    return _union((max(begin, start), min(finish, end)) for begin, finish in rows)


def _ledger(session: Session, service: Service, start: dt.datetime, end: dt.datetime) -> _Ledger:
    hours = hours_spans(levels.availability_hours(session), start, end)
    maintenance = _intersect(hours, maintenance_spans(session, service, start, end))
    rest = _subtract(hours, maintenance)
    data, failing = probe_spans(session, service, start, end)
    incidents = _intersect(rest, incident_spans(session, service, start, end))
    downtime = _union([*incidents, *_intersect(rest, failing)])
    # An open P1 is known downtime even where the probes were silent; the rest of the silence is unknown.
    no_data = _subtract(_subtract(rest, data), incidents)
    return _Ledger(hours, maintenance, no_data, downtime)


def _period(start: dt.datetime, end: dt.datetime, now: dt.datetime | None) -> tuple[dt.datetime, dt.datetime]:
    """UTC, to now at the latest: the future is not measured."""
    begin, finish = start.astimezone(dt.UTC), min(end.astimezone(dt.UTC), (now or utcnow()).astimezone(dt.UTC))
    return begin, max(begin, finish)


def _figures(service: Service, ledger: _Ledger, start: dt.datetime, end: dt.datetime) -> Availability:
    bounds = [(start, end)]
    return Availability(service=service.value, start=start, end=end,
                        scheduled=_total(_intersect(ledger.hours, bounds)),
                        maintenance=_total(_intersect(ledger.maintenance, bounds)),
                        no_data=_total(_intersect(ledger.no_data, bounds)),
                        downtime=_total(_intersect(ledger.downtime, bounds)))


def availability(session: Session, service: Service | str, start: dt.datetime, end: dt.datetime,
                 now: dt.datetime | None = None) -> Availability:
    """The service's availability from ``start`` to ``end`` (aware instants; an end after ``now`` is now)."""
    chosen = levels.parse_service(service)
    begin, finish = _period(start, end, now)
    return _figures(chosen, _ledger(session, chosen, begin, finish), begin, finish)


def london_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=LONDON).astimezone(dt.UTC)


def availability_by_day(session: Session, service: Service | str, first: dt.date, last: dt.date,
                        now: dt.datetime | None = None) -> list[DayAvailability]:
    """One entry per London day from ``first`` to ``last``, from one pass over the whole stretch."""
    chosen = levels.parse_service(service)
    begin, finish = _period(london_midnight(first), london_midnight(last + _DAY), now)
    ledger = _ledger(session, chosen, begin, finish)
    days: list[DayAvailability] = []
    day = first
    while day <= last:
        day_start = max(london_midnight(day), begin)
        day_end = max(min(london_midnight(day + _DAY), finish), day_start)
        days.append(DayAvailability(day, _figures(chosen, ledger, day_start, day_end)))
        day += _DAY
    return days


def month_start(when: dt.datetime) -> dt.datetime:
    """The first instant of the London month holding ``when``, for the month-so-far figure."""
    local = when.astimezone(LONDON)
    return london_midnight(local.date().replace(day=1))
