"""The automation pages: a case's targets with the escalate form (caseworker and above, CSRF and a single-use
key like every case form), and a case type's automation settings for administrators."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.automation.config import seed_automation
from backoffice.automation.models import Milestone, ReminderRule, Routine
from backoffice.cases.models import Case, CaseType
from shared import audit
from tests.backoffice.casework.conftest import SYSTEM, Office, backoffice_app, browser, office, stranger  # noqa: F401
from tests.backoffice.casework.helpers import banner, error_summary, form_fields, get_case, submit


def _type_id(office: Office, key: str = "foi") -> int:  # noqa: F811
    with office.factory() as session, session.begin():
        seed_automation(session, SYSTEM)
        type_id = session.scalar(select(CaseType.id).where(CaseType.key == key))
        assert type_id is not None
        return type_id


def test_targets_page_and_escalating_with_a_reason(office: Office, browser, check_page) -> None:  # noqa: F811
    _type_id(office)
    reference = office.new_reference("foi")
    client = browser("caseworker")
    page = client.get(f"/cases/{reference}/targets")
    check_page(page, title=f"Targets for {reference}")
    assert "Statutory target" in page.text and "Milestone: Draft response due" in page.text
    action = f"/cases/{reference}/escalate"
    refused = submit(client, f"/cases/{reference}/targets", action, {"reason": "  "})
    check_page(refused, status=422, title=f"Error: Targets for {reference}")
    assert error_summary(refused.text) == [("#reason", "Enter why you are escalating the case")]
    assert get_case(office.factory, reference).escalated is False
    fields = form_fields(client.get(f"/cases/{reference}/targets").text, action)
    done = client.post(action, data={**fields, "reason": "The MP has asked"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith(f"/cases/{reference}")
    again = client.post(action, data={**fields, "reason": "The MP has asked"}, follow_redirects=False)
    assert again.status_code == 303  # the same key: nothing happens twice
    assert get_case(office.factory, reference).escalated is True
    assert banner(client.get(f"/cases/{reference}").text) == "Case escalated"
    with office.factory() as session:
        case = session.scalar(select(Case).where(Case.reference == reference))
        assert case is not None
        assert [e.summary for e in audit.history(session, "case", reference) if e.action == "case.escalated"] == [
            "Escalated by Caseworker: The MP has asked"]


def test_escalating_is_refused_without_csrf_or_for_read_only_staff(office: Office, browser, stranger) -> None:  # noqa: F811
    reference = office.new_reference("foi")
    client = browser("caseworker")
    fields = form_fields(client.get(f"/cases/{reference}/targets").text, f"/cases/{reference}/escalate")
    no_csrf = {k: v for k, v in fields.items() if k != "csrf_token"}
    assert client.post(f"/cases/{reference}/escalate", data={**no_csrf, "reason": "x"}).status_code == 400
    reader = browser("read-only")
    assert "Escalate case" not in reader.get(f"/cases/{reference}/targets").text
    assert reader.post(f"/cases/{reference}/escalate", data={"reason": "x"},
                       headers={"x-csrf-token": "nope"}).status_code in (400, 403)
    assert stranger.get(f"/cases/{reference}/targets", follow_redirects=False).status_code == 303
    assert get_case(office.factory, reference).escalated is False


def test_administrators_configure_reminders_milestones_and_routines(office: Office, browser, check_page) -> None:  # noqa: F811
    type_id = _type_id(office, "complaint")
    base = f"/admin/case-types/{type_id}/automation"
    assert browser("manager").get(base).status_code == 403
    client = browser("administrator")
    page = client.get(base)
    check_page(page, title="Automation: Complaint")
    assert "No response after 21 days" in page.text
    bad = submit(client, base, base + "/reminders", {"applies_to": "case", "amount": "lots", "unit": "hours"})
    check_page(bad, status=422, title="Error: Automation: Complaint")
    assert error_summary(bad.text) == [("#amount", "Enter a whole number from 1 to 10000")]
    assert submit(client, base, base + "/reminders", {"applies_to": "case", "amount": "4", "unit": "hours"}
                  ).status_code == 303
    assert submit(client, base, base + "/milestones", {"milestone_name": "Acknowledged", "milestone_days": "5"}
                  ).status_code == 303
    no_action = submit(client, base, base + "/routines", {"routine_name": "Empty", "trigger": "case_created"})
    assert error_summary(no_action.text) == [("#actions", "Choose at least one action")]
    made = submit(client, base, base + "/routines", {"routine_name": "Welcome", "trigger": "case_created",
                                                      "action_note": "Check the complaint policy.",
                                                      "notify_to": "team", "action_notice": "case_assigned"})
    assert made.status_code == 303
    with office.factory() as session:
        assert (4, "hours") in {(r.amount, r.unit) for r in session.scalars(select(ReminderRule)
                                                                            .where(ReminderRule.case_type_id == type_id))}
        assert [m.name for m in session.scalars(select(Milestone).where(Milestone.case_type_id == type_id))] == [
            "Acknowledged"]
        routine = session.scalar(select(Routine).where(Routine.name == "Welcome"))
        assert routine is not None and routine.actions == [
            {"type": "add_note", "text": "Check the complaint policy."},
            {"type": "notify", "to": ["team"], "notice": "case_assigned"}]
        routine_id = routine.id
    removed = submit(client, base, f"{base}/routine/{routine_id}/remove")
    assert removed.status_code == 303
    with office.factory() as session:
        assert session.get(Routine, routine_id) is None


def test_numbers_in_the_automation_forms_are_ascii_digits(office: Office, browser, check_page) -> None:  # noqa: F811
    """Digits of other scripts (which int() reads, or str.isdigit() takes and int() refuses) are not numbers."""
    type_id = _type_id(office, "complaint")
    base = f"/admin/case-types/{type_id}/automation"
    client = browser("administrator")
    with office.factory() as session:
        before = session.scalar(select(audit.AuditEvent.id).order_by(audit.AuditEvent.id.desc()).limit(1))
    for value in ("²", "٣", "１２", "1_0", "99999999999999999999"):
        forms = [("/limit", {"limit": value}, [("#limit", "Enter a whole number from 1 to 3650")]),
                 ("/reminders", {"applies_to": "case", "amount": value, "unit": "hours"},
                  [("#amount", "Enter a whole number from 1 to 10000")]),
                 ("/milestones", {"milestone_name": "Acknowledged", "milestone_days": value},
                  [("#milestone_days", "Enter a whole number from 1 to 200")])]
        for action, data, expected in forms:
            response = submit(client, base, base + action, data)
            check_page(response, status=422, title="Error: Automation: Complaint")
            assert error_summary(response.text) == expected, (action, value)
    with office.factory() as session:
        assert session.scalar(select(audit.AuditEvent.id).order_by(audit.AuditEvent.id.desc()).limit(1)) == before
