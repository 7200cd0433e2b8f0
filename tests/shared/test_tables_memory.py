"""Exports stream: writing many generated rows takes no more memory than writing a quarter of them.

Measured with tracemalloc (Python's allocations; lxml's own buffers are C and
not counted) as the peak growth while writing to a sink that discards the
bytes, since a real export goes to a response or a file, not into memory.
Holding the rows instead would cost about 300 bytes a row; bench/reports.py measures a million.
"""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Callable, Iterator

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


def _flat(fmt: str, columns: tuple[Column, ...], rows: Callable[[int], Iterator[tuple[Cell, ...]]], count: int) -> None:
    """Writing ``count`` rows grows memory no more than writing a quarter of them (plus a little): a writer
    that kept its rows would grow four times as much. Small counts keep the suite fast under tracemalloc."""
    small, _ = peak_growth(fmt, Table("T", columns, rows(count // 4)))
    large, written = peak_growth(fmt, Table("T", columns, rows(count)))
    assert written > 5 * count and large < small + 512 * 1024 and large < BOUND, (small, large)


def test_csv_streams() -> None:
    _flat("csv", COLUMNS, generated, 40_000)


def test_xlsx_streams() -> None:
    # Two columns, because openpyxl under tracemalloc writes only a few thousand cells a second.
    _flat("xlsx", NARROW, narrow, 16_000)


def test_ods_streams() -> None:
    # odfpy builds an object per element, slower still than openpyxl under tracemalloc.
    _flat("ods", NARROW, narrow, 4_000)
