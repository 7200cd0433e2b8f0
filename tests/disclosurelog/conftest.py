"""The Disclosure Log over HTTP: the app on its own, on a real database, with real stored files.

``log.publish(...)`` makes a closed FOI case through the test office and then its publication rows directly
(what publishing leaves behind, without its checks, which the publishing tests hold), with documents stored
as a caseworker's attachments are, and the change the search index follows. ``reader`` is a browser with the
page checker applied to every HTML page it reads.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.testclient import TestClient

from backoffice.cases import workflow
from backoffice.cases.models import Case, CaseStatus, StatusKind
from backoffice.disclosures import indexing
from backoffice.disclosures.changes import record_change
from backoffice.disclosures.models import (
    PUBLISHED,
    WITHDRAWN,
    DisclosureCategory,
    Publication,
    PublicationDocument,
    PublicationPage,
)
from shared.db import transaction
from shared.files import CLEAN, StoredFile
from shared.runtime import Runtime
from shared.search.indexes import forget_engines
from shared.settings import Settings
from tests.conftest import starlette_app
from tests.factories import Office, seed_office
from tests.pages import PageChecker, share_templates

WHEN = dt.datetime(2026, 12, 2, 10, 30, tzinfo=dt.UTC)
PDF = "application/pdf"


@dataclass
class Log:
    """Publications made as publishing leaves them, committed."""

    office: Office
    settings: Settings
    factory: sessionmaker[Session]

    def category(self, name: str) -> int:
        with transaction(self.factory) as session:
            row = DisclosureCategory(name=name)
            session.add(row)
            session.flush()
            return row.id

    def publish(self, title: str, *, summary: str = "", request: str = "", status: str = PUBLISHED,
                documents: tuple[tuple[str, bytes, tuple[str, ...]], ...] = (), category_id: int | None = None,
                outcome: str = "granted_in_part", outcome_label: str = "Granted in part",
                exemptions: tuple[tuple[str, str], ...] = (("s40", "s.40 Personal information"),),
                when: dt.datetime = WHEN, received_on: dt.date = dt.date(2026, 10, 5),
                responded_on: dt.date = dt.date(2026, 11, 2)) -> str:
        """A publication of a new closed FOI case; ``documents`` are (name, bytes, page texts)."""
        case = self.office.new_case("foi", subject=title)
        user = self.office.caseworker
        with transaction(self.factory) as session:
            found = session.get(Case, case.id)
            assert found is not None
            found.status_id = session.scalars(select(CaseStatus.id).where(
                CaseStatus.case_type_id == found.case_type_id, CaseStatus.kind == StatusKind.CLOSED)).one()
            found.outcome, found.responded_on, found.received_on = outcome, responded_on, received_on
            publication = Publication(
                case_id=found.id, status=status, title=title, summary=summary or f"Our answer about {title.lower()}.",
                request_text=request or f"Please tell me about {title.lower()}.", category_id=category_id,
                reference=found.reference, case_type_key="foi", case_type_name=found.case_type.name,
                outcome=outcome, outcome_label=outcome_label,
                exemptions=[{"key": k, "label": label} for k, label in exemptions], received_on=received_on,
                responded_on=responded_on, first_published_at=when if status != "draft" else None, updated_at=when)
            session.add(publication)
            session.flush()
            for position, (name, body, pages) in enumerate(documents):
                attachment = workflow.add_attachment(session, self.office.actor(user), user, found, self.settings,
                                                     name, io.BytesIO(body))
                stored = session.get(StoredFile, attachment.file_id)
                assert stored is not None
                stored.status = CLEAN
                document = PublicationDocument(
                    publication_id=publication.id, attachment_id=attachment.id, file_id=stored.id, name=name,
                    content_type=stored.content_type, size=stored.size, sha256=stored.sha256, position=position,
                    text_status="read", page_count=len(pages))
                session.add(document)
                session.flush()
                session.add_all(PublicationPage(document_id=document.id, number=n, text=text)
                                for n, text in enumerate(pages, 1))
            record_change(session, publication.id)
            return found.reference

    def withdraw(self, reference: str, reason: str = "It named a member of staff",
                 when: dt.datetime = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)) -> None:
        with transaction(self.factory) as session:
            publication = session.scalars(select(Publication).where(Publication.reference == reference)).one()
            publication.status = WITHDRAWN
            publication.withdrawn_at = publication.updated_at = when
            publication.withdrawn_reason = reason
            record_change(session, publication.id)

    def document_ids(self, reference: str) -> list[int]:
        with self.factory() as session:
            return list(session.scalars(select(PublicationDocument.id).join(Publication)
                                        .where(Publication.reference == reference)
                                        .order_by(PublicationDocument.position)))

    def index(self) -> None:
        """What the worker does after each change: the index catches up from the change sequence."""
        with transaction(self.factory) as session:
            indexing.catch_up(session, indexing.log_engine(self.settings))


@pytest.fixture
def log(session_factory: sessionmaker[Session], settings: Settings) -> Iterator[Log]:
    with transaction(session_factory) as session:
        office = seed_office(session, session_factory)
    yield Log(office, settings, session_factory)
    forget_engines()


@pytest.fixture
def log_app(runtime: Runtime) -> Starlette:
    app = starlette_app("disclosurelog", runtime)
    share_templates(app)
    return app


@dataclass
class Reader:
    """A member of the public's browser on the log (as mounted in the suite: paths start /disclosure-log)."""

    client: TestClient
    check: PageChecker

    def get(self, path: str, status: int = 200, title: str | None = None, **kwargs: Any) -> httpx.Response:
        response = self.client.get("/disclosure-log" + path, **kwargs)
        if response.headers.get("content-type", "").startswith("text/html"):
            self.check(response, status=status, title=title)
        else:
            assert response.status_code == status, (response.status_code, response.text[:500])
        return response


@pytest.fixture
def reader(log_app: Starlette, check_page: PageChecker) -> Iterator[Reader]:
    with TestClient(log_app, base_url="http://testserver", root_path="/disclosure-log",
                    raise_server_exceptions=False) as client:
        yield Reader(client, check_page)
