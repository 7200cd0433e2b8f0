"""``civic backup`` and ``civic restore`` on a populated suite: every row and every file's bytes come back.

On PostgreSQL the restore goes into the run's own schema (public, or a pytest-xdist worker's), emptied first
(CI's one database is all there is).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from backoffice.cases.models import Case, CaseAttachment
from backoffice.disclosures.models import Publication
from backoffice.intake.new_cases import Requester
from backoffice.releases.models import Share
from shared import backup
from shared.audit import AuditEvent
from shared.cli import main
from shared.db import make_engine, transaction
from shared.files import storage
from shared.files.models import StoredFile
from shared.runtime import Runtime
from shared.settings import Settings, load_settings
from tests.backoffice.disclosures.conftest import Desk, close
from tests.backoffice.releases.conftest import Sharing
from tests.conftest import ON_POSTGRES
from tests.factories import seed_office

LETTER = "Dear Sam,\nHere is your data: £100, café, ✓.\n".encode()


def _populate(factory: sessionmaker[Session], settings: Settings) -> dict[str, object]:
    with transaction(factory) as session:
        office = seed_office(session, factory, in_session=True)
        shared_case = office.new_case("sar", requester=Requester(name="Sam Jones", email="sam@example.com"))
        sharing = Sharing(office, settings, shared_case)
        sent = sharing.send(sharing.attach(body=LETTER))
        published_case = close(office, office.new_case("foi", requester=Requester(name="Ann", email="a@example.com")))
        desk = Desk(office, settings, published_case)
        publication = desk.start()
        desk.add(publication)
        desk.publish(publication)
        return {"cases": sorted([shared_case.reference, published_case.reference]), "share": sent.share.id,
                "publication": publication.id}


def _restore_target(tmp_path: Path, settings: Settings) -> Settings:
    """An empty database and data directory to restore into."""
    data = tmp_path / "restored"
    data.mkdir()
    if ON_POSTGRES:
        url = settings.database_url
        engine = make_engine(url)
        with engine.begin() as connection:
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            # Made again empty, as a new database has its schema: the dump's own CREATE SCHEMA is left out.
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
    else:
        url = f"sqlite:///{data / 'civic.db'}"
    return load_settings({"APP_ENV": "development", "DATA_DIR": str(data), "DATABASE_URL": url,
                          "SECRET_KEY": settings.secret_key, "BASE_URL": settings.base_url})


def test_a_backup_restores_every_case_file_share_publication_and_audit_entry(runtime: Runtime, tmp_path: Path) -> None:
    settings = runtime.settings
    made = _populate(runtime.factory, settings)
    with runtime.factory() as session:
        audit_before = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
        stored = session.scalars(select(StoredFile)).all()
        originals = {f.id: storage.file_path(settings.files_dir, f.id).read_bytes() for f in stored}
    assert LETTER in originals.values()

    target = tmp_path / "backup"
    summary = backup.backup(settings, runtime.engine, target)
    manifest = json.loads((target / backup.MANIFEST).read_text())
    assert manifest["tables"]["cases"] == 2 and summary.files >= len(originals)
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.backup(settings, runtime.engine, target)
    runtime.engine.dispose()

    restored = _restore_target(tmp_path, settings)
    again = Runtime.from_settings(restored)
    try:
        backup.restore(restored, again.engine, target)
        with again.factory() as session:
            assert sorted(session.scalars(select(Case.reference))) == made["cases"]
            assert session.get(Share, made["share"]) is not None
            assert session.get(Publication, made["publication"]) is not None
            assert session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) == audit_before
            for attachment in session.scalars(select(CaseAttachment)):
                assert storage.file_path(restored.files_dir, attachment.file_id).read_bytes() == originals[attachment.file_id]
        with pytest.raises(backup.BackupError, match="already has tables"):
            backup.restore(restored, again.engine, target)
        storage.file_path(restored.files_dir, next(iter(originals))).write_bytes(b"changed")
        with pytest.raises(backup.BackupError, match="differs"):
            backup.verify(restored, again.engine, target)
    finally:
        again.engine.dispose()


def test_the_commands_say_what_they_did_and_refuse_plainly(runtime: Runtime, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    settings = runtime.settings
    for name, value in {"DATA_DIR": str(settings.data_dir), "DATABASE_URL": settings.database_url,
                        "SECRET_KEY": settings.secret_key, "APP_ENV": "development"}.items():
        monkeypatch.setenv(name, value)
    assert main(["backup", str(tmp_path / "one")]) == 0
    assert "backed up:" in capsys.readouterr().out
    assert main(["restore", str(tmp_path / "one")]) == 1  # into the same, non-empty database
    assert "already has tables" in capsys.readouterr().err
    assert main(["restore", str(tmp_path / "nothing-here")]) == 1
    assert "no readable manifest.json" in capsys.readouterr().err
