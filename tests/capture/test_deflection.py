"""Published answers offered while a requester writes an FOI or EIR request: the page of its own, the
counted button that opens one in the log, the script's JSON, and what reaches the counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from backoffice.disclosures import indexing
from backoffice.disclosures.deflection import DeflectionCounts, deflection_counts, response_url
from backoffice.disclosures.models import DeflectionEvent
from capture import limits
from capture.models import Draft
from shared.db import transaction, utcnow
from shared.runtime import Runtime
from shared.search.indexes import forget_engines
from tests.backoffice.disclosures.published import published
from tests.capture.conftest import FOI_ANSWERS, Requester
from tests.capture.test_journeys import confirm_by_email
from tests.factories import Office

ROADS = "Copies of road resurfacing contracts let in 2025."


@pytest.fixture
def log(seeded: Runtime) -> Iterator[dict[str, tuple[int, str]]]:
    """Published responses, indexed: title -> (id, reference)."""
    titles = ("Road resurfacing contracts 2024", "Resurfacing programme for next year", "Library opening hours")
    with transaction(seeded.factory) as session:
        office = Office(seeded.factory, {}, {}, {}, session)
        made = {t: published(office, t, summary=f"The answer about {t.lower()}.") for t in titles}
        found = {t: (p.id, p.reference) for t, p in made.items()}
    with transaction(seeded.factory) as session:
        indexing.catch_up(session, indexing.log_engine(seeded.settings))
    yield found
    forget_engines()


def events(person: Requester) -> list[tuple[str, int | None, str]]:
    with person.runtime.factory() as session:
        return [(e.kind, e.publication_id, e.draft_digest) for e in session.scalars(
            select(DeflectionEvent).order_by(DeflectionEvent.id))]


def digest_of_draft(person: Requester) -> str:
    with person.runtime.factory() as session:
        return str(session.scalar(select(Draft.key_hash).order_by(Draft.id.desc()).limit(1)))


def test_matching_answers_are_offered_after_the_information_page(person: Requester,
                                                                 log: dict[str, tuple[int, str]]) -> None:
    person.fill("foi", FOI_ANSWERS[:2])
    response = person.answer("foi", "information", {"information": ROADS}, follow=False)
    assert response.status_code == 303 and response.headers["location"] == "/request/foi/published-answers"
    page = person.get("/request/foi/published-answers", title="Published answers that may help")
    assert "Road resurfacing contracts 2024" in page.text and "Resurfacing programme" in page.text
    assert "Library opening hours" not in page.text
    assert "None of these answer my question: continue" in page.text
    assert page.text.count('name="publication"') == 2
    assert 'href="/request/foi/format"' in page.text  # continue goes on with the form
    digest = digest_of_draft(person)
    assert sorted(events(person)) == sorted([("shown", log["Road resurfacing contracts 2024"][0], digest),
                                             ("shown", log["Resurfacing programme for next year"][0], digest)])
    # Continue: the answer is kept and the form goes on.
    person.get("/request/foi/format", title="How would you like to receive the information?")
    person.fill("foi", FOI_ANSWERS[3:])
    check = person.get("/request/foi/check", title="Check your answers")
    assert ROADS in check.text


def test_following_an_answer_counts_it_and_opens_it_in_the_log(person: Requester,
                                                               log: dict[str, tuple[int, str]]) -> None:
    person.fill("foi", FOI_ANSWERS[:3])
    publication_id, reference = log["Road resurfacing contracts 2024"]
    response = person.post("/request/foi/published-answers/follow", {"publication": str(publication_id)},
                           follow=False)
    assert response.status_code == 303
    assert response.headers["location"] == response_url(person.runtime.settings, reference)
    assert response.headers["location"].endswith("/" + reference)
    assert ("followed", publication_id, digest_of_draft(person)) in events(person)
    # Not published (or nonsense): back to the page, nothing counted.
    for bad in ("999999", "x", "1" * 40, ""):
        again = person.post("/request/foi/published-answers/follow", {"publication": bad}, follow=False)
        assert again.status_code == 303 and again.headers["location"] == "/request/foi/published-answers"
    assert [e for e in events(person) if e[0] == "followed"] == [("followed", publication_id, digest_of_draft(person))]
    no_token = person.client.post("/request/foi/published-answers/follow", data={"publication": str(publication_id)},
                                  follow_redirects=False)
    assert no_token.status_code in (400, 403)
    now = utcnow()
    assert deflection_counts(person.runtime.factory(), now - dt.timedelta(hours=1), now + dt.timedelta(minutes=1)) \
        == DeflectionCounts(shown=2, followed=1, not_sent_after_following=1)


def test_a_request_sent_after_following_is_not_counted_as_deflected(person: Requester,
                                                                    log: dict[str, tuple[int, str]]) -> None:
    person.fill("foi", FOI_ANSWERS)
    person.post("/request/foi/published-answers/follow", {"publication": str(log["Library opening hours"][0])},
                follow=False)
    person.send("foi")
    confirm_by_email(person)
    assert [e[0] for e in events(person)] == ["shown", "shown", "followed", "sent"]
    now = utcnow()
    with person.runtime.factory() as session:
        counts = deflection_counts(session, now - dt.timedelta(hours=1), now + dt.timedelta(minutes=1))
    assert counts == DeflectionCounts(shown=2, followed=1, not_sent_after_following=0)


def test_the_page_is_skipped_when_nothing_matches(person: Requester, log: dict[str, tuple[int, str]]) -> None:
    person.fill("foi", FOI_ANSWERS[:2])
    response = person.answer("foi", "information", {"information": "Wind turbine noise complaints"}, follow=False)
    assert response.status_code == 303 and response.headers["location"] == "/request/foi/format"
    straight_on = person.client.get("/request/foi/published-answers", follow_redirects=False)
    assert straight_on.status_code == 303 and straight_on.headers["location"] == "/request/foi/format"
    assert events(person) == []


def test_suggestions_already_shown_by_the_script_skip_the_page(person: Requester,
                                                               log: dict[str, tuple[int, str]]) -> None:
    person.fill("foi", FOI_ANSWERS[:2])
    page = person.get("/request/foi/information", title="What information do you want?")
    assert 'aria-live="polite"' in page.text and "/static/capture/suggestions.js" in page.text
    shown = log["Road resurfacing contracts 2024"][0]
    response = person.answer("foi", "information", {"information": ROADS, "suggestions_shown": f"{shown} 999999 x"},
                             follow=False)
    assert response.status_code == 303 and response.headers["location"] == "/request/foi/format"
    assert events(person) == [("shown", shown, digest_of_draft(person))]


def test_other_types_are_never_offered_answers(person: Requester, log: dict[str, tuple[int, str]]) -> None:
    page = person.client.get("/request/complaint/suggestions", params={"q": "road resurfacing"})
    assert page.status_code == 200 and page.json() == {"suggestions": []}
    straight_on = person.client.get("/request/complaint/published-answers", follow_redirects=False)
    assert straight_on.status_code == 303


def test_the_script_json_gives_at_most_five_and_survives_bad_input(person: Requester,
                                                                   log: dict[str, tuple[int, str]]) -> None:
    found = person.client.get("/request/foi/suggestions", params={"q": "resurfacing roads"})
    assert found.status_code == 200 and found.headers["content-type"].startswith("application/json")
    suggestions = found.json()["suggestions"]
    assert 1 <= len(suggestions) <= 5
    assert set(suggestions[0]) == {"id", "reference", "title", "url"}
    assert suggestions[0]["url"] == response_url(person.runtime.settings, suggestions[0]["reference"])
    for q in ("x" * 10_000, "road\x00\x1b\x7f\u202e", '"road AND (OR *', "ab", "", "<script>alert(1)</script>"):
        response = person.client.get("/request/foi/suggestions", params={"q": q})
        assert response.status_code == 200, q
        assert len(response.json()["suggestions"]) <= 5
    assert person.client.get("/request/nope/suggestions", params={"q": "road"}).status_code == 404
    assert person.client.post("/request/foi/suggestions", data={"q": "road"}).status_code in (400, 403, 405)


def test_the_script_json_is_rate_limited(person: Requester) -> None:
    with transaction(person.runtime.factory) as session:
        limits.set_limit(session, "suggest-ip", 2, 15)
    limits.forget_cache()
    statuses = [person.client.get("/request/foi/suggestions", params={"q": "roads"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
