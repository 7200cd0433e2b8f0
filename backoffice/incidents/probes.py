"""Synthetic probes: every minute the worker uses each service the way a person does, over HTTP to the
suite's own BASE_URL, keeps every result, and opens (once) or notes the recovery of an incident.

Why over HTTP and not a health endpoint: a health endpoint answers while the templates, the search index or
the routing in front of a page are broken; a person's path does not. The addresses come from BASE_URL and
what each app declares to the suite (``shared.apps.public_url``), so the core imports no public app.

The requests are bounded (connect, read, and a total per page), and a round runs its probes side by side
with a hard limit on the whole: a target that accepts and never answers ends as a failure, and the worker
is never held for more than :data:`ROUND_LIMIT_SECONDS`. No HTTP happens inside a database transaction:
the round is run first, then its results are written in one short transaction (on SQLite a transaction
takes the write lock that every web request of the probed service needs).

Probes never create cases and never send email to the public: they read public pages (a request form's
start and first question pages, an unknown share link, the log's search), save one answer as a draft that
is never confirmed (so never a case, and purged with the other drafts), sign in to and download from the
service's own check share (``backoffice.releases.canary``: a share of no case, emailed to nobody), and
write their own results. The
incidents they raise tell the body's major-incident contacts, as any P1 or P2 does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import wait as wait_for
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import httpx
from sqlalchemy import Engine, delete, select, text
from sqlalchemy.orm import Session

from backoffice.casework.urls import MOUNT as BACKOFFICE_MOUNT
from backoffice.disclosures.models import PUBLISHED, Publication
from backoffice.disclosures.paths import LOG_HOME_PAGE
from backoffice.incidents import incidents
from backoffice.incidents.models import Incident, ProbeResult
from backoffice.incidents.service_levels import Priority, Service
from backoffice.releases.canary import Canary
from backoffice.releases.sending import SHARE_PAGE
from shared import audit
from shared.apps import public_url
from shared.db import is_postgres, read_only, utcnow
from shared.errors import Conflict, InvalidInput
from shared.settings import Settings

#: A page slower than this worked, but is "slow" (the seed's P2 example: screens taking over 30 seconds).
SLOW_SECONDS = 30.0
#: Consecutive bad results that open an incident (Uptime Kuma's retries): one blip is not an outage.
FAILURES_TO_RAISE = 3
#: Probe results older than this are deleted: a year of availability and its comparison month are kept.
KEEP_RESULTS = dt.timedelta(days=400)
#: A publication the log's search must find was published at least this long ago (the index has caught up).
INDEXED_AFTER = dt.timedelta(minutes=10)
#: The most a whole round may take: well under the minute between rounds.
ROUND_LIMIT_SECONDS = 50.0
DETAIL_LIMIT = 500
#: The PostgreSQL advisory lock that keeps two rounds from recording at once (two workers, a late round): each
#: would otherwise see no open incident and raise its own. SQLite's one write lock does the same there.
RECORDING_LOCK = 0x16_0B_E5
USER_AGENT = "civic-probe/1 (synthetic monitoring)"
log = logging.getLogger(__name__)
ACTOR = audit.Actor(type="system", label="probe")


class Outcome(StrEnum):
    PASS = "pass"  # noqa: S105 - an outcome, not a password
    SLOW = "slow"
    PARTIAL = "partial"
    FAIL = "fail"

    @property
    def bad(self) -> bool:
        return self is not Outcome.PASS


@dataclass(frozen=True)
class Limits:
    """How long a probe waits: per connection, per read, per page in all, and when a page counts as slow."""

    connect: float = 5.0
    read: float = 40.0
    page: float = 45.0
    slow: float = SLOW_SECONDS
    round: float = ROUND_LIMIT_SECONDS
    body_bytes: int = 2_000_000


@dataclass(frozen=True)
class Check:
    """One step of a probe. A ``main`` step failing means the service's primary function is lost (fail);
    any other failing while the main ones work is a part (partial)."""

    name: str
    ok: bool
    seconds: float
    note: str = ""
    main: bool = True


@dataclass(frozen=True)
class Finding:
    """One service's result for one round, before it is stored."""

    service: Service
    at: dt.datetime
    outcome: Outcome
    duration_ms: int
    detail: str
    checks: tuple[Check, ...] = field(default=())


class ProbeFailed(Exception):
    """A step did not get the answer it needed; the message says what was seen instead."""


@dataclass(frozen=True)
class Page:
    url: str
    status: int
    text: str
    seconds: float
    #: Where a redirect that was not followed (a form's answer) leads.
    location: str = ""
    content: bytes = b""


def fetch(client: httpx.Client, url: str, limits: Limits, form: dict[str, str] | None = None) -> Page:
    """GET a page (or POST ``form``) within the page limit, whatever the server does: a server dripping a
    byte at a time is cut off at the limit, not waited for read by read. A GET's redirects are followed on
    the same host only; a POST's answer is returned as it is (its redirect says where the form went)."""
    started = time.monotonic()
    deadline = started + limits.page
    host = urlsplit(url).netloc
    for _ in range(5):
        try:
            request = client.build_request("POST", url, data=form) if form is not None \
                else client.build_request("GET", url)
            response = client.send(request, stream=True)
            try:
                if form is None and response.is_redirect and "location" in response.headers:
                    target = urljoin(url, response.headers["location"])
                    if urlsplit(target).netloc != host:
                        raise ProbeFailed(f"redirected away to {target[:100]}")
                    url = target
                    continue
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if time.monotonic() > deadline:
                        raise ProbeFailed(f"no whole answer within {limits.page:g} s")
                    if len(body) > limits.body_bytes:
                        raise ProbeFailed(f"answer larger than {limits.body_bytes:,} bytes")
                text = body.decode(response.encoding or "utf-8", "replace")
                location = urljoin(url, response.headers.get("location", ""))
                return Page(url=url, status=response.status_code, text=text, seconds=time.monotonic() - started,
                            location=location if "location" in response.headers else "", content=bytes(body))
            finally:
                response.close()
        except httpx.TimeoutException as exc:
            raise ProbeFailed(f"timed out ({type(exc).__name__}) after {time.monotonic() - started:.1f} s") from exc
        except httpx.HTTPError as exc:
            raise ProbeFailed(f"{type(exc).__name__}: {str(exc)[:120] or 'no answer'}") from exc
    raise ProbeFailed("too many redirects")


def _h1(text: str) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", text, re.S)
    return re.sub(r"<[^>]+>|\s+", " ", found.group(1)).strip() if found else ""


class Steps:
    """The steps of one probe, in order: each probe stops where what follows needs a step that failed."""

    def __init__(self, client: httpx.Client, limits: Limits) -> None:
        self.client, self.limits = client, limits
        self.checks: list[Check] = []

    def page(self, name: str, url: str, expect: Callable[[Page], str | None], main: bool = True,
             form: dict[str, str] | None = None) -> Page | None:
        """Fetch ``url`` (POST ``form``, when given); ``expect`` returns what is wrong with the page, or None
        when it is as designed."""
        started = time.monotonic()
        try:
            page = fetch(self.client, url, self.limits, form)
        except ProbeFailed as exc:
            self.checks.append(Check(name, False, time.monotonic() - started, str(exc), main))
            return None
        wrong = expect(page)
        self.checks.append(Check(name, wrong is None, page.seconds, wrong or f"{page.status}", main))
        return page if wrong is None else None


def renders(status: int, heading: str | None = None) -> Callable[[Page], str | None]:
    """The page answers ``status`` with its h1 (or any h1) — what a person would see, not just a status."""
    def expect(page: Page) -> str | None:
        if page.status != status:
            return f"HTTP {page.status}, expected {status}"
        seen = _h1(page.text)
        if not seen or (heading is not None and heading.lower() not in seen.lower()):
            return f"HTTP {page.status} without the heading {heading or '(any)'!r} (saw {seen[:60]!r})"
        return None
    return expect


def refused(page: Page) -> str | None:
    """Anonymous access is refused: anything but the documents themselves, and not a server error."""
    if page.status == 200 or page.status >= 500:
        return f"HTTP {page.status}: anonymous access was not refused as designed"
    return None


def _link(page: Page, pattern: str) -> str | None:
    found = re.search(r'href="(' + pattern + r')"', page.text)
    return urljoin(page.url, found.group(1)) if found else None


def probe_case_management(steps: Steps, target: Target) -> None:
    """The staff sign-in page renders (the database's write is checked when the round is recorded)."""
    steps.page("sign-in page", target.settings.url(f"{BACKOFFICE_MOUNT}/sign-in"), renders(200, "Sign in"))


#: What the probe answers a request form's text questions with: a draft that says what it is.
PROBE_ANSWER = "Synthetic probe (not a request)"
#: Pages a form may go to next that record what a requester was shown: opened by people only.
NOT_OPENED = ("/published-answers", "/suggestions")


def _form_of(page: Page) -> tuple[str, dict[str, str]] | None:
    """The page's form: where it posts and the answers a person would give to its text questions (the
    hidden honeypot group, which a person never sees, left empty)."""
    found = re.search(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", page.text, re.S | re.I)
    if found is None:
        return None
    action = re.search(r'action="([^"]*)"', found.group(0)[:300])
    body = re.sub(r"<div[^>]*\bhidden\b[^>]*>.*?</div>", "", found.group(1), flags=re.S)
    answers = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', body))
    for tag in re.findall(r"<input\b[^>]*>", body):
        name = re.search(r'name="([^"]+)"', tag)
        if name and re.search(r'type="(text|email|tel)"', tag) and 'tabindex="-1"' not in tag:
            answers[name.group(1)] = "probe@example.invalid" if 'type="email"' in tag else PROBE_ANSWER
    for name in re.findall(r'<textarea[^>]*name="([^"]+)"', body):
        answers[name] = PROBE_ANSWER
    return urljoin(page.url, action.group(1) if action else page.url), answers


def draft_saved(question_url: str) -> Callable[[Page], str | None]:
    """The answer was kept: the form moves on to another page (not back to itself, not "check your email",
    where a form caught as a robot's is sent)."""
    def expect(page: Page) -> str | None:
        if page.status != 303 or not page.location:
            return f"HTTP {page.status}, expected 303 to the next page"
        moved_to = urlsplit(page.location).path
        if moved_to == urlsplit(question_url).path or moved_to.endswith("/check-your-email"):
            return f"the form went to {moved_to} instead of the next page"
        return None
    return expect


def probe_capture(steps: Steps, target: Target) -> None:
    """The front page lists the FOI form, its start page renders and leads to the first question, which
    renders with its form; the first answer is saved as a draft and the next page renders from it.

    The draft is a draft like any other: it never becomes a case (that needs its email confirmed, and the
    probe never reaches check your answers) and it is purged with the other drafts after their lifetime."""
    home = steps.page("front page", target.settings.url("/"), renders(200))
    if home is None:
        return
    start_url = _link(home, r"[^\"]*/request/foi")
    if start_url is None:
        steps.checks.append(Check("FOI start page", False, 0.0, "the front page has no link to the FOI form"))
        return
    start = steps.page("FOI start page", start_url, renders(200))
    if start is None:
        return
    first = _link(start, re.escape(urlsplit(start_url).path) + r"/[a-z0-9_-]+")
    if first is None:
        steps.checks.append(Check("first question", False, 0.0, "the start page does not lead to a question"))
        return
    question = steps.page("first question", first, lambda page: renders(200)(page) or (
        None if 'name="csrf_token"' in page.text else "the question page has no form"))
    form = _form_of(question) if question is not None else None
    if question is not None and form is not None:
        saved = steps.page("draft saved", form[0], draft_saved(first), form=form[1])
        # Published answers offered to a requester are counted (deflection): the probe does not open them.
        if saved is not None and not urlsplit(saved.location).path.endswith(NOT_OPENED):
            steps.page("next page from the draft", saved.location, renders(200))
    steps.page("progress page", public_url(target.settings, "request-progress"), renders(200), main=False)


@dataclass(frozen=True)
class Known:
    """A published response the log's search must return: the canary, taken from the log itself."""

    reference: str
    title: str


def known_publication(bind: Engine, now: dt.datetime | None = None) -> Known | None:
    """The newest publication published long enough ago to be in the index, read before the round in a
    read-only session of its own (no lock held while the probes wait on HTTP); None when the log is empty
    or the database cannot be read (the case management probe reports that)."""
    cutoff = (now or utcnow()) - INDEXED_AFTER
    try:
        with Session(bind=bind) as reader:
            read_only(reader)
            row = reader.execute(select(Publication.reference, Publication.title)
                                 .where(Publication.status == PUBLISHED, Publication.first_published_at <= cutoff)
                                 .order_by(Publication.first_published_at.desc(), Publication.id.desc())
                                 .limit(1)).first()
    except Exception:  # noqa: BLE001 - without a known publication the search is still probed
        return None
    return Known(reference=row.reference, title=row.title) if row else None


@dataclass(frozen=True)
class Target:
    """What a probe is pointed at: the suite's addresses, and what the log's search must find."""

    settings: Settings
    known: Known | None = None
    canary: Canary | None = None


def finds(known: Known | None) -> Callable[[Page], str | None]:
    """The search results page renders and, when the log has a publication, lists it."""
    def expect(page: Page) -> str | None:
        wrong = renders(200, "Search")(page)
        if wrong is None and known is not None and known.reference not in page.text:
            return f"the search for {known.title[:60]!r} did not return {known.reference}"
        return wrong
    return expect


def probe_disclosure_log(steps: Steps, target: Target) -> None:
    """The home page renders and a search returns a known publication (any search, when the log is empty);
    the feed is a part."""
    home_url = public_url(target.settings, LOG_HOME_PAGE)
    if steps.page("home page", home_url, renders(200)) is None:
        return
    words = target.known.title if target.known else "request"
    steps.page("search", urljoin(home_url, "search?" + urlencode({"text": words})), finds(target.known))
    steps.page("Atom feed", urljoin(home_url, "feed.atom"),
               lambda page: None if page.status == 200 and "<feed" in page.text else f"HTTP {page.status}",
               main=False)


def probe_secure_share(steps: Steps, target: Target) -> None:
    """A share link's page answers as designed for a link that is not valid (the token looked up, the
    designed "not found" page), and a share's documents are refused to someone not signed in; then the
    service's check share is opened, signed in to and its document downloaded with the right checksum."""
    link = public_url(target.settings, SHARE_PAGE).rstrip("/") + "/" + secrets.token_urlsafe(32)
    steps.page("share link page", link, renders(404, "Page not found"))
    steps.page("documents, anonymously", link + "/documents", refused)
    if target.canary is not None:
        download_check_document(steps, target, target.canary)


def _moved_to(ending: str) -> Callable[[Page], str | None]:
    def expect(page: Page) -> str | None:
        if page.status != 303 or not urlsplit(page.location).path.endswith(ending):
            return f"HTTP {page.status}, expected 303 to …{ending} (to {urlsplit(page.location).path or 'nowhere'})"
        return None
    return expect


def _has_checksum(sha256: str) -> Callable[[Page], str | None]:
    def expect(page: Page) -> str | None:
        if page.status != 200:
            return f"HTTP {page.status}, expected 200"
        got = hashlib.sha256(page.content).hexdigest()
        return None if got == sha256 else f"{len(page.content)} bytes with SHA-256 {got[:12]}…, expected {sha256[:12]}…"
    return expect


def download_check_document(steps: Steps, target: Target, canary: Canary) -> None:
    """Secure Share's primary function as a requester does it: the link, the email address, the documents
    page, the download (its bytes checked), and signing out (a part: the session would end by itself)."""
    if not canary.ready:  # made a moment ago: ClamAV has not passed it yet, unless scanning has stopped
        steps.checks.append(Check("check document", not canary.scan_overdue(utcnow()), 0.0,
                                  "waiting for its virus scan", main=False))
        return
    link = public_url(target.settings, SHARE_PAGE).rstrip("/") + "/" + canary.token
    landing = steps.page("check share's link", link, renders(200))
    form = _form_of(landing) if landing is not None else None
    if landing is None or form is None:
        if landing is not None:
            steps.checks.append(Check("email confirmed", False, 0.0, "the link page has no form"))
        return
    signed_in = steps.page("email confirmed", form[0], _moved_to("/documents"), form={**form[1], "email": canary.email})
    documents = steps.page("documents page", signed_in.location, renders(200)) if signed_in is not None else None
    if documents is None:
        return
    download = _link(documents, re.escape(urlsplit(documents.url).path) + r"/\d+")
    if download is None:
        steps.checks.append(Check("document downloaded", False, 0.0, "the documents page offers no document"))
        return
    steps.page("document downloaded", download, _has_checksum(canary.sha256))
    sign_out = _form_of(documents)
    if sign_out is not None:
        steps.page("signed out", sign_out[0], _moved_to(urlsplit(link).path), form=sign_out[1], main=False)


PROBES: dict[Service, Callable[[Steps, Target], None]] = {
    Service.CASE_MANAGEMENT: probe_case_management,
    Service.CAPTURE: probe_capture,
    Service.DISCLOSURE_LOG: probe_disclosure_log,
    Service.SECURE_SHARE: probe_secure_share,
}


def outcome_of(checks: Sequence[Check], limits: Limits) -> Outcome:
    if not checks or any(not c.ok and c.main for c in checks):
        return Outcome.FAIL
    if any(not c.ok for c in checks):
        return Outcome.PARTIAL
    if any(c.seconds > limits.slow for c in checks):
        return Outcome.SLOW
    return Outcome.PASS


def describe(checks: Sequence[Check], limits: Limits) -> str:
    """Each step in a few words, the bad ones first: the evidence an incident shows."""
    def words(check: Check) -> str:
        state = "ok" if check.ok else "FAILED"
        if check.ok and check.seconds > limits.slow:
            state = "SLOW"
        return f"{check.name}: {state} in {check.seconds:.1f} s ({check.note})" if check.note else \
            f"{check.name}: {state} in {check.seconds:.1f} s"
    ordered = sorted(checks, key=lambda c: (c.ok and c.seconds <= limits.slow))
    return "; ".join(words(c) for c in ordered)[:DETAIL_LIMIT]


def probe(service: Service, settings: Settings, limits: Limits, known: Known | None = None,
          progress: list[Check] | None = None, canary: Canary | None = None) -> Finding:
    """One service's probe; its steps are appended to ``progress`` as they end, so a round that cannot
    wait for the rest still knows what was seen."""
    at = utcnow().replace(microsecond=0)
    started = time.monotonic()
    timeout = httpx.Timeout(connect=limits.connect, read=limits.read, write=limits.read, pool=limits.connect)
    with httpx.Client(timeout=timeout, headers={"User-Agent": USER_AGENT}, follow_redirects=False) as client:
        steps = Steps(client, limits)
        if progress is not None:
            steps.checks = progress
        try:
            PROBES[service](steps, Target(settings, known, canary))
        except Exception as exc:  # noqa: BLE001 - a probe's own fault is a failed result, never a lost one
            steps.checks.append(Check("probe", False, time.monotonic() - started, f"{type(exc).__name__}: {exc}"))
    checks = tuple(steps.checks)
    return Finding(service=service, at=at, outcome=outcome_of(checks, limits),
                   duration_ms=int((time.monotonic() - started) * 1000), detail=describe(checks, limits),
                   checks=checks)


def cut_short(service: Service, at: dt.datetime, seen: Sequence[Check], limits: Limits) -> Finding:
    """A probe still running at the round's limit. Its steps so far say which: slow, when they all worked
    and one was already slow (slow pages explain the overrun: P2's "screens taking over 30 seconds"),
    else a failure (a step that never answers)."""
    slow = bool(seen) and all(c.ok for c in seen) and any(c.seconds > limits.slow for c in seen)
    unfinished = Check("the rest", False, limits.round, f"not finished within the round's limit of {limits.round:g} s",
                       main=not slow)
    checks = (*seen, unfinished)
    return Finding(service=service, at=at, outcome=Outcome.SLOW if slow else Outcome.FAIL,
                   duration_ms=int(limits.round * 1000), detail=describe(checks, limits), checks=checks)


def _in_background(run: Callable[..., Finding], *args: Any) -> Future[Finding]:
    """``run(*args)`` in a daemon thread of its own. Not a ThreadPoolExecutor: Python joins an executor's
    threads when it exits, so a probe waiting out its read timeouts on a server that accepted the connection
    and never answers (one that failed to start, say) would hold ``civic serve`` open for minutes after it
    was told to stop."""
    future: Future[Finding] = Future()

    def work() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(run(*args))
        except BaseException as exc:  # noqa: BLE001 - handed to whoever reads the future
            future.set_exception(exc)

    threading.Thread(target=work, name="probe", daemon=True).start()
    return future


def run_round(settings: Settings, limits: Limits | None = None, services: Sequence[Service] = tuple(PROBES),
              known: Known | None = None, canary: Canary | None = None) -> list[Finding]:
    """Every service's probe side by side. A probe still running at the round's limit is judged on what it
    saw (:func:`cut_short`) and left to end by its own timeouts in a thread nobody waits for: the worker
    moves on."""
    limits = limits or Limits()
    at = utcnow().replace(microsecond=0)
    progress: dict[Service, list[Check]] = {s: [] for s in services}
    futures = {s: _in_background(probe, s, settings, limits, known, progress[s], canary) for s in services}
    wait_for(list(futures.values()), timeout=limits.round)
    return [future.result() if future.done() and not future.cancelled()
            else cut_short(service, at, list(progress[service]), limits) for service, future in futures.items()]


# The decision ---------------------------------------------------------------------------------------------

class Action(StrEnum):
    NOTHING = "nothing"
    RAISE = "raise"
    ESCALATE = "escalate"
    NOTE_RECOVERY = "note_recovery"
    NOTE_RELAPSE = "note_relapse"


@dataclass(frozen=True)
class Decision:
    action: Action
    priority: Priority | None = None


def decide(recent: Sequence[Outcome], open_priority: Priority | None, recovery_noted: bool = False) -> Decision:
    """What the latest results (oldest first) call for, given the probe's open incident (its priority).

    Three bad results in a row open an incident: P1 when all three failed, else P2 (slow or partial: the
    primary function still works). With one open, no second is raised; a P2 whose service now fails
    outright three times is raised to P1; the first pass after it is noted for a person to confirm, and
    three bad results after that note withdraw it (the service is not back after all).
    """
    if not recent:
        return Decision(Action.NOTHING)
    last = list(recent[-FAILURES_TO_RAISE:])
    run_of_bad = len(last) == FAILURES_TO_RAISE and all(o.bad for o in last)
    priority = Priority.P1 if run_of_bad and all(o is Outcome.FAIL for o in last) else Priority.P2
    if open_priority is None:
        return Decision(Action.RAISE, priority) if run_of_bad else Decision(Action.NOTHING)
    if recent[-1] is Outcome.PASS:
        return Decision(Action.NOTHING) if recovery_noted else Decision(Action.NOTE_RECOVERY)
    if run_of_bad and recovery_noted:
        return Decision(Action.NOTE_RELAPSE, priority)
    if run_of_bad and priority is Priority.P1 and open_priority is not Priority.P1:
        return Decision(Action.ESCALATE, Priority.P1)
    return Decision(Action.NOTHING)


def _evidence_line(result: ProbeResult) -> str:
    return f"{result.at:%Y-%m-%d %H:%M:%S} UTC {result.outcome} in {result.duration_ms} ms: {result.detail}"


def check_database_write(session: Session) -> Check:
    """The database takes a write: a row written and rolled back in a savepoint, timed."""
    started = time.monotonic()
    try:
        nested = session.begin_nested()
        try:
            session.add(ProbeResult(service=Service.CASE_MANAGEMENT.value, at=utcnow(), outcome="write",
                                    duration_ms=0, detail="the probe's write check (rolled back)"))
            session.flush()
        finally:
            nested.rollback()
    except Exception as exc:  # noqa: BLE001 - the failure is the finding
        return Check("database write", False, time.monotonic() - started, f"{type(exc).__name__}: {exc}"[:200])
    return Check("database write", True, time.monotonic() - started)


SEVERITY = (Outcome.PASS, Outcome.SLOW, Outcome.PARTIAL, Outcome.FAIL)


def with_check(finding: Finding, check: Check, limits: Limits) -> Finding:
    """The finding with one more step: its outcome the worse of the two (a finding the round's limit cut
    short has no steps, and stays a failure)."""
    checks = (*finding.checks, check)
    outcome = max(finding.outcome, outcome_of([check], limits), key=SEVERITY.index)
    detail = describe([check], limits) + "; " + finding.detail if not check.ok else \
        finding.detail + "; " + describe([check], limits)
    return Finding(service=finding.service, at=finding.at, outcome=outcome,
                   duration_ms=finding.duration_ms + int(check.seconds * 1000), detail=detail[:DETAIL_LIMIT],
                   checks=checks)


def record_round(session: Session, findings: Sequence[Finding], limits: Limits | None = None) -> list[Incident]:
    """Keep every result and act on each service's latest ones; returns the incidents raised or changed.

    Case management's result also carries the database write check, done here in the caller's transaction.
    """
    limits = limits or Limits()
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": RECORDING_LOCK})
    touched: list[Incident] = []
    for finding in findings:
        if finding.service is Service.CASE_MANAGEMENT:
            finding = with_check(finding, check_database_write(session), limits)
        session.add(ProbeResult(service=finding.service.value, at=finding.at, outcome=finding.outcome.value,
                                duration_ms=finding.duration_ms, detail=finding.detail[:DETAIL_LIMIT]))
        session.flush()
        incident = act(session, finding.service)
        if incident is not None:
            touched.append(incident)
    return touched


def latest_results(session: Session, service: Service, count: int = FAILURES_TO_RAISE) -> list[ProbeResult]:
    """The service's latest results, oldest first."""
    rows = session.scalars(select(ProbeResult).where(ProbeResult.service == service.value)
                           .order_by(ProbeResult.at.desc(), ProbeResult.id.desc()).limit(count))
    return list(reversed(list(rows)))


def act(session: Session, service: Service) -> Incident | None:
    """The domain step: what :func:`decide` says, through the incident steps (which email the contacts)."""
    results = latest_results(session, service)
    open_incident = incidents.open_probe_incident(session, service)
    decision = decide([Outcome(r.outcome) for r in results],
                      Priority(open_incident.priority) if open_incident else None,
                      recovery_noted=bool(open_incident and open_incident.probe_recovered_at))
    if decision.action is Action.NOTHING:
        return None
    try:
        with session.begin_nested():  # a step the incident refuses leaves the results recorded
            return _carry_out(session, service, decision, results, open_incident)
    except (InvalidInput, Conflict) as exc:
        log.warning("probe %s: %s refused: %s", service.value, decision.action.value, exc)
        return None


def _carry_out(session: Session, service: Service, decision: Decision, results: list[ProbeResult],
               open_incident: Incident | None) -> Incident | None:
    evidence = "\n".join(_evidence_line(r) for r in results)
    if decision.action is Action.RAISE and decision.priority is not None:
        what = "is failing" if decision.priority is Priority.P1 else "is slow or partly failing"
        return incidents.raise_incident(
            session, ACTOR, service=service.value, priority=decision.priority.value,
            title=f"{service.label} {what} (synthetic probe)", affected=f"{service.label}: the probe's path",
            received_at=results[0].at, probe=service.value,
            evidence=f"{FAILURES_TO_RAISE} probe results in a row were bad:\n{evidence}")
    if open_incident is None:
        return None
    if decision.action is Action.ESCALATE:
        return incidents.reprioritise(session, ACTOR, open_incident, priority=Priority.P1.value,
                                      reason=f"The probe now sees {service.label} fail outright:\n{evidence}")
    if decision.action is Action.NOTE_RECOVERY:
        incidents.note_probe_recovery(session, ACTOR, open_incident,
                                      f"The probe passed again; confirm and resolve:\n{_evidence_line(results[-1])}")
        return open_incident
    if decision.action is Action.NOTE_RELAPSE:
        open_incident.probe_recovered_at = None  # the next pass is noted again
        incidents.post_update(session, ACTOR, open_incident, public=False,
                              text=f"The probe sees {service.label} failing again since it passed:\n{evidence}")
        return open_incident
    return None


def sweep_results(session: Session, now: dt.datetime | None = None) -> int:
    """Delete results older than :data:`KEEP_RESULTS`, so a minute's probes stay a bounded table."""
    cutoff = (now or utcnow()) - KEEP_RESULTS
    result = session.execute(delete(ProbeResult).where(ProbeResult.at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)

