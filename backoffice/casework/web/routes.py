"""The case-work routes, for ``backoffice.web.routes()``.

Reading is open to every signed-in member of staff (what they see is narrowed
by their teams); doing needs a caseworker or above, assigning and reopening a
manager or above. The domain checks each action again on the case itself.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from backoffice.casework.web import (
    actions,
    attachments,
    case_page,
    clock_actions,
    closing,
    new_case,
    publication,
    queues,
    restriction,
    reviews,
    shares,
    sharing,
)
from backoffice.releases.state import MAX_FILES
from backoffice.staff.access import MANAGERS, STAFF, WORKERS
from shared.files import staff_upload_limit
from shared.web import page

FORM = ("GET", "POST")
POST = ("POST",)
CASE = "/cases/{reference}"
SHARE = CASE + "/shares/{share_id:id}"


def casework_routes() -> list[BaseRoute]:
    """The fixed paths come before ``/cases/{reference}`` so that ``mine`` is never taken for a reference."""
    return [
        page("/cases", queues.all_cases, name="all-cases", access=STAFF),
        page("/cases/mine", queues.my_cases, name="my-cases", access=STAFF),
        page("/cases/team", queues.team_queue, name="team-queue", access=STAFF),
        page("/cases/new", new_case.new_case, name="new-case", access=WORKERS, methods=FORM),
        # Reading a case or one of its files is audited, so these GETs write.
        page(CASE, case_page.show, name="case", access=STAFF, writes_on_get=True),
        page(CASE + "/claim", actions.claim, name="case-claim", access=WORKERS, methods=POST),
        page(CASE + "/assign", actions.assign, name="case-assign", access=MANAGERS, methods=POST),
        page(CASE + "/status", actions.change_status, name="case-status", access=WORKERS, methods=POST),
        page(CASE + "/notes", actions.add_note, name="case-note", access=WORKERS, methods=POST),
        page(CASE + "/email", actions.email_requester, name="case-email", access=WORKERS, methods=POST),
        page(CASE + "/links", actions.link_case, name="case-link", access=WORKERS, methods=POST),
        page(CASE + "/watch", actions.watch, name="case-watch", access=WORKERS, methods=POST),
        page(CASE + "/tasks", actions.add_task, name="case-task-add", access=WORKERS, methods=POST),
        page(CASE + "/tasks/{task_id:id}", actions.finish_task, name="case-task-finish", access=WORKERS,
             methods=POST),
        page(CASE + "/close", closing.close, name="case-close", access=WORKERS, methods=FORM),
        page(CASE + "/reopen", closing.reopen, name="case-reopen", access=MANAGERS, methods=FORM),
        # Reviews and appeals of a closed FOI or EIR request: who may start one is checked on the case.
        page(CASE + "/internal-review", reviews.start_internal_review, name="case-internal-review", access=WORKERS,
             methods=FORM),
        page(CASE + "/regulator-complaint", reviews.record_regulator_complaint, name="case-regulator-complaint",
             access=WORKERS, methods=FORM),
        page(CASE + "/restriction", restriction.restriction, name="case-restriction", access=MANAGERS, methods=FORM),
        # Who may change the clock is set per case type (deadlines.permissions), so the route lets every
        # caseworker in and the page checks the case's type.
        page(CASE + "/extend", clock_actions.extend, name="case-extend", access=WORKERS, methods=FORM),
        page(CASE + "/stop-clock", clock_actions.stop, name="case-stop-clock", access=WORKERS, methods=FORM),
        page(CASE + "/restart-clock", clock_actions.restart, name="case-restart-clock", access=WORKERS,
             methods=FORM),
        page(CASE + "/attachments", attachments.upload, name="case-attachment-add", access=WORKERS, methods=POST, files=True),
        page(CASE + "/attachments/{attachment_id:id}", attachments.download, name="case-attachment",
             access=STAFF, writes_on_get=True),
        page(CASE + "/send-documents", sharing.send_documents, name="case-send-documents", access=WORKERS,
             methods=FORM),
        # Response documents: the staff file limit, and room for a whole share's files in one go.
        page(CASE + "/send-documents/upload", sharing.upload, name="case-send-documents-upload", access=WORKERS,
             methods=POST, files=True, upload_limit=staff_upload_limit, max_file_parts=MAX_FILES),
        page(SHARE + "/resend", shares.resend, name="case-share-resend", access=WORKERS, methods=FORM),
        page(SHARE + "/extend", shares.extend, name="case-share-extend", access=WORKERS, methods=FORM),
        page(SHARE + "/revoke", shares.revoke, name="case-share-revoke", access=WORKERS, methods=FORM),
        page(SHARE + "/unlock", shares.unlock, name="case-share-unlock", access=WORKERS, methods=POST),
        # The disclosure log: who may publish is checked per case (disclosures.permission).
        page(CASE + "/publication", publication.show, name="case-publication", access=WORKERS, methods=FORM),
        page(CASE + "/publication/documents", publication.upload, name="case-publication-upload", access=WORKERS,
             methods=POST, files=True, upload_limit=staff_upload_limit),
        page(CASE + "/publication/publish", publication.publish, name="case-publication-publish", access=WORKERS,
             methods=POST),
        page(CASE + "/publication/findings/{finding_id:id}", publication.acknowledge,
             name="case-publication-acknowledge", access=WORKERS, methods=POST),
        page(CASE + "/publication/approve", publication.approve, name="case-publication-approve", access=WORKERS,
             methods=POST),
        page(CASE + "/publication/return", publication.return_for_changes, name="case-publication-return",
             access=WORKERS, methods=POST),
        page(CASE + "/publication/withdraw", publication.withdraw, name="case-publication-withdraw", access=WORKERS,
             methods=FORM),
    ]
