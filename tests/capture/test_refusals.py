"""Every refusal gets a clear GOV.UK page or message, stores nothing, and is never a 500."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pytest
from sqlalchemy import func, select, update

from backoffice.cases.models import Case
from capture import limits
from capture.models import Draft
from shared.db import transaction
from shared.files import StoredFile
from shared.links import EmailLink
from shared.ratelimit import RateLimitCounter
from shared.runtime import Runtime
from shared.worker import build_worker
from tests.capture.conftest import FOI_ANSWERS, Requester
from tests.capture.test_journeys import SAR_ANSWERS, confirm_by_email
from tests.conftest import SPECS


def count(person: Requester, model: type) -> int:
    with person.runtime.factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_missing_answers_get_the_error_summary_and_inline_errors(person: Requester) -> None:
    page = person.answer("foi", "name", {"name": "   "}, status=422)
    person.check(page, status=422, title="Error: What is your full name?")
    assert 'class="govuk-error-summary"' in page.text and 'href="#name"' in page.text
    assert page.text.count("Enter your full name") == 2  # in the summary and inline
    page = person.answer("foi", "format", {}, status=422)
    assert "Select how you would like to receive the information" in page.text
    page = person.answer("sar", "date_of_birth", {"date_of_birth-day": "31", "date_of_birth-month": "2",
                                                  "date_of_birth-year": "1990"}, status=422)
    assert "Your date of birth must be a real date" in page.text and 'href="#date_of_birth-day"' in page.text
    page = person.answer("sar", "date_of_birth", {"date_of_birth-day": "3", "date_of_birth-year": "1990"}, status=422)
    assert "Your date of birth must include a month" in page.text
    page = person.answer("sar", "date_of_birth", {"date_of_birth-day": "3", "date_of_birth-month": "3",
                                                  "date_of_birth-year": str(dt.date.today().year + 1)}, status=422)
    assert "Your date of birth must be in the past" in page.text
    assert count(person, Draft) == 0


@pytest.mark.parametrize(("page", "data", "message"), [
    ("name", {"name": "x" * 201}, "Your full name must be 200 characters or less"),
    ("email", {"email": "not-an-address"}, "Enter an email address in the correct format, like name@example.com"),
    ("email", {"email": "a@" + "b" * 250 + ".com"}, "Your email address must be 254 characters or less"),
    ("information", {"information": "y" * 5001}, "The information you want must be 5,000 characters or less"),
    ("address", {"address": "z" * 1001}, "Your postal address must be 1,000 characters or less"),
    ("format", {"format": "carrier pigeon"}, "Select how you would like to receive the information"),
])
def test_every_field_has_a_cap_and_a_specific_error(person: Requester, page: str, data: dict[str, str],
                                                    message: str) -> None:
    response = person.answer("foi", page, data, status=422)
    assert message in response.text
    if page != "format":
        assert data[next(iter(data))][:50] in response.text  # the input is kept


def test_phone_and_reference_formats(person: Requester) -> None:
    response = person.answer("sar", "phone", {"phone": "call me maybe"}, status=422)
    assert "Enter a telephone number, like 01632 960 001" in response.text
    response = person.answer("complaint", "earlier_reference", {"earlier_reference": "<b>"}, status=422)
    assert "Reference must only include letters, numbers, spaces, hyphens and slashes" in response.text


def test_hostile_text_is_stored_as_text_and_shown_escaped(person: Requester) -> None:
    hostile = "<script>alert(1)</script>\x00 Robert'); DROP TABLE cases;-- {{7*7}}"
    person.fill("foi", [*FOI_ANSWERS[:2], ("information", {"information": hostile}), *FOI_ANSWERS[3:]])
    check = person.get("/request/foi/check")
    assert "<script>alert(1)</script>" not in check.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in check.text
    assert "{{7*7}}" in check.text
    person.send("foi")
    reference = confirm_by_email(person)
    with person.runtime.factory() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert case is not None and case.description.startswith("<script>alert(1)</script> Robert'); DROP TABLE")


def test_missing_csrf_token_gets_a_page_and_stores_nothing(person: Requester) -> None:
    response = person.post("/request/foi/name", {"name": "Sam"}, csrf=False, status=400)
    assert "Sorry, we could not accept your form" in response.text
    response = person.post("/confirm", {"token": "x"}, csrf=False, status=400)
    assert count(person, Draft) == 0


def test_forged_replayed_and_replaced_links(person: Requester) -> None:
    forged = person.get("/confirm?token=forged-token-value", status=404, title="This link is not valid")
    assert "Nothing has been sent" in forged.text
    person.post("/confirm", {"token": "forged-token-value"}, status=404)
    person.fill("foi", FOI_ANSWERS)
    person.send("foi")
    [first] = person.mail(1)
    first_link = person.link_in(first, "/confirm?token=")
    resend = person.post("/request/foi/resend", {}, status=200)
    assert "We have sent the email again" in resend.text
    second_link = person.link_in(person.mail(2)[-1], "/confirm?token=")
    replaced = person.get(first_link, status=410, title="This link has been replaced by a newer one")
    assert "Send me a new link" in replaced.text
    # Opening the link (as a mail scanner does) uses nothing up.
    person.get(second_link)
    person.get(second_link)
    token = second_link.split("token=", 1)[1]
    person.post("/confirm", {"token": token}, status=200)
    # A second browser replaying the used link is told, and no second case is made.
    other = person.client.__class__(person.client.app, raise_server_exceptions=False)
    replay = Requester(other, person.runtime, person.smtp, person.check)
    page = replay.post("/confirm", {"token": token}, status=410)
    assert "This request has already been sent" in page.text
    # The same browser's repeat (a double click) just shows the confirmation again.
    assert "Request sent" in person.post("/confirm", {"token": token}, status=200).text
    assert count(person, Case) == 1


def test_expired_link_lets_the_requester_carry_on_without_retyping(person: Requester) -> None:
    person.fill("foi", FOI_ANSWERS)
    person.send("foi")
    link = person.link_in(person.mail(1)[0], "/confirm?token=")
    with transaction(person.runtime.factory) as session:
        session.execute(update(EmailLink).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
    page = person.get(link, status=410, title="This link has expired")
    assert 'href="/request/foi/check"' in page.text
    person.post("/confirm", {"token": link.split("token=", 1)[1]}, status=410)
    assert count(person, Case) == 0
    again = person.post("/confirm/new-link", {"token": link.split("token=", 1)[1]}, status=200)
    assert "We have sent a new link to" in again.text
    reference = confirm_by_email(person, 2)
    assert reference.startswith("FOI-") and count(person, Case) == 1


def test_links_in_emails_come_from_base_url_not_the_host_header(person: Requester) -> None:
    person.fill("foi", FOI_ANSWERS)
    page = person.client.get("/request/foi/check", headers={"host": "evil.example"})
    key = page.text.split('name="idempotency_key" value="', 1)[1].split('"', 1)[0]
    person.client.post("/request/foi/check", data={"csrf_token": person.csrf(), "idempotency_key": key},
                       headers={"host": "evil.example"})
    body = person.mail(1)[0].get_body(preferencelist=("plain",)).get_content()
    assert "http://testserver/capture/confirm?token=" in body and "evil.example" not in body


def test_a_double_click_sends_one_email(person: Requester) -> None:
    person.fill("foi", FOI_ANSWERS)
    page = person.get("/request/foi/check")
    key = page.text.split('name="idempotency_key" value="', 1)[1].split('"', 1)[0]
    person.post("/request/foi/check", {"idempotency_key": key}, status=200)
    person.post("/request/foi/check", {"idempotency_key": key}, status=200)
    person.deliver()
    assert len(person.smtp.wait_for(2, timeout=1)) == 1


def test_honeypot_pretends_success_and_stores_nothing(person: Requester) -> None:
    response = person.answer("foi", "name", {"name": "Bot", "website": "http://spam.example"}, status=200)
    assert "Check your email" in response.text
    person.fill("foi", FOI_ANSWERS)
    page = person.get("/request/foi/check")
    key = page.text.split('name="idempotency_key" value="', 1)[1].split('"', 1)[0]
    response = person.post("/request/foi/check", {"idempotency_key": key, "website": "x"}, status=200)
    assert "Check your email" in response.text
    person.deliver()
    assert person.smtp.received == [] and count(person, EmailLink) == 0 and count(person, Case) == 0
    with person.runtime.factory() as session:
        assert all("Bot" not in str(d.answers) for d in session.scalars(select(Draft)))


def test_rate_limits_per_address_and_per_ip_show_the_429_page(person: Requester) -> None:
    with transaction(person.runtime.factory) as session:
        limits.set_limit(session, "send-email", 2, 60)
        limits.set_limit(session, "answers-ip", 12, 60)
    limits.forget_cache()
    person.fill("foi", FOI_ANSWERS)
    person.send("foi")
    person.post("/request/foi/resend", {}, status=200)
    refused = person.post("/request/foi/resend", {}, status=429)
    person.check(refused, status=429, title="Sorry, you have made too many requests")
    assert refused.headers["retry-after"] and "Your answers have been kept" in refused.text
    for _ in range(7):  # 5 pages + 7 = the limit of 12 saves
        person.answer("foi", "name", {"name": "Sam Jones"})
    assert person.answer("foi", "name", {"name": "Sam Jones"}).status_code == 429
    assert count(person, EmailLink) == 2


def test_simultaneous_requests_cannot_go_past_a_limit_together(person: Requester) -> None:
    """Each is decided again when its hit is counted, at its end: on PostgreSQL the first look takes no lock."""
    import threading

    with transaction(person.runtime.factory) as session:
        limits.set_limit(session, "send-email", 3, 60)
    limits.forget_cache()
    person.fill("foi", FOI_ANSWERS)
    person.send("foi")
    csrf = person.csrf()
    start = threading.Barrier(6)
    statuses: list[int] = []

    def resend() -> None:
        start.wait()
        statuses.append(person.client.post("/request/foi/resend", data={"csrf_token": csrf}).status_code)

    threads = [threading.Thread(target=resend) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 200, 429, 429, 429, 429]
    assert count(person, EmailLink) == 3
    with person.runtime.factory() as session:
        counted = session.scalars(select(RateLimitCounter.count).where(RateLimitCounter.key.like("capture-send-email:%")))
        assert list(counted) == [7]


def test_refused_and_failed_requests_still_count_towards_the_limit(person: Requester) -> None:
    """Sending nonsense (a 422 each time) must not be a way round the limit."""
    with transaction(person.runtime.factory) as session:
        limits.set_limit(session, "progress-ip", 3, 15)
    limits.forget_cache()
    for _ in range(3):
        person.post("/progress", {"reference": "", "email": "not an address"}, status=422)
    person.post("/progress", {"reference": "FOI-2026-00001", "email": "sam@example.com"}, status=429)
    person.post("/progress", {"reference": "", "email": ""}, status=429)
    with person.runtime.factory() as session:
        counted = session.scalars(select(RateLimitCounter.count).where(RateLimitCounter.key.like("capture-progress-ip:%")))
        assert list(counted) == [5]


def test_oversized_and_wrong_type_uploads_get_clear_errors_and_store_nothing(person: Requester, seeded: Runtime) -> None:
    small = dataclasses.replace(seeded.settings, max_upload_bytes=1024)
    person.app.state.runtime = Runtime(small, seeded.engine, seeded.factory)
    person.fill("sar", SAR_ANSWERS)
    page = person.get("/request/sar/identity")
    assert "smaller than 1KB" in page.text
    response = person.answer("sar", "identity", {}, files={"identity": ("big.txt", io.BytesIO(b"a" * 5000), "text/plain")},
                             status=422)
    assert "The selected file must be smaller than 1KB" in response.text
    response = person.answer("sar", "identity", {}, files={"identity": ("x.exe", io.BytesIO(b"MZ\x90\x00" * 10), "x")},
                             status=422)
    assert "The selected file must be a PDF, JPG, PNG, DOCX, ODT or TXT" in response.text
    response = person.answer("sar", "identity", {}, status=422)
    assert "Select evidence of your identity" in response.text
    huge = person.answer("sar", "identity", {}, files={"identity": ("huge.txt", io.BytesIO(b"a" * 200_000), "text/plain")},
                         status=413)
    assert "The file or form you sent is too large" in huge.text
    assert count(person, StoredFile) == 0


def test_an_infected_upload_must_be_replaced_before_sending(person: Requester, clamd_socket: str) -> None:
    person.fill("sar", SAR_ANSWERS)
    eicar = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    person.answer("sar", "identity", {}, files={"identity": ("id.txt", io.BytesIO(eicar), "text/plain")}, status=200)
    person.answer("sar", "acting_for", {"acting_for": "no"}, status=200)
    scanner = Runtime(dataclasses.replace(person.runtime.settings, clamd_socket=clamd_socket),
                      person.runtime.engine, person.runtime.factory)
    build_worker(scanner, SPECS).run_until_idle()
    check = person.get("/request/sar/check", status=422)
    assert "contains a virus. Upload a different file" in check.text
    person.post("/request/sar/check", {"idempotency_key": "k1"}, status=422)
    assert count(person, EmailLink) == 0
    person.post("/request/sar/identity?change=1", {},
                files={"identity": ("id.txt", io.BytesIO(b"clean"), "text/plain")}, status=200)
    person.get("/request/sar/check", status=200)


def test_garbage_never_gets_a_500(person: Requester) -> None:
    for path in ("/request/foi/name", "/request/foi/check", "/confirm", "/confirm/new-link", "/progress",
                 "/progress/view", "/feedback", "/request/sar/date_of_birth"):
        for data in ({"name": "\u202e\ufffd" * 3}, {"token": "a" * 5000}, {"date_of_birth-day": "١٢"},
                     {"reference": "\x00" * 50, "email": "@" * 400}, {"rating": ["a", "b"]}):
            response = person.post(path, data)
            assert response.status_code < 500, (path, data, response.status_code)


def _emails_to(person: Requester, expected: int) -> list[tuple[str, str]]:
    """Every email sent so far, waiting a moment for one more than ``expected`` (which must not come)."""
    person.deliver()
    return [(r.rcpt_tos[0], str(r.message["Subject"])) for r in person.smtp.wait_for(expected + 1, timeout=0.5)]


def test_a_link_confirms_only_the_address_it_was_sent_to(person: Requester) -> None:
    """Defect 1: a's link, then the email answer changed to b, must not send a request for b."""
    person.fill("foi", [*FOI_ANSWERS[:1], ("email", {"email": "a@example.com"}), *FOI_ANSWERS[2:]])
    person.send("foi")
    [sent] = person.mail(1)
    assert sent["To"] == "a@example.com"
    a_link = person.link_in(sent, "/confirm?token=")
    token = a_link.split("token=", 1)[1]
    # "Change" on the check page, to another address; nothing is asked for it yet.
    changed = person.post("/request/foi/email?change=1", {"email": "b@example.org"}, follow=False)
    assert changed.headers["location"] == "/request/foi/check"
    page = person.get(a_link, status=410, title="This link no longer works")
    assert "Send me a new link" not in page.text and 'href="/request/foi/check"' in page.text
    person.post("/confirm", {"token": token}, status=410)
    assert person.post("/confirm/new-link", {"token": token}, status=410).status_code == 410
    assert count(person, Case) == 0
    assert [to for to, _ in _emails_to(person, 1)] == ["a@example.com"]  # nothing went to b
    # A link sent to b confirms b; the case and its acknowledgement are b's.
    person.send("foi")
    messages = person.mail(2)
    assert messages[-1]["To"] == "b@example.org"
    reference = confirm_by_email(person, 2)
    with person.runtime.factory() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert case is not None and case.requester_email == "b@example.org"
    acknowledgements = [to for to, subject in _emails_to(person, 3) if reference in subject]
    assert acknowledgements == ["b@example.org"]


def test_confirm_refuses_a_link_whose_address_is_no_longer_the_drafts(person: Requester) -> None:
    """Even a link nobody marked as replaced proves only its own address: the case takes the link's email."""
    person.fill("foi", FOI_ANSWERS)
    person.send("foi")
    token = person.link_in(person.mail(1)[0], "/confirm?token=").split("token=", 1)[1]
    with transaction(person.runtime.factory) as session:
        draft = session.scalars(select(Draft)).one()
        draft.answers = {**draft.answers, "email": "someone-else@example.org"}
    person.get(f"/confirm?token={token}", status=410, title="This link no longer works")
    person.post("/confirm", {"token": token}, status=410)
    assert count(person, Case) == 0
    with person.runtime.factory() as session:
        assert session.scalars(select(EmailLink)).one().used_at is None


def test_the_same_address_typed_again_keeps_the_link(person: Requester) -> None:
    person.fill("foi", FOI_ANSWERS)
    person.send("foi")
    link = person.link_in(person.mail(1)[0], "/confirm?token=")
    person.post("/request/foi/email?change=1", {"email": "SAM@example.com"}, follow=False)
    assert person.get(link, title="Confirm and send your request")
    assert confirm_by_email(person).startswith("FOI-")


def test_an_upload_found_infected_after_the_link_was_sent_stops_the_request(person: Requester,
                                                                             clamd_socket: str) -> None:
    person.fill("sar", SAR_ANSWERS)
    eicar = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    person.answer("sar", "identity", {}, files={"identity": ("id.txt", io.BytesIO(eicar), "text/plain")}, status=200)
    person.answer("sar", "acting_for", {"acting_for": "no"}, status=200)
    person.send("sar")  # still being checked: the link goes out
    scanner = Runtime(dataclasses.replace(person.runtime.settings, clamd_socket=clamd_socket),
                      person.runtime.engine, person.runtime.factory)
    build_worker(scanner, SPECS).run_until_idle()
    token = person.link_in(person.mail(1)[0], "/confirm?token=").split("token=", 1)[1]
    page = person.post("/confirm", {"token": token}, status=422)
    assert "Your request could not be sent" in page.text and "contains a virus" in page.text
    assert count(person, Case) == 0
