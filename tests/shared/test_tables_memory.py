"""Exports stream: writing 200,000 generated rows takes no more memory than writing a few.

Measured with tracemalloc (Python's allocations; lxml's own buffers are C and
not counted) as the peak growth while writing to a sink that discards the
bytes, since a real export goes to a response or a file, not into memory.
Holding the rows instead would cost over 60 MB (about 300 bytes a row).
"""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Iterator

from shared.tables import Cell, Column, Table, write
from tests.shared.test_tables import COLUMNS, generated

ROWS = 200_000
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


def test_csv_of_200000_rows_streams() -> None:
    growth, written = peak_growth("csv", Table("T", COLUMNS, generated(ROWS)))
    assert written > 7_000_000 and growth < BOUND, growth


def test_xlsx_of_200000_rows_streams() -> None:
    # Two columns, because openpyxl under tracemalloc writes only a few thousand cells a second.
    growth, written = peak_growth("xlsx", Table("T", NARROW, narrow(ROWS)))
    assert written > 1_000_000 and growth < BOUND, growth


def test_ods_streams_too() -> None:
    # 20,000 rows: odfpy builds an object per element, slower still than openpyxl under tracemalloc.
    growth, written = peak_growth("ods", Table("T", NARROW, narrow(20_000)))
    assert written > 50_000 and growth < BOUND, growth
