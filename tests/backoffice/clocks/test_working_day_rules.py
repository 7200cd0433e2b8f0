"""FOI, FOISA, EIR and internal reviews against dates counted by hand on a wall calendar."""

from __future__ import annotations

import pytest

from backoffice.clocks import (
    CalendarSet,
    ClockEvent,
    DeadlineEngine,
    EventKind,
    EventOrderError,
    ExtensionError,
    HolidayAdjustment,
    InvalidSequenceError,
    Nation,
    UnsupportedEventError,
)

from .conftest import d, ev


@pytest.mark.parametrize(
    ("received", "due", "why"),
    [
        ("2026-12-21", "2027-01-22", "25, 28 Dec, 1 Jan and the Scottish 4 Jan are not counted"),
        ("2027-01-02", "2027-02-01", "Saturday receipt; day 1 is Tue 5 Jan after the Scottish substitute day"),
        ("2021-12-24", "2022-01-27", "27, 28 Dec, 3 Jan and Scottish 4 Jan 2022 substitutes"),
        ("2025-12-31", "2026-01-30", "1 Jan and Scotland's 2 Jan"),
        ("2026-03-02", "2026-03-31", "Northern Ireland's 17 March"),
        ("2027-07-02", "2027-08-03", "Northern Ireland's 12 July and Scotland's first Monday in August"),
        ("2022-09-12", "2022-10-11", "state funeral 19 Sep 2022"),
        ("2023-04-24", "2023-05-24", "May Day and the coronation 8 May 2023"),
        ("2024-02-29", "2024-04-02", "29 Feb receipt; NI 18 Mar, Good Friday, Easter Monday"),
        ("2024-03-29", "2024-04-29", "received on Good Friday; day 1 is Tue 2 Apr"),
        ("2024-11-25", "2024-12-24", "St Andrew's Day (observed) 2 Dec in Scotland"),
        ("2027-02-01", "2027-03-01", "a plain February"),
    ],
)
def test_foi_worked_examples(engine: DeadlineEngine, received: str, due: str, why: str) -> None:
    deadline = engine.compute("foi", d(received))
    assert deadline.due_on == d(due), why
    assert deadline.nation is Nation.UK
    assert deadline.start_on == d(received)


def test_foi_explanation_names_the_holidays(engine: DeadlineEngine) -> None:
    lines = engine.compute("foi", d("2026-12-21")).explanation
    assert "20 working days from Mon 21 Dec 2026; 25, 28 Dec, 1 and 4 Jan are bank holidays." in lines
    assert any("8 weekend days" in line and "New Year Holiday (observed) in Scotland" in line for line in lines)
    assert lines[-1] == "Due Fri 22 Jan 2027."


def test_foi_weekend_receipt_explained(engine: DeadlineEngine) -> None:
    lines = engine.compute("foi", d("2027-01-02")).explanation
    assert "Received Sat 2 Jan 2027, not a working day (Saturday); day 1 is Tue 5 Jan 2027." in lines


def test_foi_counts_on_the_union_not_england_and_wales(calendars: CalendarSet) -> None:
    # the same count on the England and Wales calendar alone is a day earlier in each case
    ew = calendars[Nation.ENGLAND_AND_WALES]
    assert ew.add_working_days(d("2026-03-02"), 20) == d("2026-03-30")
    assert ew.add_working_days(d("2025-12-31"), 20) == d("2026-01-29")
    assert ew.add_working_days(d("2027-01-02"), 20) == d("2027-01-29")


def test_fee_notice_to_payment_is_not_counted(engine: DeadlineEngine) -> None:
    # 5 working days (10, 11, 12, 15, 16 Feb) from notice to payment inclusive: FOIA s.10(2)
    deadline = engine.compute("foi", d("2027-02-01"), [ev("fee_requested", "2027-02-10"), ev("fee_paid", "2027-02-16")])
    assert deadline.due_on == d("2027-03-08")
    assert deadline.paused_days == 5
    assert any("5 working days waiting for the fee not counted (FOIA s.10(2))" in line for line in deadline.explanation)


def test_fee_waiting_has_no_due_date(engine: DeadlineEngine) -> None:
    deadline = engine.compute("foi", d("2027-02-01"), [ev("fee_requested", "2027-02-10")])
    assert deadline.due_on is None
    assert deadline.paused_since == d("2027-02-10")
    assert deadline.is_stopped


def test_fee_notice_on_day_of_receipt_does_not_discount_the_receipt_day(engine: DeadlineEngine) -> None:
    deadline = engine.compute("foi", d("2027-02-01"), [ev("fee_requested", "2027-02-01"), ev("fee_paid", "2027-02-02")])
    assert deadline.paused_days == 1  # only 2 Feb; 1 Feb was never counted
    assert deadline.due_on == d("2027-03-02")


def test_clarification_restarts_from_the_day_it_arrives(engine: DeadlineEngine) -> None:
    deadline = engine.compute(
        "foi",
        d("2027-02-01"),
        [ev("clarification_requested", "2027-02-03"), ev("clarification_received", "2027-02-06")],
    )
    assert deadline.start_on == d("2027-02-06")
    assert deadline.due_on == d("2027-03-05")


def test_clarification_restart_forgets_an_earlier_fee_wait(engine: DeadlineEngine) -> None:
    deadline = engine.compute(
        "foi",
        d("2027-02-01"),
        [
            ev("fee_requested", "2027-02-02"),
            ev("fee_paid", "2027-02-04"),
            ev("clarification_requested", "2027-02-05"),
            ev("clarification_received", "2027-02-06"),
        ],
    )
    assert (deadline.due_on, deadline.paused_days) == (d("2027-03-05"), 0)


def test_public_interest_extension_default_20(engine: DeadlineEngine) -> None:
    deadline = engine.compute("foi", d("2027-02-01"), [ev("extended", "2027-03-01", "s.36 public interest test")])
    # 20 more working days from 1 Mar 2027, skipping NI's 17 Mar, Good Friday 26 Mar and Easter Monday 29 Mar
    assert deadline.due_on == d("2027-04-01")
    assert deadline.extended
    assert any("reason: s.36 public interest test" in line for line in deadline.explanation)


def test_public_interest_extension_configurable(engine: DeadlineEngine) -> None:
    by_body = engine.compute("foi", d("2027-02-01"), [ev("extended", "2027-02-20", "PIT")], extension_days=10)
    by_event = engine.compute("foi", d("2027-02-01"), [ev("extended", "2027-02-20", "PIT", days=10)], extension_days=30)
    assert by_body.due_on == by_event.due_on == d("2027-03-15")
    long = engine.compute("foi", d("2027-02-01"), [ev("extended", "2027-02-20", "PIT", days=25)])
    assert any("more than the 20 the regulator expects" in line for line in long.explanation)


def test_extension_refusals(engine: DeadlineEngine) -> None:
    with pytest.raises(ExtensionError, match="only once"):
        engine.compute("foi", d("2027-02-01"), [ev("extended", "2027-02-02", "a"), ev("extended", "2027-02-03", "b")])
    with pytest.raises(ExtensionError, match="too late"):
        engine.compute("foi", d("2027-02-01"), [ev("extended", "2027-03-02", "late")])
    with pytest.raises(ExtensionError, match="needs a reason"):
        engine.compute("foi", d("2027-02-01"), [ev("extended", "2027-02-02")])
    with pytest.raises(ExtensionError, match="has no extension"):
        engine.compute("foisa", d("2027-02-01"), [ev("extended", "2027-02-02", "x")])
    with pytest.raises(ExtensionError, match="while the clock is stopped"):
        engine.compute("foi", d("2027-02-01"), [ev("fee_requested", "2027-02-02"), ev("extended", "2027-02-03", "x")])
    with pytest.raises(ExtensionError, match="fixed at 40"):
        engine.compute("eir", d("2027-02-01"), [ev("extended", "2027-02-02", "complex", days=10)])


def test_invalid_sequences(engine: DeadlineEngine) -> None:
    with pytest.raises(InvalidSequenceError, match="without a fee requested"):
        engine.compute("foi", d("2027-02-01"), [ev("fee_paid", "2027-02-02")])
    with pytest.raises(InvalidSequenceError, match="already stopped"):
        engine.compute(
            "foi", d("2027-02-01"), [ev("fee_requested", "2027-02-02"), ev("clarification_requested", "2027-02-03")]
        )
    with pytest.raises(InvalidSequenceError, match="without a clarification requested"):
        engine.compute(
            "foi", d("2027-02-01"), [ev("fee_requested", "2027-02-02"), ev("clarification_received", "2027-02-03")]
        )
    with pytest.raises(InvalidSequenceError, match="after the response was due"):
        engine.compute("foi", d("2027-02-01"), [ev("fee_requested", "2027-03-02")])
    with pytest.raises(EventOrderError, match="before the request was received"):
        engine.compute("foi", d("2027-02-01"), [ev("fee_requested", "2027-01-31")])
    with pytest.raises(EventOrderError, match="date order"):
        engine.compute("foi", d("2027-02-01"), [ev("fee_requested", "2027-02-05"), ev("fee_paid", "2027-02-04")])
    with pytest.raises(UnsupportedEventError, match="does not apply to EIR"):
        engine.compute("eir", d("2027-02-01"), [ev("fee_requested", "2027-02-02")])


def test_administrator_adjustments_move_foi_deadlines() -> None:
    added = DeadlineEngine(
        CalendarSet([HolidayAdjustment(Nation.SCOTLAND, d("2027-01-20"), "Storm day")], first_year=2026, last_year=2027)
    )
    assert added.compute("foi", d("2026-12-21")).due_on == d("2027-01-25")
    assert added.compute("sar", d("2026-12-20"), nation="england-and-wales").due_on == d("2027-01-20")
    removed = DeadlineEngine(
        CalendarSet(
            [HolidayAdjustment(Nation.NORTHERN_IRELAND, d("2026-03-17"), "moved", "remove")],
            first_year=2026,
            last_year=2027,
        )
    )
    assert removed.compute("foi", d("2026-03-02")).due_on == d("2026-03-30")


def test_foisa_counts_scottish_holidays_only(engine: DeadlineEngine) -> None:
    # Easter Monday is a working day in Scotland
    assert engine.compute("foisa", d("2024-03-25")).due_on == d("2024-04-23")
    assert engine.compute("foi", d("2024-03-25")).due_on == d("2024-04-24")
    # but St Andrew's Day (observed) is not
    assert engine.compute("foisa", d("2024-11-25")).due_on == d("2024-12-24")
    deadline = engine.compute("foisa", d("2024-11-25"), nation="england-and-wales")  # the law fixes the calendar
    assert deadline.nation is Nation.SCOTLAND
    assert engine.compute("foisa_internal_review", d("2024-03-25")).due_on == d("2024-04-23")
    fee = engine.compute("foisa", d("2024-11-25"), [ev("fee_requested", "2024-11-26"), ev("fee_paid", "2024-11-26")])
    assert fee.due_on == d("2024-12-27")  # 1 working day disregarded; 25, 26 Dec are holidays


def test_eir_twenty_and_forty(engine: DeadlineEngine) -> None:
    assert engine.compute("eir", d("2027-02-01")).due_on == d("2027-03-01")
    extended = engine.compute("eir", d("2027-02-01"), [ev("extended", "2027-02-10", "complex and voluminous")])
    assert extended.due_on == d("2027-04-01")
    clarified = engine.compute(
        "eir",
        d("2027-02-01"),
        [ev("clarification_requested", "2027-02-02"), ev("clarification_received", "2027-02-08")],
    )
    assert clarified.due_on == d("2027-03-08")


def test_foi_internal_review(engine: DeadlineEngine) -> None:
    assert engine.compute("foi_internal_review", d("2027-02-01")).due_on == d("2027-03-01")
    exceptional = engine.compute("foi_internal_review", d("2027-02-01"), [ev("extended", "2027-02-15", "exceptional")])
    assert exceptional.due_on == d("2027-04-01")


def test_events_parse_from_text() -> None:
    event = ClockEvent.parse("extended:2027-02-15:needs PIT: s.36")
    assert (event.kind, event.on, event.reason) == (EventKind.EXTENDED, d("2027-02-15"), "needs PIT: s.36")
