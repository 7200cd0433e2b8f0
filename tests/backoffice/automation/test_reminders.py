"""Reminders before the statutory target: to the owner, or every caseworker who could claim the case; once each;
never before their time."""

from __future__ import annotations

import datetime as dt

from backoffice.cases.models import Case
from tests.backoffice.automation.conftest import actions, addresses, drop_tasks, firing_keys, london, run
from tests.backoffice.conftest import Office

SUBJECT = "is due 31 March 2026"


def _owned(office: Office) -> Case:
    case = office.new_case("foi")
    case.owner_id = office.caseworker.id
    drop_tasks(office.db)
    office.db.flush()
    return case


def test_a_reminder_fires_once_to_the_owner_at_its_time(auto: Office, clock, settings) -> None:
    case = _owned(auto)
    assert case.due_on == dt.date(2026, 3, 31)  # 17 March is a bank holiday in Northern Ireland
    assert run(auto.db, settings).total == 0
    clock.move_to(london(2026, 3, 27, 7, 59))  # two working days before: Friday 27th at 08:00
    assert run(auto.db, settings).done["reminder"] == 0
    assert addresses(auto.db, SUBJECT) == []
    clock.move_to(london(2026, 3, 27, 8, 0))
    assert run(auto.db, settings).done["reminder"] == 1
    assert addresses(auto.db, SUBJECT) == ["caseworker@example.gov.uk"]
    clock.move_to(london(2026, 3, 27, 8, 5))
    assert run(auto.db, settings).total == 0  # the restart / next sweep sends nothing again
    assert addresses(auto.db, SUBJECT) == ["caseworker@example.gov.uk"]
    clock.move_to(london(2026, 3, 30, 8, 0))  # one day before: Monday 30th, 08:00 British Summer Time
    assert run(auto.db, settings).done["reminder"] == 1
    assert addresses(auto.db, SUBJECT) == ["caseworker@example.gov.uk"] * 2
    assert [k for k in firing_keys(auto.db) if k[1] == "case"] == [
        ("reminder", "case", f"{rid}:2026-03-31") for rid in sorted(int(k[2].split(":")[0])
                                                                    for k in firing_keys(auto.db) if k[1] == "case")]
    assert len(actions(auto.db, case.reference, "automation.reminder_sent")) == 2


def test_an_unowned_case_reminds_everyone_who_could_claim_it(auto: Office, clock, settings) -> None:
    auto.new_case("foi")
    drop_tasks(auto.db)
    clock.move_to(london(2026, 3, 27, 9, 0))
    run(auto.db, settings)
    # Information governance's members who may claim: not the read-only member, not the outsider in Parks.
    assert addresses(auto.db, SUBJECT) == ["administrator@example.gov.uk", "caseworker@example.gov.uk",
                                           "manager@example.gov.uk"]


def test_a_closed_or_later_case_is_not_reminded(auto: Office, clock, settings) -> None:
    _owned(auto)
    clock.move_to(london(2026, 3, 20, 12, 0))
    assert run(auto.db, settings).total == 0
    assert addresses(auto.db, "Reminder") == []


def test_minutes_and_hours_count_back_from_the_end_of_the_due_day(auto: Office, clock, settings) -> None:
    from backoffice.automation import config

    case = _owned(auto)
    config.add_reminder(auto.db, auto.actor(auto.admin), case.case_type_id, applies_to="case", amount="90",
                        unit="minutes")
    clock.move_to(london(2026, 3, 31, 22, 29))
    run(auto.db, settings)
    before = len(addresses(auto.db, SUBJECT))
    clock.move_to(london(2026, 3, 31, 22, 30))
    assert run(auto.db, settings).done["reminder"] == 1
    assert len(addresses(auto.db, SUBJECT)) == before + 1
