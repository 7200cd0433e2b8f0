"""`civic deadline TYPE RECEIVED ...`: print a due date and how it was reached.

For staff and support checking a date by hand, and for reproducing a case's
due date from its history. Runnable on its own as
`python -m backoffice.clocks.cli foi 2026-12-21`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date

from backoffice.clocks.calendars import CalendarSet, HolidayAdjustment, Nation, default_calendars, parse_nation
from backoffice.clocks.clock import DeadlineEngine
from backoffice.clocks.errors import ClockError
from backoffice.clocks.events import ClockEvent
from backoffice.clocks.explain import day
from backoffice.clocks.rules import RULES

__all__ = ["add_arguments", "add_command", "main", "run"]


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``civic deadline``: needs no database, so it runs without the suite's runtime."""
    deadline = sub.add_parser("deadline", help="print a statutory due date and its explanation")
    add_arguments(deadline)
    deadline.set_defaults(handler=lambda _runtime, args: run(args), needs_runtime=False)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("case_type", metavar="TYPE", help=f"deadline rule: {', '.join(RULES)}")
    parser.add_argument("received", metavar="RECEIVED", help="date of receipt, YYYY-MM-DD")
    parser.add_argument(
        "--nation",
        default=Nation.ENGLAND_AND_WALES.value,
        help="the body's nation, for SAR and complaints (default england-and-wales); "
        "FOI/EIR always use the UK calendar and FOISA the Scottish one",
    )
    parser.add_argument(
        "--event",
        action="append",
        default=[],
        metavar="KIND:YYYY-MM-DD[:reason]",
        help="an event in date order, e.g. fee_requested:2027-01-08 (repeatable)",
    )
    parser.add_argument(
        "--extension-days",
        type=int,
        default=None,
        metavar="N",
        help="working days a FOI public interest extension adds (default 20)",
    )
    parser.add_argument(
        "--add-holiday",
        action="append",
        default=[],
        metavar="NATION:YYYY-MM-DD:NAME",
        help="treat an extra day as a bank holiday (repeatable)",
    )
    parser.add_argument(
        "--remove-holiday",
        action="append",
        default=[],
        metavar="NATION:YYYY-MM-DD",
        help="treat a listed bank holiday as a working day (repeatable)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        received = _parse_date(args.received, "RECEIVED")
        events = [ClockEvent.parse(text) for text in args.event]
        adjustments = [_adjustment(text, "add") for text in args.add_holiday]
        adjustments += [_adjustment(text, "remove") for text in args.remove_holiday]
        calendars = CalendarSet(adjustments) if adjustments else default_calendars()
        deadline = DeadlineEngine(calendars).compute(
            args.case_type, received, events, nation=args.nation, extension_days=args.extension_days
        )
        explanation = deadline.explanation
    except ClockError as error:
        print(f"civic deadline: error: {error}", file=sys.stderr)
        return 2
    if deadline.acknowledge_by is not None:
        print(f"Acknowledge by: {day(deadline.acknowledge_by)}")
    if deadline.due_on is None:
        print(f"Due: none while the clock is stopped (since {day(deadline.paused_since or received)})")
    else:
        print(f"Due: {day(deadline.due_on)}")
    for line in explanation:
        print(f"  {line}")
    return 0


def _parse_date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ClockError(f"{what} {text!r} is not a date (YYYY-MM-DD)") from None


def _adjustment(text: str, kind: str) -> HolidayAdjustment:
    parts = text.split(":", 2)
    if len(parts) < 2 or (kind == "add" and len(parts) < 3):
        shape = "NATION:YYYY-MM-DD:NAME" if kind == "add" else "NATION:YYYY-MM-DD"
        raise ClockError(f"holiday {text!r} must look like {shape}")
    name = parts[2] if len(parts) == 3 else "removed by administrator"
    if kind == "add":
        return HolidayAdjustment(parse_nation(parts[0]), _parse_date(parts[1], "holiday"), name, "add")
    return HolidayAdjustment(parse_nation(parts[0]), _parse_date(parts[1], "holiday"), name, "remove")


def main(argv: Sequence[str] | None = None) -> int:
    """On its own (``python -m backoffice.clocks.cli``); `civic deadline` comes through ``shared.cli.main``."""
    from shared.cli import quiet_if_stdout_closes  # only when run on its own: the engine needs nothing of shared

    parser = argparse.ArgumentParser(prog="civic deadline", description="Print a statutory due date and why.")
    add_arguments(parser)
    return quiet_if_stdout_closes(lambda: run(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
