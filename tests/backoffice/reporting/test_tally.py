"""The one pass that counts a table's figures, at its edges."""

from __future__ import annotations

from sqlalchemy import true
from sqlalchemy.orm import Session

from backoffice.cases.models import Case
from backoffice.reporting.tally import Measure, tally


def test_figures_all_known_already_need_no_query_and_keep_their_counts(db: Session, quarter: dict[str, Case]) -> None:
    """A table (or one family of its figures) whose counts are all known, as duration bands are, leaves
    the grouped pass with nothing to count: it is not run (an empty SELECT is an error), the counts stand."""
    bands = [Measure("band_20", "Up to 20 days", "", true(), known=3), Measure("band_more", "More", "", true(), known=0)]
    assert tally(db, true(), bands) == {None: {"band_20": 3, "band_more": 0}}
