"""Secure Share over HTTP: the app on its own, real shares made by the core's own sending, on a real database.

``shares.send(...)`` attaches files to a committed SAR case (marked clean: the scan is tested in
tests/shared), sends them as a caseworker does and hands back the link's token; ``requester`` is a
browser (a Firefox on Windows, so its look at the link counts as a person's) with helpers for the
journey's steps, and the page checker applied to every page it reads.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.testclient import TestClient

from backoffice.cases import workflow
from backoffice.cases.models import Case
from backoffice.intake.new_cases import Requester
from backoffice.releases.history import history_of
from backoffice.releases.models import Share
from backoffice.releases.sending import Sent, ShareRequest, send_documents
from shared.db import transaction
from shared.files import CLEAN, StoredFile
from shared.runtime import Runtime
from shared.settings import Settings
from tests.conftest import starlette_app
from tests.factories import Office, seed_office
from tests.pages import PageChecker, share_templates

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
EMAIL = "Sam@Example.com"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Shares:
    """Cases and shares made as the back office makes them, committed."""

    office: Office
    settings: Settings
    factory: sessionmaker[Session]
    reference: str = ""
    case_id: int = 0

    def new_case(self) -> str:
        case = self.office.new_case("sar", requester=Requester(name="Sam Jones", email=EMAIL))
        self.reference, self.case_id = case.reference, case.id
        return case.reference

    def send(self, *files: tuple[str, bytes], days: int = 30, clean: bool = True) -> Sent:
        """A share of ``files`` (name, bytes) on the current case (a new one first, if none)."""
        if not self.case_id:
            self.new_case()
        chosen = files or (("letter.txt", b"Dear Sam,\nHere is your data.\n"),)
        user = self.office.caseworker
        with transaction(self.factory) as session:
            case = session.get(Case, self.case_id)
            assert case is not None
            ids = []
            for name, body in chosen:
                attachment = workflow.add_attachment(session, self.office.actor(user), user, case, self.settings, name,
                                                     io.BytesIO(body))
                stored = session.get(StoredFile, attachment.file_id)
                assert stored is not None
                if clean:  # what the files.scan job does when clamd passes it
                    stored.status = CLEAN
                ids.append(attachment.id)
            session.flush()
            return send_documents(session, self.settings, self.office.actor(user), user, case,
                                  ShareRequest(attachment_ids=ids, days=days))

    def kinds(self, share_id: int) -> list[str]:
        """The share's history, oldest first, by kind."""
        with self.factory() as session:
            share = session.get(Share, share_id)
            assert share is not None
            return [entry.kind for entry in reversed(history_of(session, share))]

    def share(self, share_id: int) -> Share:
        with self.factory() as session:
            found = session.get(Share, share_id)
            assert found is not None
            return found

    def change(self, share_id: int, **values: Any) -> None:
        with transaction(self.factory) as session:
            share = session.get(Share, share_id)
            assert share is not None
            for key, value in values.items():
                setattr(share, key, value)

    def stored_files(self, share_id: int) -> list[StoredFile]:
        from backoffice.releases.models import ShareFile

        with self.factory() as session:
            return list(session.scalars(select(StoredFile).join(ShareFile, ShareFile.file_id == StoredFile.id)
                                        .where(ShareFile.share_id == share_id).order_by(ShareFile.position)))


@pytest.fixture
def office(session_factory: sessionmaker[Session]) -> Office:
    with transaction(session_factory) as session:
        return seed_office(session, session_factory)


@pytest.fixture
def shares(office: Office, settings: Settings, session_factory: sessionmaker[Session]) -> Shares:
    return Shares(office, settings, session_factory)


@pytest.fixture
def share_app(runtime: Runtime) -> Starlette:
    app = starlette_app("secureshare", runtime)
    share_templates(app)
    return app


@dataclass
class RequesterBrowser:
    """One requester's browser on Secure Share (as mounted in the suite: paths start /secure-share)."""

    client: TestClient
    check: PageChecker
    seen: list[str] = field(default_factory=list)
    last_csrf: str = ""

    def get(self, path: str, status: int = 200, title: str | None = None, **kwargs: Any) -> httpx.Response:
        response = self.client.get(path, **kwargs)
        if response.status_code in (301, 302, 303, 307):
            return response
        if response.headers.get("content-type", "").startswith("text/html"):
            self.check(response, status=status, title=title)
            self.seen.append(path)
        else:
            assert response.status_code == status, (response.status_code, response.text[:500])
        return response

    def csrf(self, path: str) -> str:
        """The form's token, read as a script reads the page (so the look is not a person's "Link opened")."""
        match = _CSRF.search(self.client.get(path, headers={"User-Agent": "python-httpx"}).text)
        if match is None:  # a page with no form (locked, gone): the session's token is the one last seen
            assert self.last_csrf, f"no CSRF token on {path}"
            return self.last_csrf
        self.last_csrf = match.group(1)
        return self.last_csrf

    def post(self, path: str, data: dict[str, Any] | None = None, *, csrf_from: str | None = None,
             status: int | None = None) -> httpx.Response:
        payload = {"csrf_token": self.csrf(csrf_from or path), **(data or {})}
        response = self.client.post(path, data=payload, follow_redirects=False)
        if status is not None:
            if response.headers.get("content-type", "").startswith("text/html"):
                self.check(response, status=status)
            else:
                assert response.status_code == status, response.text[:500]
        return response

    def confirm(self, token: str, email: str = EMAIL, status: int = 303) -> httpx.Response:
        return self.post(link(token), {"email": email}, status=status)

    def sign_in(self, token: str) -> httpx.Response:
        response = self.confirm(token)
        assert response.headers["location"] == link(token) + "/documents"
        return response


def link(token: str) -> str:
    return f"/secure-share/s/{token}"


@pytest.fixture
def requester(share_app: Starlette, check_page: PageChecker) -> Iterator[RequesterBrowser]:
    """The app as the suite mounts it (root_path /secure-share), so cookie paths are the real ones."""
    with TestClient(share_app, base_url="http://testserver", root_path="/secure-share",
                    raise_server_exceptions=False) as client:
        client.headers["User-Agent"] = FIREFOX
        yield RequesterBrowser(client, check_page)
