"""The service's check share: made, renewed and replaced as the probe needs it, left out of everything a case
is in, and downloaded by the probe through Secure Share's real path with its checksum checked (real server,
real clamd)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice import plugin
from backoffice.cases.models import Case
from backoffice.incidents import jobs as incident_jobs
from backoffice.incidents import probes
from backoffice.incidents.models import ProbeResult
from backoffice.incidents.probes import Outcome
from backoffice.incidents.service_levels import Service
from backoffice.releases import canary, secrets
from backoffice.releases.jobs import handle_sweep as share_sweep
from backoffice.releases.models import Share, ShareEvent, ShareSession
from shared import files, jobs
from shared.audit import AuditEvent
from shared.db import transaction, utcnow
from shared.files import CLEAN, QUARANTINED, StoredFile, file_path
from shared.mail.models import OutboxMessage
from shared.runtime import Runtime
from shared.search.indexes import forget_engines
from shared.serve import create_suite
from shared.settings import Settings
from tests.conftest import SPECS
from tests.factories import seed_body
from tests.shared.live import serving


def live_canary(session: Session) -> list[Share]:
    return list(session.scalars(select(Share).where(Share.case_id.is_(None), Share.revoked_at.is_(None))))


def test_the_token_is_the_secret_keys_own_and_only_its_digest_is_kept(runtime: Runtime) -> None:
    settings = runtime.settings
    token = canary.token_for(settings)
    assert secrets.looks_like_token(token) and token != canary.token_for(
        dataclasses.replace(settings, secret_key=settings.secret_key + "x"))
    with transaction(runtime.factory) as session:
        made = canary.ensure(session, settings)
    assert made is not None and not made.ready and made.sha256 == canary.SHA256
    with runtime.factory() as session:
        [share] = live_canary(session)
        assert share.token_hash == secrets.digest(token) and token not in repr(share.__dict__)
        assert secrets.email_matches(share.email_hash, canary.EMAIL)
        [stored] = session.scalars(select(StoredFile)).all()
        assert stored.status == QUARANTINED  # offered only once ClamAV passes it
        assert canary.current(session, settings, utcnow()) == made
        assert session.scalar(select(func.count()).select_from(Case)) == 0
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_it_is_renewed_before_any_reminder_and_replaced_when_the_secret_key_changes(runtime: Runtime) -> None:
    settings = runtime.settings
    with transaction(runtime.factory) as session:
        canary.ensure(session, settings)
    later = utcnow() + canary.LIFETIME - canary.RENEW_WITHIN + dt.timedelta(hours=1)
    with transaction(runtime.factory) as session:
        assert canary.current(session, settings, later) is None  # due for renewal
        canary.ensure(session, settings, later)
        [share] = live_canary(session)
        assert share.expires_at == later + canary.LIFETIME
    rotated = dataclasses.replace(settings, secret_key="another secret key of at least 128 bits!!")
    with transaction(runtime.factory) as session:
        assert canary.current(session, rotated, later) is None
        canary.ensure(session, rotated, later)
    with runtime.factory() as session:
        [new] = live_canary(session)
        assert new.token_hash == secrets.digest(canary.token_for(rotated))
        old = session.scalars(select(Share).where(Share.revoked_at.is_not(None))).one()
        assert old.files_deleted_at is None  # the worker deletes its file
    worker = jobs.Worker(settings=settings, factory=runtime.factory, kinds={**files.JOB_KINDS, **plugin.job_kinds()})
    worker.run_until_idle()
    with runtime.factory() as session:
        old = session.scalars(select(Share).where(Share.revoked_at.is_not(None))).one()
        assert old.files_deleted_at is not None


@pytest.mark.parametrize("ended", ["locked_at", "removed_at", "revoked_at"])
def test_an_ended_canary_is_replaced_under_the_same_key(runtime: Runtime, ended: str) -> None:
    """Its token's digest is unique: the ended one gives it up, or no new canary could ever be made."""
    settings = runtime.settings
    with transaction(runtime.factory) as session:
        canary.ensure(session, settings)
        [share] = live_canary(session)
        setattr(share, ended, utcnow())
    with transaction(runtime.factory) as session:
        assert canary.current(session, settings, utcnow()) is None
        assert canary.ensure(session, settings) is not None
    with runtime.factory() as session:
        [new] = [s for s in live_canary(session) if s.locked_at is None and s.removed_at is None]
        assert new.token_hash == secrets.digest(canary.token_for(settings))
        assert session.scalar(select(func.count()).select_from(Share)) == 2


def test_a_sweep_never_reminds_or_expires_it_and_its_visits_are_pruned(runtime: Runtime) -> None:
    settings = runtime.settings
    with transaction(runtime.factory) as session:
        canary.ensure(session, settings)
        [share] = live_canary(session)
        share.expires_at = utcnow() + dt.timedelta(days=1)  # as if the probe had stopped renewing it
        old = utcnow() - canary.KEEP_VISITS - dt.timedelta(minutes=1)
        session.add_all([ShareSession(share_id=share.id, token_hash="a" * 64, created_at=old, ends_at=old),
                         ShareSession(share_id=share.id, token_hash="b" * 64, ends_at=utcnow()),
                         ShareEvent(share_id=share.id, kind="signed_in", at=old),
                         ShareEvent(share_id=share.id, kind="signed_in")])
    with transaction(runtime.factory) as session:
        share_sweep(session, {}, jobs.JobContext(settings=settings, job_id=0, attempts=1))
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert canary.prune(session) == 2
        assert session.scalar(select(func.count()).select_from(ShareSession)) == 1
        assert [e.kind for e in session.scalars(select(ShareEvent))] == ["signed_in"]


@pytest.fixture
def served(runtime: Runtime, clamd_settings: Settings) -> Iterator[Settings]:
    """The suite on a real port, with a real clamd; the settings point BASE_URL at it."""
    with transaction(runtime.factory) as session:
        seed_body(session)
    with serving(create_suite(dataclasses.replace(runtime, settings=clamd_settings), SPECS, with_worker=False)) as port:
        yield dataclasses.replace(clamd_settings, base_url=f"http://127.0.0.1:{port}")
    forget_engines()


@pytest.mark.clamd
def test_the_probe_downloads_the_check_document_and_sees_it_corrupted(runtime: Runtime, served: Settings) -> None:
    share_probe = [Service.SECURE_SHARE]
    waiting = canary.prepare(runtime.engine, served)
    assert waiting is not None and not waiting.ready
    [found] = probes.run_round(served, services=share_probe, canary=waiting)
    assert found.outcome is Outcome.PASS and "check document: ok" in found.detail, found.detail
    overdue = dataclasses.replace(waiting, made_at=utcnow() - canary.SCAN_GRACE - dt.timedelta(minutes=1))
    [stuck] = probes.run_round(served, services=share_probe, canary=overdue)
    assert stuck.outcome is Outcome.PARTIAL and "waiting for its virus scan" in stuck.detail

    worker = jobs.Worker(settings=served, factory=runtime.factory, kinds={**files.JOB_KINDS, **plugin.job_kinds()})
    worker.run_until_idle()  # the scan
    ready = canary.prepare(runtime.engine, served)
    assert ready is not None and ready.ready
    [found] = probes.run_round(served, services=share_probe, canary=ready)
    assert found.outcome is Outcome.PASS, found.detail
    assert [c.name for c in found.checks] == ["share link page", "documents, anonymously", "check share's link",
                                              "email confirmed", "documents page", "document downloaded",
                                              "signed out"]
    with runtime.factory() as session:
        stored = session.scalars(select(StoredFile).where(StoredFile.status == CLEAN)).one()
        [visit] = session.scalars(select(ShareSession)).all()
        assert visit.ended_at is not None  # signed out
        assert session.scalar(select(func.count()).select_from(Case)) == 0
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert not session.scalars(select(AuditEvent).where(AuditEvent.object_type == "case")).all()

    path = file_path(served.files_dir, stored.id)
    path.write_bytes(path.read_bytes().replace(b"check", b"CHECK"))  # as many bytes, other ones
    [corrupt] = probes.run_round(served, services=share_probe, canary=ready)
    assert corrupt.outcome is Outcome.FAIL and "document downloaded: FAILED" in corrupt.detail, corrupt.detail
    assert f"expected {canary.SHA256[:12]}" in corrupt.detail


@pytest.mark.clamd
def test_the_worker_round_prepares_the_check_share_and_probes_it(runtime: Runtime, served: Settings) -> None:
    worker = jobs.Worker(settings=served, factory=runtime.factory, kinds={**files.JOB_KINDS, **plugin.job_kinds()})
    with transaction(runtime.factory) as session:
        jobs.enqueue(session, incident_jobs.PROBE_JOB)
    worker.run_until_idle()  # the round makes the canary; the scan runs after it
    with transaction(runtime.factory) as session:
        jobs.enqueue(session, incident_jobs.PROBE_JOB)
    worker.run_until_idle()
    with runtime.factory() as session:
        rows = session.scalars(select(ProbeResult).where(ProbeResult.service == Service.SECURE_SHARE.value)
                               .order_by(ProbeResult.id)).all()
        assert [r.outcome for r in rows] == ["pass", "pass"]
        assert "document downloaded: ok" in rows[-1].detail, rows[-1].detail
