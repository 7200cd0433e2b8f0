"""The organisation's settings and bank holiday adjustments, which change the deadlines of new cases."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from backoffice.cases.models import Case
from backoffice.intake.new_cases import today_in_london
from backoffice.organisation.bank_holidays import BankHolidayAdjustment, deadline_engine
from backoffice.organisation.body import get_organisation
from backoffice.staff.accounts import Role
from tests.backoffice.admin.conftest import EMAILS, actions


def _date_fields(day: dt.date) -> dict[str, str]:
    return {"day-day": str(day.day), "day-month": str(day.month), "day-year": str(day.year)}


def _adjustments(office) -> int:
    with office.factory() as session:
        return int(session.scalar(select(func.count(BankHolidayAdjustment.id))) or 0)


def _due(office, reference: str) -> dt.date:
    with office.factory() as session:
        due = session.scalar(select(Case.due_on).where(Case.reference == reference))
        assert due is not None
        return due


def test_organisation_settings_are_saved(admin, office, check_page) -> None:
    response = admin.post("/admin/organisation", {"nation": "scotland", "service_model": "plus",
                                                  "domains": "Example.gov.uk\n\n@testshire.gov.uk\n"})
    assert response.status_code == 303
    with office.factory() as session:
        organisation = get_organisation(session)
        assert organisation.nation == "scotland"
        assert organisation.allowed_staff_domains == ["example.gov.uk", "testshire.gov.uk"]
    page = admin.get(response.headers["location"])
    check_page(page, title="Organisation")
    assert "The organisation&#39;s settings have been saved." in page.text
    assert 'value="scotland" checked' in page.text


def test_organisation_errors_are_shown_and_nothing_is_stored(admin, office, check_page) -> None:
    response = admin.post("/admin/organisation", {"nation": "uk", "service_model": "gold",
                                                  "domains": "example.gov.uk\nnot a domain"})
    check_page(response, status=422, title="Error: Organisation")
    assert "Select one nation" in response.text and "not a domain is not a domain name" in response.text
    assert "not a domain</textarea>" in response.text
    assert 'href="#service_model">Select basic, plus or premium' in response.text
    with office.factory() as session:
        organisation = get_organisation(session)
        assert organisation.nation == "england-and-wales" and organisation.allowed_staff_domains == ["example.gov.uk"]
        assert organisation.service_model in ("", "plus")


def test_the_service_model_is_set_for_new_incidents_and_audited_once(admin, office, check_page) -> None:
    from backoffice.incidents.service_levels import ServiceModel, service_model
    from shared.audit import AuditEvent

    page = admin.get("/admin/organisation")
    check_page(page, title="Organisation")
    assert 'value="plus" checked' in page.text and "Service hours 09:00 to 17:00" in page.text
    form = {"nation": "england-and-wales", "service_model": "premium", "domains": "example.gov.uk"}
    assert admin.post("/admin/organisation", form).status_code == 303
    assert admin.post("/admin/organisation", form).status_code == 303  # unchanged: not audited again
    with office.factory() as session:
        assert service_model(session) is ServiceModel.PREMIUM
        changes = session.scalars(select(AuditEvent).where(AuditEvent.action == "organisation.service_model_changed"))
        assert len(list(changes)) == 1
    assert 'value="premium" checked' in admin.get("/admin/organisation").text


def test_an_added_bank_holiday_moves_the_due_date_of_new_cases(admin, office, check_page) -> None:
    today = today_in_london()
    with office.factory() as session:
        calendar = deadline_engine(session).calendars.calendar("england-and-wales")
    day = calendar.add_working_days(today, 3)
    before = office.new_reference("enquiry", received_on=today)
    response = admin.post("/admin/bank-holidays", {"kind": "add", "name": "Jubilee bank holiday",
                                                   "nation": "england-and-wales", **_date_fields(day)})
    assert response.status_code == 303
    after = office.new_reference("enquiry", received_on=today)
    assert _due(office, after) == calendar.next_working_day(_due(office, before), strictly_after=True)
    [event] = actions(office.factory, "bank_holiday.added")
    assert event.actor_label == EMAILS[Role.ADMINISTRATOR] and event.detail["day"] == day.isoformat()
    page = admin.get("/admin/bank-holidays")
    check_page(page, title="Bank holidays")
    assert page.text.count("Jubilee bank holiday") >= 2  # in the changes, and in the next bank holidays


def test_a_published_bank_holiday_is_removed_and_the_change_undone(admin, office, check_page) -> None:
    with office.factory() as session:
        calendar = deadline_engine(session).calendars.calendar("scotland")
    day, name = next((d, n) for d, n in sorted(calendar.bank_holidays.items())
                     if d > today_in_london() and n not in ("Christmas Day", "Good Friday"))
    response = admin.post("/admin/bank-holidays", {"kind": "remove", "name": name, "nation": "scotland",
                                                   **_date_fields(day)})
    assert response.status_code == 303
    with office.factory() as session:
        assert not deadline_engine(session).calendars.calendar("scotland").is_bank_holiday(day)
        row = session.scalar(select(BankHolidayAdjustment))
        assert row is not None and row.kind == "remove"
    check_page(admin.get("/admin/bank-holidays"))
    assert admin.post(f"/admin/bank-holidays/{row.id}/undo").status_code == 303
    assert _adjustments(office) == 0 and actions(office.factory, "bank_holiday.adjustment_undone")
    with office.factory() as session:
        assert deadline_engine(session).calendars.calendar("scotland").is_bank_holiday(day)


def test_bank_holiday_errors_are_shown_and_nothing_is_stored(admin, office, check_page) -> None:
    empty = admin.post("/admin/bank-holidays", {})
    check_page(empty, status=422, title="Error: Bank holidays")
    for message in ("Select whether you are adding or removing a bank holiday", "Enter the name of the bank holiday",
                    "Enter the date of the bank holiday", "Select the nation the bank holiday is in"):
        assert message in empty.text
    unreal = admin.post("/admin/bank-holidays", {"kind": "add", "name": "Odd", "nation": "scotland",
                                                 "day-day": "31", "day-month": "2", "day-year": "2030"})
    check_page(unreal, status=422)
    assert "The date of the bank holiday must be a real date" in unreal.text and 'href="#day-day"' in unreal.text
    assert 'value="31"' in unreal.text
    working = today_in_london() + dt.timedelta(days=1)
    with office.factory() as session:
        working = deadline_engine(session).calendars.calendar("scotland").next_working_day(working)
    not_holiday = admin.post("/admin/bank-holidays", {"kind": "remove", "name": "Nothing", "nation": "scotland",
                                                      **_date_fields(working)})
    check_page(not_holiday, status=422)
    assert "is not a bank holiday in Scotland" in not_holiday.text
    assert _adjustments(office) == 0


def test_warming_builds_every_nations_calendar_for_the_first_new_case(office) -> None:
    from backoffice.clocks import Nation
    from backoffice.organisation.bank_holidays import warm

    warm(office.factory)
    with office.factory() as session:
        engine = deadline_engine(session)
    assert set(engine.calendars._calendars) == set(Nation)
    office.new_reference("enquiry")
    with office.factory() as session:
        assert deadline_engine(session) is engine  # nothing rebuilt


def test_one_session_reads_the_organisation_once(office) -> None:
    from sqlalchemy import event

    from backoffice.organisation.body import body_nation

    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_rest) -> None:
        statements.append(statement)

    with office.factory() as session:
        first = body_nation(session)
        event.listen(session.get_bind(), "before_cursor_execute", seen)
        try:
            assert body_nation(session) is first and get_organisation(session).nation == first.value
        finally:
            event.remove(session.get_bind(), "before_cursor_execute", seen)
    assert not [s for s in statements if "organisation" in s]


def test_bank_holiday_dates_outside_the_calendar_or_not_numbers_are_explained(admin, office, check_page) -> None:
    """The calendars cover 2000 to 2045; a day of 20 digits or in other scripts' digits is no real date."""
    cases = [
        ({"day-day": "99999999999999999999", "day-month": "1", "day-year": "2030"},
         "The date of the bank holiday must be a real date"),
        ({"day-day": "²", "day-month": "1", "day-year": "2030"}, "The date of the bank holiday must be a real date"),
        ({"day-day": "١", "day-month": "1", "day-year": "2030"}, "The date of the bank holiday must be a real date"),
        ({"day-day": "1", "day-month": "1", "day-year": "20300"}, "Year must include 4 numbers"),
        ({"day-day": "1", "day-month": "1", "day-year": "1999"},
         "The date of the bank holiday must be between 1 January 2000 and 31 December 2045"),
        ({"day-day": "1", "day-month": "1", "day-year": "2046"},
         "The date of the bank holiday must be between 1 January 2000 and 31 December 2045"),
    ]
    for kind in ("add", "remove"):
        for fields, message in cases:
            response = admin.post("/admin/bank-holidays", {"kind": kind, "name": "Odd", "nation": "scotland", **fields})
            check_page(response, status=422, title="Error: Bank holidays")
            first_wrong = "#day-year" if message.startswith("Year") else "#day-day"  # the summary links to the wrong box
            assert message in response.text and f'href="{first_wrong}"' in response.text, (kind, fields)
    assert _adjustments(office) == 0
