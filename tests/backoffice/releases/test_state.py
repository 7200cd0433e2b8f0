"""Time left and removal time in Europe/London, across a clock change."""

from __future__ import annotations

import datetime as dt

from backoffice.releases.models import Share
from backoffice.releases.state import days_left, expiry_for, london_when, time_left_in_words
from shared.files.words import size_in_words

UTC = dt.UTC


def _share(expires_at: dt.datetime) -> Share:
    return Share(expires_at=expires_at)


def test_the_seeds_wording() -> None:
    sent = dt.datetime(2023, 5, 26, 17, 0, tzinfo=UTC)  # 6pm BST
    expires = expiry_for(sent, 30)
    assert london_when(expires) == "25 June 2023 at 6:00pm"
    share = _share(expires)
    assert time_left_in_words(share, sent + dt.timedelta(days=1)) == "You have 29 days left to download your documents"
    assert time_left_in_words(share, expires - dt.timedelta(days=1)) == "You have 1 day left to download your documents"
    assert time_left_in_words(share, expires - dt.timedelta(hours=1)) == (
        "You have until today to download your documents")


def test_across_the_autumn_clock_change_the_wall_clock_time_holds() -> None:
    sent = dt.datetime(2026, 10, 20, 17, 0, tzinfo=UTC)  # 6pm BST
    expires = expiry_for(sent, 10)  # 30 October, GMT
    assert london_when(expires) == "30 October 2026 at 6:00pm" and expires.hour == 18
    assert days_left(_share(expires), dt.datetime(2026, 10, 29, 23, 30, tzinfo=UTC)) == 1


def test_sizes_as_the_seed_shows_them() -> None:
    assert size_in_words(63 * 1024) == "63 KB"
    assert size_in_words(120 * 1024 * 1024) == "120 MB"
    assert size_in_words(int(1.25 * 1024**3)) == "1.2 GB"
    assert size_in_words(500) == "500 bytes"
