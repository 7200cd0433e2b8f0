"""Secure Share set-up for the journeys: a case with documents, sent to its requester through the core.

Until the staff pages that send documents are joined to these journeys, the harness sends the share the
way those pages will: ``backoffice.releases.sending.send_documents`` as the demo caseworker, in a
``civic``-configured process of its own (the server's settings, database and file store). The
attachments are marked clean, as ClamAV's scan would leave them (the scan has its own journey). The
link's token is printed on the last line, as it went into the requester's email.

    python -m e2e.harness.shares EMAIL NAME=TEXT [NAME=TEXT…]
"""

from __future__ import annotations

import io
import subprocess
import sys

from e2e.harness.server import REPO_ROOT, LiveServer

CASEWORKER = "caseworker@example.gov.uk"


def send_share(server: LiveServer, email: str, files: dict[str, str]) -> tuple[str, str]:
    """Make a SAR case for ``email`` with ``files`` (name: text) and send them; (case reference, link token)."""
    args = [f"{name}={text}" for name, text in files.items()]
    result = subprocess.run([sys.executable, "-m", "e2e.harness.shares", email, *args], cwd=REPO_ROOT,
                            env=server.env(), capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"sending the share failed:\n{result.stdout}{result.stderr}")
    reference, token = result.stdout.strip().splitlines()[-1].split()
    return reference, token


def _main(argv: list[str]) -> int:
    from sqlalchemy import select

    from backoffice.cases import workflow
    from backoffice.intake.new_cases import NewCase, Requester, create_case
    from backoffice.releases.sending import ShareRequest, send_documents
    from backoffice.staff.accounts import StaffUser
    from shared import audit
    from shared.apps import discover, import_models
    from shared.db import transaction
    from shared.files import CLEAN, StoredFile
    from shared.runtime import Runtime

    import_models(discover())
    email, *pairs = argv
    runtime = Runtime.from_settings()
    with transaction(runtime.factory) as session:
        user = session.scalar(select(StaffUser).where(StaffUser.email == CASEWORKER))
        assert user is not None, "the demo data has no caseworker"
        actor = audit.Actor(type="staff", id=str(user.id), label=user.email)
        case = create_case(session, actor, NewCase(case_type="sar", subject="My records", channel="email",
                                                   description="Everything you hold about me.",
                                                   requester=Requester(name="Sam Browser", email=email)))
        ids = []
        for pair in pairs:
            name, _, text = pair.partition("=")
            attachment = workflow.add_attachment(session, actor, user, case, runtime.settings, name,
                                                 io.BytesIO(text.encode() + b"\n"))
            stored = session.get(StoredFile, attachment.file_id)
            assert stored is not None
            stored.status = CLEAN
            ids.append(attachment.id)
        session.flush()
        sent = send_documents(session, runtime.settings, actor, user, case,
                              ShareRequest(attachment_ids=ids, days=30, is_response=True))
        print(case.reference, sent.token)
    runtime.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
