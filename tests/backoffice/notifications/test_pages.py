"""The administrators' pages: switches, the wording editor with its preview, the group switch, the contacts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from backoffice.notifications import Notice, NotificationSetting
from backoffice.notifications.options import group_emails_on
from backoffice.organisation.body import get_organisation
from backoffice.organisation.contacts import contacts
from backoffice.staff.accounts import Role
from shared import audit
from tests.backoffice.notifications.conftest import Browser, Site

PAGES = ("/admin/notifications", "/admin/notifications/{foi}", "/admin/notifications/{foi}/case_closed",
         "/admin/contacts")


def settings_rows(site: Site) -> list[NotificationSetting]:
    with site.factory() as session:
        return list(session.scalars(select(NotificationSetting).order_by(NotificationSetting.notice)))


def actions(site: Site, action: str) -> list[audit.AuditEvent]:
    with site.factory() as session:
        return list(session.scalars(select(audit.AuditEvent).where(audit.AuditEvent.action == action)))


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CASEWORKER, Role.READ_ONLY])
def test_only_administrators(role: Role, site: Site, browser: Callable[[Role], Browser], check_page) -> None:
    someone = browser(role)
    for path in PAGES:
        check_page(someone.get(path.format(foi=site.foi_id)), status=403)
        check_page(someone.post(path.format(foi=site.foi_id), {"action": "save"}), status=403)
    assert settings_rows(site) == []


def test_switching_notifications_for_a_type(site: Site, browser: Callable[[Role], Browser], check_page) -> None:
    admin = browser(Role.ADMINISTRATOR)
    check_page(admin.get("/admin/notifications"), title="Notifications – Case management – Testshire Council")
    path = f"/admin/notifications/{site.foi_id}"
    page = admin.get(path)
    check_page(page)
    assert page.text.count('name="notices"') == len(Notice) and page.text.count("checked") == len(Notice)
    everything_but_closing = [n.value for n in Notice if n is not Notice.CASE_CLOSED]
    response = admin.post(path, {"notices": everything_but_closing})
    assert response.status_code == 303 and response.headers["location"] == path + "?saved=yes"
    check_page(admin.get(path + "?saved=yes"))
    assert [(r.notice, r.enabled) for r in settings_rows(site)] == [("case_closed", False)]
    [entry] = actions(site, "notifications.switched")
    assert entry.summary == "Freedom of Information request notifications: A case is closed off"
    admin.post(path, {"notices": everything_but_closing})  # the same again: no change, no audit
    assert len(actions(site, "notifications.switched")) == 1
    check_page(admin.get("/admin/notifications/9999"), status=404)
    check_page(admin.get(f"{path}/no_such_notice"), status=404)


def test_the_wording_editor_previews_refuses_saves_and_resets(site: Site, browser: Callable[[Role], Browser],
                                                            check_page) -> None:
    admin = browser(Role.ADMINISTRATOR)
    path = f"/admin/notifications/{site.foi_id}/case_closed"
    page = admin.get(path)
    check_page(page, title="A case is closed – Freedom of Information request – Case management – Testshire Council")
    assert "Closed: {reference}" in page.text and "{requester_name}" in page.text  # the wording and the placeholders
    draft = {"subject": "Done: {reference}", "body": "Closed for {requester_name} by {actor}."}

    preview = admin.post(path, {**draft, "action": "preview"})
    check_page(preview, title="A case is closed – Freedom of Information request – Case management – Testshire Council")
    assert '<span id="preview-subject">Done: FOI-' in preview.text
    assert "Closed for Sam Jones by Mo Manager." in preview.text and 'value="Done: {reference}"' in preview.text
    assert settings_rows(site) == []  # a preview stores nothing

    refused = admin.post(path, {"subject": "Done {colour}", "body": "{reference", "action": "save"})
    check_page(refused, status=422, title="Error: A case is closed – Freedom of Information request – Case management – Testshire Council")
    assert "The subject uses {colour}, which is not a placeholder" in refused.text
    assert "The message has a { without a matching }" in refused.text and 'href="#subject"' in refused.text
    also_refused = admin.post(path, {"subject": "Done {colour}", "body": "x", "action": "preview"})
    check_page(also_refused, status=422)
    assert 'id="preview"' not in also_refused.text
    assert settings_rows(site) == []

    saved = admin.post(path, {**draft, "action": "save"})
    assert saved.status_code == 303 and saved.headers["location"] == path + "?saved=yes"
    [row] = settings_rows(site)
    assert (row.subject, row.body, row.enabled) == ("Done: {reference}", "Closed for {requester_name} by {actor}.\n", True)
    page = admin.get(path + "?saved=yes")
    check_page(page)
    assert "The wording has been saved." in page.text and "Go back to the standard wording" in page.text

    assert admin.post(path, {"action": "reset"}).status_code == 303
    [row] = settings_rows(site)
    assert (row.subject, row.body) == (None, None)
    assert [e.action for e in actions(site, "notifications.wording_changed") + actions(site, "notifications.wording_reset")] \
        == ["notifications.wording_changed", "notifications.wording_reset"]
    assert "Closed: {reference}" in admin.get(path).text


def test_the_global_switch_for_group_emails(site: Site, browser: Callable[[Role], Browser], check_page) -> None:
    admin = browser(Role.ADMINISTRATOR)
    refused = admin.post("/admin/notifications", {})
    check_page(refused, status=422, title="Error: Notifications – Case management – Testshire Council")
    assert admin.post("/admin/notifications", {"group_emails": "off"}).status_code == 303
    with site.factory() as session:
        assert not group_emails_on(session)
    page = admin.get("/admin/notifications?saved=yes")
    check_page(page)
    assert 'value="off" checked' in page.text
    assert len(actions(site, "notifications.group_emails_changed")) == 1


def test_the_contacts_page_checks_every_line_and_audits(site: Site, browser: Callable[[Role], Browser],
                                                     check_page) -> None:
    admin = browser(Role.ADMINISTRATOR)
    check_page(admin.get("/admin/contacts"), title="Contacts – Case management – Testshire Council")
    bad = {"domains": "testshire.gov.uk\nnot a domain", "release_note_recipients": "ok@example.gov.uk\nnope",
           "undelivered_digest_recipients": "IG@Example.gov.uk", "major_incident_contacts": "",
           "service_report_recipients": "a@b"}
    refused = admin.post("/admin/contacts", bad)
    check_page(refused, status=422, title="Error: Contacts – Case management – Testshire Council")
    assert "Line 2 of the staff email domains, “not a domain”, is not a domain" in refused.text
    assert "Line 2 of release-note recipients, “nope”, is not an email address" in refused.text
    assert "Line 1 of service-report recipients" in refused.text and "nope</textarea>" in refused.text
    with site.factory() as session:
        assert contacts(session).lists["undelivered_digest_recipients"] == ()  # all or nothing

    good = {**bad, "domains": "Testshire.gov.uk\n\n@example.gov.uk", "release_note_recipients": "ok@example.gov.uk",
            "service_report_recipients": "reports@example.gov.uk\nreports@example.gov.uk"}
    response = admin.post("/admin/contacts", good)
    assert response.status_code == 303 and response.headers["location"] == "/admin/contacts?saved=yes"
    page = admin.get("/admin/contacts?saved=yes")
    check_page(page)
    with site.factory() as session:
        saved = contacts(session)
        assert saved.domains == ("example.gov.uk", "testshire.gov.uk")
        assert saved.lists == {"release_note_recipients": ("ok@example.gov.uk",),
                               "undelivered_digest_recipients": ("ig@example.gov.uk",),
                               "major_incident_contacts": (), "service_report_recipients": ("reports@example.gov.uk",)}
        assert get_organisation(session).contacts["release_note_recipients"] == ["ok@example.gov.uk"]
    changed = actions(site, "organisation.contacts_changed")
    assert sorted(e.detail["list"] for e in changed) == ["release_note_recipients", "service_report_recipients",
                                                       "undelivered_digest_recipients"]
    assert len(actions(site, "organisation.staff_domains_changed")) == 1
    admin.post("/admin/contacts", good)  # saved again unchanged: nothing more in the audit log
    assert len(actions(site, "organisation.contacts_changed")) == 3
