"""What every public app's status page and Atom feed must show, checked the same way for each app: the app's
own service only, public updates only, planned maintenance, the footer link, and a feed feedparser reads
cleanly with RFC 4287's required elements (feedparser alone accepts a feed with no ids or dates)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from xml.etree import ElementTree as ET

import feedparser
from defusedxml import ElementTree as SafeET
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.testclient import TestClient

from backoffice.incidents import incidents as steps
from backoffice.incidents.models import Maintenance
from shared.db import transaction, utcnow
from tests.factories import SYSTEM
from tests.pages import PageChecker, share_templates

A = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True)
class App:
    key: str
    mount: str
    service: str
    name: str
    #: A page of the app other than the status page, to see the footer link on.
    other_page: str = "/"


def required_atom(root: ET.Element) -> None:
    assert root.tag == f"{A}feed"
    for tag in ("id", "title", "updated"):
        assert (root.findtext(f"{A}{tag}") or "").strip(), tag
    assert any(link.get("rel") == "self" for link in root.findall(f"{A}link"))
    for entry in root.findall(f"{A}entry"):
        for tag in ("id", "title", "updated"):
            assert (entry.findtext(f"{A}{tag}") or "").strip(), tag
        assert entry.find(f"{A}link") is not None
        dt.datetime.fromisoformat(entry.findtext(f"{A}updated", ""))


def _raise(factory: sessionmaker[Session], service: str, priority: str, title: str, hours_ago: int) -> str:
    with transaction(factory) as session:
        incident = steps.raise_incident(session, SYSTEM, service=service, priority=priority, title=title,
                                        received_at=utcnow() - dt.timedelta(hours=hours_ago))
        return incident.reference


def _update(factory: sessionmaker[Session], reference: str, text: str, *, public: bool) -> None:
    with transaction(factory) as session:
        steps.post_update(session, SYSTEM, steps.get_incident(session, reference), text=text, public=public)


def check_status_page_and_feed(app: App, runtime_app: Starlette, factory: sessionmaker[Session],
                               check: PageChecker) -> None:
    share_templates(runtime_app)
    with TestClient(runtime_app, base_url="http://testserver", root_path=app.mount,
                    raise_server_exceptions=False) as client:
        empty = client.get(app.mount + "/status.atom")
        assert empty.status_code == 200 and feedparser.parse(empty.content).bozo == 0
        required_atom(SafeET.fromstring(empty.content))
        quiet = client.get(app.mount + "/status")
        check(quiet, title=f"{app.name} service status")
        assert "Operational" in quiet.text and "There are no current incidents." in quiet.text

        reference = _raise(factory, app.service, "P2", "Pages are slow", hours_ago=2)
        _update(factory, reference, "Internal: the cache host is down", public=False)
        _update(factory, reference, "We are fixing slow pages", public=True)
        other = "capture" if app.service != "capture" else "secure_share"
        _raise(factory, other, "P1", "Another service's outage", hours_ago=1)
        with transaction(factory) as session:
            session.add(Maintenance(service=app.service, title="Database upgrade",
                                    starts_at=utcnow() + dt.timedelta(days=2),
                                    ends_at=utcnow() + dt.timedelta(days=2, hours=4), created_by="tests"))

        shown = client.get(app.mount + "/status")
        check(shown, title=f"{app.name} service status")
        text = shown.text
        assert "Degraded performance" in text and "Pages are slow" in text and "We are fixing slow pages" in text
        assert "Internal" not in text and "Another service" not in text
        assert "Database upgrade" in text and f'id="{reference}"' in text
        assert f'href="{app.mount}/status.atom"' in text

        page_url = f"http://testserver{app.mount}/status"
        first = client.get(app.mount + "/status.atom")
        assert first.headers["content-type"].startswith("application/atom+xml")
        parsed = feedparser.parse(first.content)
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        (entry,) = parsed.entries
        assert entry.id == entry.link == f"{page_url}#{reference}"
        assert entry.title == "Investigating: Pages are slow"
        assert "Internal" not in first.text and "Another service" not in first.text
        root = SafeET.fromstring(first.content)
        required_atom(root)
        assert root.findtext(f"{A}id") == f"{page_url}.atom"

        with transaction(factory) as session:  # a later public update: same id, later updated time
            incident = steps.get_incident(session, reference)
            steps.post_update(session, SYSTEM, incident, text="Fixed", public=True,
                              at=utcnow().replace(microsecond=0) + dt.timedelta(seconds=1))
        again = feedparser.parse(client.get(app.mount + "/status.atom").content)
        assert again.entries[0].id == entry.id and again.entries[0].updated > entry.updated

        with transaction(factory) as session:
            steps.resolve(session, SYSTEM, steps.get_incident(session, reference), text="Pages are quick again",
                          at=utcnow().replace(microsecond=0) + dt.timedelta(seconds=2))
        resolved = client.get(app.mount + "/status")
        check(resolved, title=f"{app.name} service status")
        past = resolved.text.split("Past incidents", 1)[1]
        assert "Pages are slow" in past and "Pages are quick again" in past and "Resolved" in past
        assert "Operational" in resolved.text and "There are no current incidents." in resolved.text

        footer = client.get(app.mount + app.other_page)
        assert f'href="{app.mount}/status">Service status</a>' in footer.text

