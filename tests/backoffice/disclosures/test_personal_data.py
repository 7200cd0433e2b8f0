"""What the personal-data check finds, and what it must not find (years, references, money, bad check digits)."""

from __future__ import annotations

import pytest

from backoffice.disclosures.personal_data import find_personal_data


def kinds(text: str, **requester: str) -> list[tuple[str, str]]:
    return [(f.kind, f.found) for f in find_personal_data(text, **requester)]


@pytest.mark.parametrize(("text", "kind", "found"), [
    ("write to jo.bloggs@council.gov.uk today", "email address", "jo.bloggs@council.gov.uk"),
    ("call 07700 900123 now", "phone number", "07700 900123"),
    ("call 020 7946 0958 now", "phone number", "020 7946 0958"),
    ("call +44 (0)161 496 0000 now", "phone number", "+44 (0)161 496 0000"),
    ("ring (01632) 960 123 today", "phone number", "(01632) 960 123"),
    ("Tel.07700 900123", "phone number", "07700 900123"),
    ("call 07700 900123 24 hours a day", "phone number", "07700 900123"),
    ("dial 0044 7700 900123 from abroad", "phone number", "0044 7700 900123"),
    ("ring 0800-123-4567.", "phone number", "0800-123-4567"),
    ("ring (+44) 7700 900123 or", "phone number", "(+44) 7700 900123"),
    ("ring +44 0161 496 0000 or", "phone number", "+44 0161 496 0000"),
    ("NI AB 12 34 56 C here", "national insurance number", "AB 12 34 56 C"),
    ("NI ab123456c here", "national insurance number", "ab123456c"),
    ("at SW1A 1AA in", "postcode", "SW1A 1AA"),
    ("at m11ae in", "postcode", "m11ae"),
    ("NHS 943 476 5919 here", "nhs number", "943 476 5919"),
    ("NHS 9434765919 here", "nhs number", "9434765919"),
])
def test_each_kind_is_found(text: str, kind: str, found: str) -> None:
    assert kinds(text) == [(kind, found)]


@pytest.mark.parametrize("text", [
    "In 2026 we spent £1,234.56 on 12/03/2026.",
    "Our reference FOI-2026-0001 and case 12345.",
    "NHS 943 476 5918 fails its check digit.",
    "BG 12 34 56 A and QQ123456C are not issued.",
    "Section 40(2) and regulation 12(4)(b) apply.",
    "On 01-02-2026 10:30 and 01 02 2026 at 10 the A4 3rd copy went up the M4 2nd time.",
    "A grant of £07700900123 is not a phone number, nor is 2026-01-15 or 1.07700900123.",
])
def test_numbers_that_are_not_personal_data(text: str) -> None:
    assert kinds(text) == []


def test_the_requester_in_their_own_words_and_the_context_around_a_hit() -> None:
    text = "Dear Sam  Jones, we replied to SAM@example.com and to other@example.com about the bins on Tuesday."
    found = find_personal_data(text, requester_name="sam jones", requester_email="sam@example.com")
    assert [(f.kind, f.found) for f in found] == [
        ("requester name", "Sam  Jones"), ("requester email", "SAM@example.com"), ("email address", "other@example.com")]
    assert found[1].before.endswith("we replied to ") and found[1].after.startswith(" and to")
    assert len(found[2].after) <= 41 and not found[2].after.endswith(" Tu")


def test_a_requester_name_with_either_apostrophe() -> None:
    assert kinds("Mr O’Brien and PAT o'brien", requester_name="Pat O'Brien") == [("requester name", "PAT o'brien")]
    assert kinds("Pat O’Brien wrote", requester_name="Pat O'Brien") == [("requester name", "Pat O’Brien")]


def test_a_long_run_of_numbers_is_read_quickly() -> None:
    import time

    started = time.monotonic()
    assert kinds("0" + "1234 " * 5000 + "x" + " - ".join(["0123"] * 5000)) == []
    assert time.monotonic() - started < 2


def test_the_context_of_a_hit_in_lines_of_a_pdf_is_cut_between_words() -> None:
    lines = "alpha\nbravo\ncharlie\ndelta\necho\nfoxtrot\ngolf\nhotel\n07700 900123\nindia\njuliet\nkilo\nlima\nmike"
    hit = find_personal_data(lines + "\nnovember\noscar\npapa")[0]
    assert hit.before == "charlie delta echo foxtrot golf hotel " and hit.after == " india juliet kilo lima mike november"
