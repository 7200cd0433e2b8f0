"""Publishing a closed FOI case to the disclosure log from its pages: prepare, the personal-data check,
acknowledge, publish, the two-person rule, withdraw."""

from __future__ import annotations

import io
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cases import tasks, workflow
from backoffice.cases.models import Case, CaseType
from backoffice.cases.workflow import add_attachment
from backoffice.disclosures.models import Publication
from backoffice.intake.new_cases import NewCase, Requester, create_case
from backoffice.staff.accounts import StaffUser
from shared.db import transaction
from shared.files import CLEAN, StoredFile
from shared.settings import Settings
from tests.backoffice.casework.conftest import SYSTEM, Office
from tests.backoffice.casework.helpers import banner, error_summary, form_fields, submit


def _closed_case(office: Office, settings: Settings, *, approval: bool = False) -> tuple[str, int]:
    """A closed FOI case with one clean attachment that names the requester."""
    with transaction(office.factory) as session:
        if approval:
            session.scalars(select(CaseType).where(CaseType.key == "foi")).one().publication_approval = True
        case = create_case(session, SYSTEM, NewCase(case_type="foi", subject="Bus timetables", channel="email",
                                                     description="Send the 2025 bus timetables.",
                                                     requester=Requester(name="Sam Jones", email="sam@example.com")))
        user = session.get(StaffUser, office.ids["manager"])
        assert user is not None
        attachment = add_attachment(session, office.actor(user), user, case, settings, "timetables.txt",
                                    io.BytesIO(b"Route 1 timetable, as sent to Sam Jones.\n"))
        stored = session.get(StoredFile, attachment.file_id)
        assert stored is not None
        stored.status = CLEAN
        for task in tasks.tasks_of(session, case):
            tasks.finish_task(session, office.actor(user), user, case, task.id, tasks.DONE)
        workflow.close(session, office.actor(user), user, case, outcome="granted_in_part", exemptions=("s40",))
        return case.reference, attachment.id


def _publication(session: Session, reference: str) -> Publication:
    case = session.scalars(select(Case).where(Case.reference == reference)).one()
    return session.scalars(select(Publication).where(Publication.case_id == case.id)).one()


def _prepare(client: Any, reference: str, attachment_id: int, **data: Any) -> Any:
    base = f"/cases/{reference}/publication"
    return submit(client, base, base, {"title": "Bus timetables 2025", "summary": "We sent the timetables.",
                                       "request_text": "Please send the 2025 bus timetables.",
                                       "attachment_ids": [str(attachment_id)], **data})


def test_prepare_check_acknowledge_publish_and_withdraw(office: Office, browser: Any, check_page: Any,
                                                         settings: Settings) -> None:
    reference, attachment_id = _closed_case(office, settings)
    client = browser("caseworker")
    case_page = client.get(f"/cases/{reference}")
    assert "Publish to the disclosure log" in case_page.text
    base = f"/cases/{reference}/publication"
    check_page(client.get(base), title=f"Disclosure log – {reference}")

    refused = _prepare(client, reference, attachment_id, title="")
    assert refused.status_code == 422 and error_summary(refused.text)[0][0] == "#title"
    with office.factory() as session:
        assert session.scalars(select(Publication)).first() is None  # nothing half-done kept

    assert _prepare(client, reference, attachment_id).status_code == 303
    page = check_page(client.get(base), title=f"Disclosure log – {reference}")
    assert page is not None
    text = client.get(base).text
    assert "Requester name</strong> in timetables.txt" in text and "<mark>Sam Jones</mark>" in text
    refused = submit(client, base, base + "/publish")
    assert refused.status_code == 409 and "personal data" in refused.text.lower()

    finding = re.search(r'action="(/cases/[^"]+/publication/findings/\d+)"', text)
    assert finding is not None
    assert submit(client, base, finding.group(1), {"reason": ""}).status_code == 422
    assert submit(client, base, finding.group(1), {"reason": "It names the requester's own bus route"}).status_code == 303
    assert submit(client, base, base + "/publish").status_code == 303
    published = client.get(base)
    assert banner(published.text) == "Published to the disclosure log"
    assert "View it on the disclosure log" in published.text and "Published to the disclosure log" in published.text
    with office.factory() as session:
        assert _publication(session, reference).status == "published"

    check_page(client.get(base + "/withdraw"), title=f"Withdraw from the disclosure log – {reference}")
    assert submit(client, base + "/withdraw", base + "/withdraw", {"reason": ""}).status_code == 422
    assert submit(client, base + "/withdraw", base + "/withdraw", {"reason": "It named a driver."}).status_code == 303
    with office.factory() as session:
        withdrawn = _publication(session, reference)
        assert (withdrawn.status, withdrawn.withdrawn_reason) == ("withdrawn", "It named a driver.")
    assert "Withdrawn from the disclosure log: It named a driver." in client.get(base).text


def test_two_people_under_the_two_person_rule(office: Office, browser: Any, check_page: Any,
                                              settings: Settings) -> None:
    reference, attachment_id = _closed_case(office, settings, approval=True)
    preparer, approver = browser("caseworker"), browser("manager")
    base = f"/cases/{reference}/publication"
    assert _prepare(preparer, reference, attachment_id, summary="Timetables for the routes.").status_code == 303
    finding = re.search(r'action="(/cases/[^"]+/publication/findings/\d+)"', preparer.get(base).text)
    assert finding is not None
    submit(preparer, base, finding.group(1), {"reason": "Acceptable"})
    assert submit(preparer, base, base + "/publish").status_code == 303
    assert (banner(preparer.get(base).text) or "").startswith("Sent for approval")
    assert base + "/approve" not in preparer.get(base).text  # the preparer is not offered approval
    check_page(approver.get(base), title=f"Disclosure log – {reference}")
    assert submit(approver, base, base + "/approve").status_code == 303
    with office.factory() as session:
        publication = _publication(session, reference)
        assert publication.status == "published" and publication.approved_by_user_id == office.ids["manager"]


def test_a_reader_cannot_publish(office: Office, browser: Any, settings: Settings) -> None:
    reference, _ = _closed_case(office, settings)
    assert browser("read-only").get(f"/cases/{reference}/publication").status_code == 403


def test_a_redacted_version_is_uploaded_and_waits_for_the_virus_check(office: Office, browser: Any, check_page: Any,
                                                                       settings: Settings) -> None:
    reference, attachment_id = _closed_case(office, settings)
    client = browser("caseworker")
    base = f"/cases/{reference}/publication"
    assert _prepare(client, reference, attachment_id, summary="Timetables.").status_code == 303
    fields = form_fields(client.get(base).text, base + "/documents")
    empty = client.post(base + "/documents", data=fields, follow_redirects=False)
    assert empty.status_code == 422 and error_summary(empty.text) == [("#file", "Select a file")]
    fields = form_fields(client.get(base).text, base + "/documents")
    uploaded = client.post(base + "/documents", data=fields, follow_redirects=False,
                           files={"file": ("Redacted timetables.txt", b"Route 1 timetable.\n", "text/plain")})
    assert uploaded.status_code == 303
    page = check_page(client.get(base), title=f"Disclosure log – {reference}")
    assert page is not None
    assert "Redacted timetables.txt – waiting for the virus check" in client.get(base).text
    with office.factory() as session:
        assert [d.name for d in _publication(session, reference).documents] == ["timetables.txt",
                                                                                "Redacted timetables.txt"]
