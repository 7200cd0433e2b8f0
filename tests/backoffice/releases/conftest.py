"""A case with clean attachments, ready to share, in the test's rolled-back session."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases import workflow
from backoffice.cases.models import Case, CaseAttachment
from backoffice.intake.new_cases import Requester
from backoffice.releases.sending import Sent, ShareRequest, send_documents
from shared.files import CLEAN, StoredFile
from shared.mail.models import OutboxMessage
from shared.settings import Settings
from tests.factories import Office


@dataclass
class Sharing:
    office: Office
    settings: Settings
    case: Case

    @property
    def db(self) -> Session:
        return self.office.db

    def attach(self, name: str = "letter.txt", body: bytes = b"Dear Sam,\nHere is your data.\n",
               clean: bool = True) -> CaseAttachment:
        user = self.office.caseworker
        attachment = workflow.add_attachment(self.db, self.office.actor(user), user, self.case, self.settings, name,
                                             io.BytesIO(body))
        if clean:  # what the files.scan job does when clamd passes it (scanning is tested in tests/shared)
            stored = self.db.get(StoredFile, attachment.file_id)
            assert stored is not None
            stored.status = CLEAN
        self.db.flush()
        return attachment

    def send(self, *attachments: CaseAttachment, days: int = 30, is_response: bool = False,
             message: str = "") -> Sent:
        chosen = attachments or (self.attach(),)
        user = self.office.caseworker
        return send_documents(self.db, self.settings, self.office.actor(user), user, self.case,
                              ShareRequest(attachment_ids=[a.id for a in chosen], days=days, message=message,
                                           is_response=is_response))

    def emails_to(self, address: str) -> list[OutboxMessage]:
        return list(self.db.scalars(select(OutboxMessage).where(OutboxMessage.to_address == address)
                                    .order_by(OutboxMessage.id)))


@pytest.fixture
def sharing(office: Office, settings: Settings) -> Sharing:
    case = office.new_case("sar", requester=Requester(name="Sam Jones", email="Sam@Example.com"))
    return Sharing(office, settings, case)
