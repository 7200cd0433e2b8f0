"""`civic deadline` as staff type it."""

from __future__ import annotations

import argparse

import pytest

from backoffice.clocks import cli


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="civic deadline")
    cli.add_arguments(parser)
    return cli.run(parser.parse_args(argv))


def test_prints_due_date_and_explanation(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["foi", "2026-12-21"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Due: Fri 22 Jan 2027"
    assert "  20 working days from Mon 21 Dec 2026; 25, 28 Dec, 1 and 4 Jan are bank holidays." in out


def test_events_nation_and_extension_days(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run(["foi", "2027-02-01", "--event", "extended:2027-02-20:public interest test", "--extension-days", "10"]) == 0
    )
    assert capsys.readouterr().out.startswith("Due: Mon 15 Mar 2027")
    assert run(["sar", "2026-02-17", "--nation", "northern-ireland"]) == 0
    assert capsys.readouterr().out.startswith("Due: Wed 18 Mar 2026")


def test_complaint_shows_acknowledgement(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["complaint_stage1", "2026-03-02"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == ["Acknowledge by: Mon 9 Mar 2026", "Due: Mon 23 Mar 2026"]


def test_stopped_clock(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["foi", "2027-02-01", "--event", "fee_requested:2027-02-03"]) == 0
    assert capsys.readouterr().out.startswith("Due: none while the clock is stopped (since Wed 3 Feb 2027)")


def test_holiday_adjustments(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["foi", "2026-12-21", "--add-holiday", "scotland:2027-01-20:Storm day"]) == 0
    assert capsys.readouterr().out.startswith("Due: Mon 25 Jan 2027")
    assert run(["foi", "2026-03-02", "--remove-holiday", "northern-ireland:2026-03-17"]) == 0
    assert capsys.readouterr().out.startswith("Due: Mon 30 Mar 2026")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["foi", "21/12/2026"], "RECEIVED '21/12/2026' is not a date"),
        (["fio", "2026-12-21"], "no deadline rule 'fio'"),
        (["sar", "2026-12-21", "--nation", "wales"], "unknown nation 'wales'"),
        (["foi", "2026-12-21", "--event", "paid:2026-12-22"], "unknown event kind 'paid'"),
        (["foi", "2026-12-21", "--event", "fee_paid"], "must look like KIND:YYYY-MM-DD"),
        (["foi", "2026-12-21", "--event", "fee_paid:2026-12-22"], "without a fee requested"),
        (["foisa", "2026-12-21", "--event", "extended:2026-12-22:x"], "has no extension"),
        (["foi", "2026-12-21", "--remove-holiday", "uk:2026-12-25"], "never a working day"),
    ],
)
def test_bad_input_is_a_clear_error(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert run(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("civic deadline: error: ")
    assert message in captured.err


def test_standalone_main(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["eir", "2027-02-01"]) == 0
    assert capsys.readouterr().out.startswith("Due: Mon 1 Mar 2027")
