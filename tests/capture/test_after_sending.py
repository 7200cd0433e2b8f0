"""After sending: the progress check (which never leaks), feedback, the timeout warning and draft expiry."""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import select, update

from backoffice.cases.models import Case, CaseStatus, CaseType
from backoffice.feedback.survey import Feedback, feedback_report
from backoffice.notifications import Notice, NotificationSetting
from backoffice.notifications.catalogue import PROGRESS_PAGE
from capture import drafts
from capture.models import Draft
from capture.web.common import MOUNT
from shared import jobs
from shared.apps import public_url
from shared.db import transaction, utcnow
from shared.files import StoredFile
from shared.links import EmailLink
from tests.capture.conftest import FOI_ANSWERS, Requester
from tests.capture.test_journeys import SAR_ANSWERS, confirm_by_email


def sent_request(person: Requester) -> str:
    person.fill("foi", FOI_ANSWERS)
    person.send("foi")
    reference = confirm_by_email(person)
    person.mail(2)  # the acknowledgement
    person.smtp.handler.reset()
    return reference


def ask_progress(person: Requester, reference: str, email: str) -> str:
    response = person.post("/progress", {"reference": reference, "email": email}, status=200)
    person.check(response, title="Check your email")
    return response.text


def test_progress_check_by_emailed_link(person: Requester) -> None:
    reference = sent_request(person)
    person.get("/progress", title="Check the progress of your request")
    ask_progress(person, reference.lower(), "SAM@example.com")
    [message] = person.mail(1)
    link = person.link_in(message, "/progress/view?token=")
    person.get(link, title="See the progress of your request")
    person.get(link)  # opening twice uses nothing up
    status = person.post("/progress/view", {"token": link.split("token=", 1)[1]}, status=200)
    assert reference in status.text and "Received" in status.text and "We must answer by" in status.text
    assert person.post("/progress/view", {"token": link.split("token=", 1)[1]}, status=410).status_code == 410
    with transaction(person.runtime.factory) as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert case is not None
        closed = session.scalar(select(CaseStatus).where(CaseStatus.case_type_id == case.case_type_id,
                                                         CaseStatus.kind == "closed"))
        assert closed is not None
        session.execute(update(Case).where(Case.id == case.id).values(status_id=closed.id, closed_at=utcnow()))
    answered = person.get("/progress/status", title=f"Your request {reference}")
    assert "Answered" in answered.text and "How to get our response" in answered.text


def test_progress_check_never_says_whether_a_reference_exists(person: Requester) -> None:
    reference = sent_request(person)
    right = ask_progress(person, reference, "sam@example.com")
    wrong_email = ask_progress(person, reference, "someone@example.com")
    unknown = ask_progress(person, "FOI-2020-99999", "sam@example.com")
    strip = lambda text, email: text.replace(email, "EMAIL")  # noqa: E731
    assert strip(wrong_email, "someone@example.com").split("<main")[1].split("</main>")[0] == \
        strip(right, "sam@example.com").split("<main")[1].split("</main>")[0]
    assert unknown.split("<main")[1].split("</main>")[0] == right.split("<main")[1].split("</main>")[0]
    person.deliver()
    received = person.smtp.wait_for(3, timeout=1)
    assert [r.rcpt_tos for r in received] == [["sam@example.com"]]
    bad = person.post("/progress", {"reference": "", "email": "x"}, status=422)
    assert "Enter your reference number" in bad.text and "Enter an email address in the correct format" in bad.text
    person.get("/progress/view?token=nonsense", status=404, title="This link is not valid")
    assert person.client.get("/progress/status", follow_redirects=False).headers["location"] == "/progress"


def test_feedback_is_stored_for_reporting(person: Requester) -> None:
    sent_request(person)
    page = person.get("/feedback", title="What did you think of this service?")
    assert "Very satisfied" in page.text and "Neither satisfied or dissatisfied" in page.text
    refused = person.post("/feedback", {"comment": "x" * 1201}, status=422)
    assert "Select how you feel about the service" in refused.text and "1,200 characters or less" in refused.text
    thanks = person.post("/feedback", {"rating": "satisfied", "comment": "<b>Quick</b>"}, status=200)
    assert "Thank you for your feedback" in thanks.text
    with person.runtime.factory() as session:
        [row] = session.scalars(select(Feedback))
        assert (row.rating, row.comment, row.case_type_key) == ("satisfied", "<b>Quick</b>", "foi")
        report = feedback_report(session, "capture", utcnow() - dt.timedelta(hours=1), utcnow() + dt.timedelta(hours=1))
        assert report.counts["satisfied"] == 1 and report.total == 1 and report.satisfaction == 1.0


def test_pages_carry_the_timeout_warning_with_a_no_js_fallback(person: Requester) -> None:
    page = person.get("/request/foi/name")
    assert "We keep your answers for 24 hours after you last save a page" in page.text
    assert "data-capture-timeout" in page.text and "/static/capture/timeout.js" in page.text
    assert person.client.get("/static/capture/timeout.js").status_code == 200
    person.fill("foi", FOI_ANSWERS[:1])
    with transaction(person.runtime.factory) as session:
        session.execute(update(Draft).values(updated_at=utcnow() - dt.timedelta(hours=23)))
    assert person.client.post("/keep-alive", headers={"x-csrf-token": person.csrf()}).status_code == 204
    with person.runtime.factory() as session:
        [draft] = session.scalars(select(Draft))
        assert utcnow() - draft.updated_at < dt.timedelta(minutes=1)
    assert person.client.post("/keep-alive").status_code == 400  # no CSRF token


def test_drafts_left_for_24_hours_are_deleted_with_their_files(person: Requester) -> None:
    person.fill("sar", SAR_ANSWERS)
    person.answer("sar", "identity", {}, files={"identity": ("id.txt", io.BytesIO(b"id"), "text/plain")}, status=200)
    person.fill("foi", FOI_ANSWERS)
    person.send("foi")
    with transaction(person.runtime.factory) as session:
        session.execute(update(Draft).where(Draft.case_type_key == "sar")
                        .values(updated_at=utcnow() - drafts.LIFETIME - dt.timedelta(minutes=1)))
        jobs.enqueue(session, drafts.PURGE_JOB)
    person.deliver()
    with person.runtime.factory() as session:
        assert [d.case_type_key for d in session.scalars(select(Draft))] == ["foi"]
        assert session.scalars(select(StoredFile)).all() == []
        assert len(session.scalars(select(EmailLink)).all()) == 1
    # The expired draft is gone: the form starts again.
    assert person.client.get("/request/sar/check", follow_redirects=False).headers["location"] == "/request/sar/name"


def _set_acknowledgement(person: Requester, *, enabled: bool = True, subject: str | None = None,
                         body: str | None = None) -> None:
    with transaction(person.runtime.factory) as session:
        foi = session.scalar(select(CaseType).where(CaseType.key == "foi"))
        assert foi is not None
        session.add(NotificationSetting(case_type_id=foi.id, notice=Notice.REQUESTER_ACKNOWLEDGEMENT.value,
                                        enabled=enabled, subject=subject, body=body))


def test_the_acknowledgement_is_the_catalogues_with_the_progress_link(person: Requester) -> None:
    """Defect 7: the default wording of the notification catalogue, to the confirmed address."""
    person.fill("foi", FOI_ANSWERS)
    person.send("foi")
    reference = confirm_by_email(person)
    ack = person.mail(2)[-1]
    assert ack["To"] == "sam@example.com" and ack["Subject"] == f"We have received your request: {reference}"
    body = ack.get_body(preferencelist=("plain",)).get_content()
    assert "Thank you. We have received your Freedom of Information request" in body
    assert "Quote your reference number if you contact us about this request" in body
    assert person.link_in(ack, "/progress") == "/progress?"  # the progress check, from BASE_URL
    assert "{" not in body


def test_the_acknowledgement_follows_the_case_types_wording_and_switch(person: Requester) -> None:
    _set_acknowledgement(person, subject="Got it: {reference}", body="Hello {requester_name}. Check {progress_url}\n")
    person.fill("foi", FOI_ANSWERS)
    person.send("foi")
    reference = confirm_by_email(person)
    ack = person.mail(2)[-1]
    assert ack["Subject"] == f"Got it: {reference}"
    assert ack.get_body(preferencelist=("plain",)).get_content().strip() == \
        "Hello Sam Jones. Check http://testserver/capture/progress"
    sent = person.get("/sent", title="Request sent")
    assert "We have sent you a confirmation email to sam@example.com" in sent.text


def test_no_acknowledgement_when_the_case_type_has_it_off(person: Requester) -> None:
    _set_acknowledgement(person, enabled=False)
    person.fill("foi", FOI_ANSWERS)
    person.send("foi")
    reference = confirm_by_email(person)
    person.deliver()
    received = person.smtp.wait_for(2, timeout=0.5)
    assert [str(r.message["Subject"]) for r in received if reference in str(r.message["Subject"])] == []
    sent = person.get("/sent", title="Request sent")
    assert "confirmation email" not in sent.text and reference in sent.text


def test_the_progress_placeholder_points_at_captures_progress_page(person: Requester) -> None:
    assert public_url(person.runtime.settings, PROGRESS_PAGE) == person.runtime.settings.url(
        MOUNT + str(person.app.url_path_for("progress")))
