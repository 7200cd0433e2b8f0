"""Creating cases: references, due dates from the engine, automatic tasks, refusals."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from backoffice.cases.models import Case, CaseAttachment, StatusKind, Task
from backoffice.intake.new_cases import NewAttachment, NewCase, Requester, create_case
from backoffice.organisation.body import set_nation
from shared import audit
from shared.errors import InvalidInput
from shared.files import StoredFile, store_upload
from shared.settings import Settings
from tests.backoffice.cases.conftest import SYSTEM, Office


def test_reference_is_unique_per_type_and_year(office: Office) -> None:
    first = office.new_case("foi", received_on=dt.date(2026, 3, 2))
    second = office.new_case("foi", received_on=dt.date(2026, 3, 3))
    other_type = office.new_case("eir", received_on=dt.date(2026, 3, 3))
    last_year = office.new_case("foi", received_on=dt.date(2025, 12, 30))
    assert [first.reference, second.reference, other_type.reference, last_year.reference] == [
        "FOI-2026-00001", "FOI-2026-00002", "EIR-2026-00001", "FOI-2025-00001"]


def test_due_date_comes_from_the_deadline_engine(office: Office) -> None:
    # 25, 26 Dec, 1 Jan and Scotland's 2 Jan are not UK working days.
    foi = office.new_case("foi", received_on=dt.date(2025, 12, 22))
    assert foi.due_on == dt.date(2026, 1, 23)
    sar = office.new_case("sar", received_on=dt.date(2023, 1, 31))
    assert sar.due_on == dt.date(2023, 2, 28)


def test_sar_uses_the_bodys_nation(office: Office) -> None:
    set_nation(office.db, SYSTEM, "scotland")
    # 2 January 2026 is a Scottish bank holiday but a working day in England.
    case = office.new_case("sar", received_on=dt.date(2025, 12, 2))
    assert case.due_on == dt.date(2026, 1, 5)


def test_new_case_is_open_with_team_and_tasks(office: Office) -> None:
    case = office.new_case("foi", received_on=dt.date(2026, 11, 2))
    assert case.status.kind == StatusKind.OPEN and case.team_group_id == office.info_governance.id
    tasks = office.db.scalars(select(Task).where(Task.case_id == case.id).order_by(Task.id)).all()
    assert [(t.title, t.due_on) for t in tasks] == [("Search for the information", dt.date(2026, 11, 16)),
                                                   ("Draft the response", dt.date(2026, 11, 23))]
    entry = audit.history(office.db, "case", case.reference)[0]
    assert entry.action == "case.created" and "due 1 December 2026" in entry.summary


@pytest.mark.parametrize("change,field", [
    ({"requester": Requester(name="", email="a@b.com")}, "requester.name"),
    ({"requester": Requester(name="A", email="not-an-email")}, "requester.email"),
    ({"requester": Requester(name="A")}, "requester.email"),
    ({"subject": " "}, "subject"),
    ({"description": "x" * 20_001}, "description"),
    ({"channel": "pigeon"}, "channel"),
    ({"received_on": dt.date(2099, 1, 1)}, "received_on"),
    ({"case_type": "nope"}, "case_type"),
])
def test_refusals_store_nothing(office: Office, change: dict, field: str) -> None:
    values = dict(case_type="foi", subject="S", description="D", requester=Requester(name="A", email="a@b.com"))
    values.update(change)
    with pytest.raises(InvalidInput) as refused:
        create_case(office.db, SYSTEM, NewCase(**values))  # type: ignore[arg-type]
    assert field in refused.value.errors
    assert office.db.scalar(select(func.count(Case.id))) == 0


def test_postal_only_requester_is_accepted(office: Office) -> None:
    case = office.new_case(requester=Requester(name="Pat Post", address="1 High Street\nTownsville\nTT1 1AA"))
    assert case.requester_email is None and (case.requester_address or "").startswith("1 High Street")


def test_a_scottish_body_answers_foi_under_foisa(office: Office) -> None:
    set_nation(office.db, SYSTEM, "scotland")
    # Received Thu 28 Mar 2024: Good Friday is a holiday everywhere; Easter Monday (1 Apr) is not one in Scotland,
    # so FOISA is due Fri 26 Apr where FOIA would be due Mon 29 Apr.
    case = office.new_case("foi", received_on=dt.date(2024, 3, 28))
    assert case.due_on == dt.date(2024, 4, 26)
    from backoffice.deadlines.due_dates import compute_deadline

    assert compute_deadline(office.db, case.case_type, case.received_on).rule == "foisa"


def _stored(office: Office, settings: Settings, name: str = "passport.txt") -> StoredFile:
    requester = audit.Actor(type="requester", label="member of the public")
    stored = store_upload(office.db, settings, requester, filename=name, stream=io.BytesIO(b"a scanned passport"))
    office.db.flush()
    return stored


def test_files_sent_with_a_request_become_its_attachments(office: Office, settings: Settings) -> None:
    passport, letter = _stored(office, settings), _stored(office, settings, "letter.txt")
    case = office.new_case("sar", requester=Requester(name="Alex Morgan", email="alex@example.com"), attachments=(
        NewAttachment(passport.id, "Answer to “Upload evidence of your identity”"),
        NewAttachment(letter.id, "The requester's letter", added_by="Post room"),
    ))
    rows = office.db.scalars(select(CaseAttachment).where(CaseAttachment.case_id == case.id)
                             .order_by(CaseAttachment.id)).all()
    assert [(a.file_id, a.description, a.added_by) for a in rows] == [
        (passport.id, "Answer to “Upload evidence of your identity”", "Alex Morgan (requester)"),
        (letter.id, "The requester's letter", "Post room"),
    ]
    summaries = [e.summary for e in audit.history(office.db, "case", case.reference)]
    assert summaries[1:] == ["File attached: passport.txt", "File attached: letter.txt"]


@pytest.mark.parametrize("problem", ["unknown", "taken", "twice", "long"])
def test_attachments_that_cannot_be_the_cases_are_refused(office: Office, settings: Settings, problem: str) -> None:
    stored = _stored(office, settings)
    if problem == "taken":
        office.new_case(attachments=(NewAttachment(stored.id),))
    attachments = {
        "unknown": (NewAttachment("0" * 32),),
        "taken": (NewAttachment(stored.id),),
        "twice": (NewAttachment(stored.id), NewAttachment(stored.id)),
        "long": (NewAttachment(stored.id, "x" * 301),),
    }[problem]
    before = office.db.scalar(select(func.count(Case.id)))
    with pytest.raises(InvalidInput) as refused:
        office.new_case(attachments=attachments)
    assert "attachments" in refused.value.errors
    assert office.db.scalar(select(func.count(Case.id))) == before
