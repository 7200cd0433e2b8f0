"""A closed FOI case with clean attachments, ready to publish, in the test's rolled-back session."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from backoffice.cases import tasks, workflow
from backoffice.cases.models import Case, CaseAttachment
from backoffice.disclosures import documents, publishing
from backoffice.disclosures.models import Publication, PublicationDocument
from backoffice.intake.new_cases import Requester
from backoffice.staff.accounts import StaffUser
from shared import audit
from shared.files import ANY_SUPPORTED, CLEAN, StoredFile, store_upload
from shared.settings import Settings
from tests.factories import Office

SUMMARY = "We gave the timetables for routes 1 to 9."
REQUEST = "Please send the 2025 bus timetables."


@dataclass
class Desk:
    """The caseworker's desk: the office, a closed case and the helpers that act on it."""

    office: Office
    settings: Settings
    case: Case

    @property
    def db(self) -> Session:
        return self.office.db

    @property
    def user(self) -> StaffUser:
        return self.office.caseworker

    def actor(self, user: StaffUser | None = None) -> audit.Actor:
        return self.office.actor(user or self.user)

    def attach(self, name: str = "timetable.txt", body: bytes = b"Route 1 leaves at 07:15.\n",
               clean: bool = True, case: Case | None = None) -> CaseAttachment:
        # Attached directly: a closed case takes no new attachments, and these stand for ones added while open.
        stored = store_upload(self.db, self.settings, self.actor(), filename=name, stream=io.BytesIO(body),
                              allowed=ANY_SUPPORTED)
        self.db.flush()
        attachment = CaseAttachment(case_id=(case or self.case).id, file_id=stored.id, added_by=self.user.name)
        self.db.add(attachment)
        self.db.flush()
        if clean:  # what the files.scan job does when clamd passes it (scanning is tested in tests/shared)
            mark_clean(self.db, attachment.file_id)
        return attachment

    def start(self, *, title: str = "Bus timetables 2025", summary: str = SUMMARY, request_text: str = REQUEST,
              category_id: int | None = None, case: Case | None = None) -> Publication:
        return publishing.start_publication(self.db, self.actor(), self.user, case or self.case, title=title,
                                            summary=summary, request_text=request_text, category_id=category_id)

    def add(self, publication: Publication, attachment: CaseAttachment | None = None) -> PublicationDocument:
        return documents.add_attachment(self.db, self.settings, self.actor(), self.user, publication,
                                        (attachment or self.attach()).id)

    def publish(self, publication: Publication, user: StaffUser | None = None) -> Publication:
        return publishing.publish(self.db, self.settings, self.actor(user), user or self.user, publication,
                                  publication.version)


def mark_clean(db: Session, file_id: str) -> None:
    stored = db.get(StoredFile, file_id)
    assert stored is not None
    stored.status = CLEAN
    db.flush()


def close(office: Office, case: Case, outcome: str = "granted_in_part", exemptions: tuple[str, ...] = ("s40",)) -> Case:
    user = office.manager
    for task in tasks.tasks_of(office.db, case):
        tasks.finish_task(office.db, office.actor(user), user, case, task.id, tasks.DONE)
    return workflow.close(office.db, office.actor(office.manager), office.manager, case, outcome=outcome,
                          exemptions=exemptions)


@pytest.fixture
def desk(office: Office, settings: Settings) -> Desk:
    case = office.new_case("foi", requester=Requester(name="Sam Jones", email="sam@example.com"))
    close(office, case)
    return Desk(office, settings, case)
