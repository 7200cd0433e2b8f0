"""Benchmark: statutory due dates per second.

Computes 1,000,000 FOI and SAR due dates (receipts spread over 2020-2030,
every SAR nation) on prebuilt calendars, against a target of 50,000/s, and
measures a naive day-by-day implementation in the same run on a smaller
sample for comparison. Explanations are produced lazily and are not part of
the timed loop (they are rendered on demand for one case in a list); a
separate, clearly labelled figure shows the cost when every explanation is read.

    PYTHONPATH=. python bench/deadlines.py
"""

from __future__ import annotations

import calendar as month_calendar
import random
import time
from datetime import date, timedelta

from backoffice.clocks import DeadlineEngine, Nation, default_calendars

TOTAL = 1_000_000
NAIVE_SAMPLE = 20_000
EXPLAINED_SAMPLE = 5_000
TARGET_PER_SECOND = 50_000
SAR_NATIONS = (Nation.ENGLAND_AND_WALES, Nation.SCOTLAND, Nation.NORTHERN_IRELAND)


def workload(n: int, seed: int = 20260205) -> list[tuple[str, date, Nation | None]]:
    rng = random.Random(seed)
    first = date(2020, 1, 1).toordinal()
    span = date(2030, 12, 31).toordinal() - first
    cases: list[tuple[str, date, Nation | None]] = []
    for i in range(n):
        received = date.fromordinal(first + rng.randrange(span))
        if i % 2:
            cases.append(("sar", received, SAR_NATIONS[i % 3]))
        else:
            cases.append(("foi", received, None))
    return cases


def naive_due(rule: str, received: date, nation: Nation | None, holiday_days: dict[Nation, set[date]]) -> date:
    """What a first implementation looks like: walk the calendar a day at a time."""
    if rule == "foi":
        off = holiday_days[Nation.UK]
        day, left = received, 20
        while left:
            day += timedelta(days=1)
            if day.weekday() < 5 and day not in off:
                left -= 1
        return day
    assert nation is not None
    off = holiday_days[nation]
    year, month = divmod(received.month, 12)
    year += received.year
    month += 1
    day = date(year, month, min(received.day, month_calendar.monthrange(year, month)[1]))
    while day.weekday() >= 5 or day in off:
        day += timedelta(days=1)
    return day


def main() -> None:
    built = time.perf_counter()
    calendars = default_calendars()
    for nation in Nation:
        calendars.calendar(nation)
    engine = DeadlineEngine(calendars)
    build_seconds = time.perf_counter() - built
    cases = workload(TOTAL)
    compute = engine.compute

    started = time.perf_counter()
    results = [compute(rule, received, nation=nation).due_on for rule, received, nation in cases]
    engine_seconds = time.perf_counter() - started
    engine_rate = TOTAL / engine_seconds

    holiday_days = {nation: set(calendars.calendar(nation).bank_holidays) for nation in Nation}
    sample = cases[:NAIVE_SAMPLE]
    started = time.perf_counter()
    naive = [naive_due(rule, received, nation, holiday_days) for rule, received, nation in sample]
    naive_seconds = time.perf_counter() - started
    naive_rate = NAIVE_SAMPLE / naive_seconds
    mismatches = sum(1 for a, b in zip(results[:NAIVE_SAMPLE], naive, strict=True) if a != b)

    foi = [case for case in sample if case[0] == "foi"]
    started = time.perf_counter()
    for rule, received, body in foi:
        compute(rule, received, nation=body)
    foi_engine_rate = len(foi) / (time.perf_counter() - started)
    started = time.perf_counter()
    for rule, received, body in foi:
        naive_due(rule, received, body, holiday_days)
    foi_naive_rate = len(foi) / (time.perf_counter() - started)

    uk = calendars.calendar(Nation.UK)
    days = [received for _, received, _ in cases]
    started = time.perf_counter()
    for received in days:
        uk.add_working_days(received, 20)
    arithmetic_rate = TOTAL / (time.perf_counter() - started)

    started = time.perf_counter()
    for rule, received, body in cases[:EXPLAINED_SAMPLE]:
        _ = compute(rule, received, nation=body).explanation
    explained_rate = EXPLAINED_SAMPLE / (time.perf_counter() - started)

    print(f"calendars built (4 nations, {calendars.years.start}-{calendars.years.stop - 1}): {build_seconds:.2f} s")
    print(f"engine: {TOTAL:,} FOI/SAR due dates in {engine_seconds:.2f} s = {engine_rate:,.0f}/s")
    print(f"target: >= {TARGET_PER_SECOND:,}/s -> {'MET' if engine_rate >= TARGET_PER_SECOND else 'MISSED'}")
    print(
        f"naive day-by-day loop (measured on {NAIVE_SAMPLE:,}, extrapolated): {naive_rate:,.0f}/s, "
        f"~{TOTAL / naive_rate:.1f} s for {TOTAL:,}"
    )
    print(f"ratio engine / naive: {engine_rate / naive_rate:.1f}x  (disagreements on the sample: {mismatches})")
    print(
        f"FOI only (20 working days, {len(foi):,} cases): engine {foi_engine_rate:,.0f}/s vs naive "
        f"{foi_naive_rate:,.0f}/s = {foi_engine_rate / foi_naive_rate:.1f}x"
    )
    print(f"calendar arithmetic alone (UK add_working_days(d, 20), {TOTAL:,} calls): {arithmetic_rate:,.0f}/s")
    print(
        f"with the explanation rendered for every deadline (measured on {EXPLAINED_SAMPLE:,}): {explained_rate:,.0f}/s"
    )


if __name__ == "__main__":
    main()
