"""The history as both sides read it, and as CSV a spreadsheet cannot be tricked by."""

from __future__ import annotations

import csv
import datetime as dt
import io

from backoffice.releases import history
from backoffice.releases.history import Happened, HistoryEntry, history_csv, history_of
from tests.backoffice.releases.conftest import Sharing


def test_staff_see_who_the_requester_sees_what(sharing: Sharing) -> None:
    sent = sharing.send()
    [staff_line] = history_of(sharing.db, sent.share, staff=True)
    [requester_line] = history_of(sharing.db, sent.share)
    assert staff_line.by == sharing.office.caseworker.name and requester_line.by == ""
    assert staff_line.what == requester_line.what == "Documents sent to sam@example.com"


def test_a_stopped_download_says_where_it_stopped(sharing: Sharing) -> None:
    sent = sharing.send()
    history.record(sharing.db, sent.share, Happened.DOWNLOAD_STOPPED, file_name="big.pdf",
                   bytes_sent=57 * 1024 * 1024, device="Safari on iPhone")
    sharing.db.flush()
    assert history_of(sharing.db, sent.share)[0].what == "Download of big.pdf stopped at 57 MB"


def test_csv_has_both_times_and_defuses_formulas() -> None:
    at = dt.datetime(2026, 7, 1, 11, 0, tzinfo=dt.UTC)
    entries = [HistoryEntry(at=at, when="1 July 2026 at 12:00pm", kind="signed_in", what="Signed in",
                            device="=HYPERLINK(\"http://evil\")", by="")]
    rows = list(csv.reader(io.StringIO(history_csv(entries))))
    assert rows[0] == ["Time (UTC)", "Time (UK)", "What happened", "Device"]
    assert rows[1][:3] == ["2026-07-01T11:00:00+00:00", "1 July 2026 at 12:00pm", "Signed in"]
    assert rows[1][3].startswith("'=")
