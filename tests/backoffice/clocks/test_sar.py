"""Subject access: one month by the corresponding-date rule, art. 12A start and stop-the-clock."""

from __future__ import annotations

import pytest

from backoffice.clocks import ClockError, DeadlineEngine, InvalidSequenceError, Nation, add_months

from .conftest import d, ev


@pytest.mark.parametrize(
    ("received", "nation", "due"),
    [
        # reference results from the domain brief (England and Wales)
        ("2019-09-27", "england-and-wales", "2019-10-28"),  # 27 Oct is a Sunday
        ("2019-04-06", "england-and-wales", "2019-05-07"),  # 6 May is a bank holiday
        ("2023-01-31", "england-and-wales", "2023-02-28"),  # no 31 Feb
        ("2024-01-31", "england-and-wales", "2024-02-29"),  # leap year
        ("2024-02-29", "england-and-wales", "2024-04-02"),  # Good Friday, weekend, Easter Monday
        ("2024-02-29", "scotland", "2024-04-01"),  # Easter Monday is a working day in Scotland
        ("2022-08-19", "england-and-wales", "2022-09-20"),  # state funeral
        ("2023-04-08", "scotland", "2023-05-09"),  # coronation 8 May (Monday)
        # NI's days are working days for an England and Wales controller, not for a Northern Ireland one
        ("2026-02-17", "england-and-wales", "2026-03-17"),
        ("2026-02-17", "northern-ireland", "2026-03-18"),
        ("2027-06-12", "england-and-wales", "2027-07-12"),
        ("2027-06-12", "northern-ireland", "2027-07-13"),
        ("2025-12-02", "scotland", "2026-01-05"),  # 2 Jan is a Scottish holiday, then the weekend
        ("2025-12-02", "england-and-wales", "2026-01-02"),
    ],
)
def test_sar_worked_examples(engine: DeadlineEngine, received: str, nation: str, due: str) -> None:
    deadline = engine.compute("sar", d(received), nation=nation)
    assert deadline.due_on == d(due)
    assert deadline.nation is Nation(nation)


def test_add_months_corresponding_date() -> None:
    assert add_months(d("2023-01-31"), 1) == d("2023-02-28")
    assert add_months(d("2023-01-31"), 3) == d("2023-04-30")
    assert add_months(d("2024-02-29"), 12) == d("2025-02-28")
    assert add_months(d("2026-11-30"), 3) == d("2027-02-28")
    assert add_months(d("2026-12-15"), 1) == d("2027-01-15")


def test_sar_explanation(engine: DeadlineEngine) -> None:
    lines = engine.compute("sar", d("2019-04-06"), nation="england-and-wales").explanation
    assert "The clock starts Sat 6 Apr 2019; 1 month later is Mon 6 May 2019." in lines
    assert (
        "Mon 6 May 2019 is not a working day in England and Wales (Mon 6 May: May Day), so the next working day."
        in lines
    )
    assert lines[-1] == "Due Tue 7 May 2019."
    feb = engine.compute("sar", d("2023-01-31"), nation="england-and-wales").explanation
    assert any("there is no 31 Feb, so the last day of the month" in line for line in feb)


def test_sar_extension_is_three_months_from_start(engine: DeadlineEngine) -> None:
    deadline = engine.compute(
        "sar", d("2023-01-31"), [ev("extended", "2023-02-20", "numerous requests")], nation="england-and-wales"
    )
    assert deadline.due_on == d("2023-05-02")  # 30 Apr is a Sunday, 1 May is May Day
    assert deadline.extended
    with pytest.raises(ClockError, match="too late"):
        engine.compute("sar", d("2023-01-31"), [ev("extended", "2023-03-01", "late")], nation="england-and-wales")


def test_identity_evidence_sets_the_start(engine: DeadlineEngine) -> None:
    deadline = engine.compute(
        "sar",
        d("2026-03-02"),
        [ev("identity_requested", "2026-03-03"), ev("identity_received", "2026-03-10")],
        nation="england-and-wales",
    )
    assert deadline.start_on == d("2026-03-10")
    assert deadline.due_on == d("2026-04-10")
    waiting = engine.compute(
        "sar", d("2026-03-02"), [ev("identity_requested", "2026-03-03")], nation="england-and-wales"
    )
    assert (waiting.due_on, waiting.paused_since) == (None, d("2026-03-03"))


def test_fee_paid_sets_the_start(engine: DeadlineEngine) -> None:
    deadline = engine.compute(
        "sar", d("2026-03-02"), [ev("fee_requested", "2026-03-02"), ev("fee_paid", "2026-03-31")], nation="scotland"
    )
    assert (deadline.start_on, deadline.due_on) == (d("2026-03-31"), d("2026-04-30"))


def test_stop_the_clock_carries_the_remaining_days(engine: DeadlineEngine) -> None:
    # received 2 Mar, month-end 2 Apr; stopped 10 Mar with 23 days left; resumed 20 Mar -> 12 Apr (Sun) -> Mon 13 Apr
    deadline = engine.compute(
        "sar",
        d("2026-03-02"),
        [ev("clarification_requested", "2026-03-10"), ev("clarification_received", "2026-03-20")],
        nation="england-and-wales",
    )
    assert deadline.due_on == d("2026-04-13")
    assert deadline.paused_days == 10
    assert deadline.start_on == d("2026-03-02")
    lines = deadline.explanation
    assert any("the clock stops with 23 calendar days of the period left" in line for line in lines)
    assert any("23 calendar days left runs to Sun 12 Apr 2026" in line for line in lines)


def test_stop_on_a_rolled_due_date_does_not_move_it_earlier(engine: DeadlineEngine) -> None:
    # month-end Sun 27 Oct 2019, due Mon 28 Oct; stopped on the 28th: nothing left, resume -> next working day
    deadline = engine.compute(
        "sar",
        d("2019-09-27"),
        [ev("paused", "2019-10-28", "awaiting scope"), ev("resumed", "2019-10-30")],
        nation="england-and-wales",
    )
    assert deadline.due_on == d("2019-10-30")


def test_stop_then_extension(engine: DeadlineEngine) -> None:
    deadline = engine.compute(
        "sar",
        d("2026-03-02"),
        [
            ev("clarification_requested", "2026-03-10"),
            ev("clarification_received", "2026-03-20"),
            ev("extended", "2026-04-01", "complex"),
        ],
        nation="england-and-wales",
    )
    assert deadline.due_on == d("2026-06-12")  # 2 Jun + 10 days stopped = Fri 12 Jun


def test_sar_refusals(engine: DeadlineEngine) -> None:
    with pytest.raises(InvalidSequenceError, match="resumed on 2026-03-05 without a paused"):
        engine.compute("sar", d("2026-03-02"), [ev("resumed", "2026-03-05")], nation="scotland")
    with pytest.raises(InvalidSequenceError, match="without a paused"):
        engine.compute(
            "sar",
            d("2026-03-02"),
            [ev("clarification_requested", "2026-03-03"), ev("resumed", "2026-03-05")],
            nation="scotland",
        )
    with pytest.raises(InvalidSequenceError, match="already stopped"):
        engine.compute(
            "sar", d("2026-03-02"), [ev("paused", "2026-03-03"), ev("paused", "2026-03-04")], nation="scotland"
        )
    with pytest.raises(ClockError, match="say which nation"):
        engine.compute("sar", d("2026-03-02"))
    with pytest.raises(ClockError, match="not the UK union"):
        engine.compute("sar", d("2026-03-02"), nation="uk")
