"""Support requests and help articles: suggestions as staff type, the access key, the desk's reply."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from backoffice.staff.accounts import Role
from backoffice.support import help as articles
from backoffice.support.models import SupportRequest
from shared.audit import SYSTEM
from shared.db import transaction
from shared.mail.models import OutboxMessage
from tests.factories import Office
from tests.pages import Browser


def _articles(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        articles.save_article(session, SYSTEM, None, "Resetting a staff member's password",
                              "An administrator opens Administration, then Users, and chooses Reset password.")
        articles.save_article(session, SYSTEM, None, "Adding a bank holiday",
                              "Administration, Bank holidays: add the day and its name.")


def test_suggestions_match_the_draft_by_title_first(db: Session) -> None:
    articles.save_article(db, SYSTEM, None, "Password resets", "How to reset a password for a user.")
    articles.save_article(db, SYSTEM, None, "Exports", "The case list export and its password-free download.")
    found = articles.suggest(db, "I cannot reset my password")
    assert [s.title for s in found] == ["Password resets"]
    assert articles.suggest(db, "the and for") == []


def test_staff_raise_a_request_see_articles_and_follow_it_with_the_key(
        browser: Callable[[Role], Browser], site: Office, check_page: Callable[..., object],
        app_client: Callable[..., TestClient]) -> None:
    _articles(site.factory)
    caseworker = browser(Role.CASEWORKER)
    check_page(caseworker.get("/support"), title="Support")
    check_page(caseworker.get("/support/new"), title="Raise a support request")
    asked = caseworker.post("/support/new", {"action": "check", "kind": "problem", "subject": "Password",
                                             "details": "I need to reset the password of a new starter"})
    check_page(asked, title="Raise a support request")
    assert "Resetting a staff member" in asked.text and "new starter" in asked.text  # the draft is kept
    assert caseworker.get("/support/suggestions", params={"q": "bank holiday"}).json()["suggestions"][0]["title"] == \
        "Adding a bank holiday"

    refused = caseworker.post("/support/new", {"kind": "", "subject": "", "details": ""})
    check_page(refused, status=422, title="Error: Raise a support request")
    sent = caseworker.post("/support/new", {"kind": "problem", "subject": "Password reset fails",
                                            "details": "The reset email never arrives", "shown": "1"})
    check_page(sent, title="Support request sent")
    reference = re.search(r"<strong>(SR-\d+)</strong>", sent.text)[1]  # type: ignore[index]
    key = re.search(r'<code class="govuk-!-font-size-24">([^<]+)</code>', sent.text)[1]  # type: ignore[index]
    with site.factory() as session:
        stored = session.scalar(select(SupportRequest).where(SupportRequest.reference == reference))
        assert stored is not None and key not in stored.access_key_hash and stored.articles_shown == 1
        mail = session.scalar(select(OutboxMessage).where(OutboxMessage.related_id == reference))
        assert mail is not None and key in mail.body_text

    admin = browser(Role.ADMINISTRATOR)
    listed = admin.get("/support")
    assert reference in listed.text
    replied = admin.post(f"/support/{reference}/update", {"text": "Fixed the mail settings", "close": "yes"})
    assert replied.status_code == 303
    page = caseworker.get(f"/support/{reference}")
    check_page(page, title=f"{reference}: Password reset fails")
    assert "Fixed the mail settings" in page.text and "Closed" in page.text
    assert browser(Role.MANAGER).get(f"/support/{reference}").status_code == 403  # not theirs, not the desk

    anonymous = app_client("backoffice")  # the check page needs no sign-in
    form = check_page(anonymous.get("/support/check"), title="Check a support request")
    token = re.search(r'name="csrf_token" value="([^"]+)"', anonymous.get("/support/check").text)[1]  # type: ignore[index]
    assert form is not None

    def ask(key: str) -> httpx.Response:
        return anonymous.post("/support/check", data={"csrf_token": token, "idempotency_key": uuid.uuid4().hex,
                                                      "reference": reference, "key": key})

    wrong = ask("x" * 22)
    check_page(wrong, status=422, title="Error: Check a support request")
    right = ask(key)
    check_page(right, title=f"{reference}: Password reset fails")
    assert "Fixed the mail settings" in right.text


def test_administrators_keep_the_help_articles(browser: Callable[[Role], Browser],
                                               check_page: Callable[..., object]) -> None:
    admin = browser(Role.ADMINISTRATOR)
    check_page(admin.get("/support/help/new"), title="Add a help article")
    check_page(admin.post("/support/help/new", {"title": "", "body": ""}), status=422,
               title="Error: Add a help article")
    assert admin.post("/support/help/new", {"title": "Exports", "body": "Reports, then Case list."}).status_code == 303
    index = admin.get("/support/help")
    check_page(index, title="Help articles")
    link = re.search(r'href="(/support/help/\d+)"', index.text)[1]  # type: ignore[index]
    check_page(admin.get(link), title="Exports")
    check_page(admin.get(link + "/edit"), title="Change a help article")
    assert browser(Role.CASEWORKER).get(link + "/edit").status_code in (403, 404)
    assert admin.post(link + "/delete").status_code == 303
    assert admin.get(link).status_code == 404
