"""Exports stream: writing many generated rows takes no more memory than writing a quarter of them.

Measured with tracemalloc (Python's allocations; lxml's own buffers are C and
not counted) as the peak growth while writing to a sink that discards the
bytes, since a real export goes to a response or a file, not into memory.
Holding the rows instead would cost about 300 bytes a row; bench/reports.py measures a million.

tracemalloc counts every thread's allocations, and a test worker carries
threads left by earlier tests (servers, probes, xdist's own), so each
measurement runs in a fresh interpreter that has only this one thread.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

from shared.tables import Cell, Column, Table, write
from tests.shared.test_tables import COLUMNS, generated

BOUND = 4 * 1024 * 1024


class Sink(io.RawIOBase):
    """A write-only stream that keeps nothing, and cannot seek, like a streamed HTTP response."""

    written = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.written += len(data)
        return len(data)


def peak_growth(fmt: str, table: Table) -> tuple[int, int]:
    sink = Sink()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        write(fmt, sink, [table])  # type: ignore[arg-type]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak - before, sink.written


def narrow(count: int) -> Iterator[tuple[Cell, ...]]:
    for i in range(count):
        yield (f"Case {i}", i)


NARROW = (Column("case", "Case", "A case."), Column("days", "Days", "Working days taken.", "integer"))


SHAPES: dict[str, tuple[tuple[Column, ...], Callable[[int], Iterator[tuple[Cell, ...]]]]] = {
    "wide": (COLUMNS, generated),
    "narrow": (NARROW, narrow),
}


def measure(fmt: str, shape: str, count: int) -> dict[str, int]:
    """Run in the fresh interpreter: the peak growth for a quarter of the rows, then for all of them."""
    columns, rows = SHAPES[shape]
    small, _ = peak_growth(fmt, Table("T", columns, rows(count // 4)))
    large, written = peak_growth(fmt, Table("T", columns, rows(count)))
    return {"small": small, "large": large, "written": written}


def _flat(fmt: str, shape: str, count: int) -> None:
    """Writing ``count`` rows grows memory no more than writing a quarter of them (plus a little): a writer
    that kept its rows would grow four times as much. Small counts keep the suite fast under tracemalloc."""
    code = f"import json, tests.shared.test_tables_memory as m; print(json.dumps(m.measure({fmt!r}, {shape!r}, {count})))"
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.splitlines()[-1])
    small, large = got["small"], got["large"]
    assert got["written"] > 5 * count and large < small + 512 * 1024 and large < BOUND, (small, large)


def test_csv_streams() -> None:
    _flat("csv", "wide", 40_000)


def test_xlsx_streams() -> None:
    # Two columns, because openpyxl under tracemalloc writes only a few thousand cells a second.
    _flat("xlsx", "narrow", 16_000)


def test_ods_streams() -> None:
    # odfpy builds an object per element, slower still than openpyxl under tracemalloc.
    _flat("ods", "narrow", 4_000)
