"""Support's routes: every member of staff raises and follows their own requests and reads the help;
administrators are the service desk (every request, and the articles); checking by access key is public."""

from __future__ import annotations

from starlette.routing import BaseRoute

from backoffice.staff.access import ADMIN, STAFF
from backoffice.support.web import pages
from shared.web import PUBLIC, page

POST = ("POST",)


def support_routes() -> list[BaseRoute]:
    return [
        page("/support", pages.index, name="support", access=STAFF),
        page("/support/new", pages.new, name="support-new", access=STAFF),
        page("/support/new", pages.create, name="support-create", access=STAFF, methods=POST),
        page("/support/suggestions", pages.suggestions, name="support-suggestions", access=STAFF),
        page("/support/check", pages.check, name="support-check", access=PUBLIC),
        page("/support/check", pages.check_key, name="support-check-key", access=PUBLIC, methods=POST),
        page("/support/help", pages.help_index, name="support-help", access=STAFF),
        page("/support/help/new", pages.edit, name="support-article-new", access=ADMIN),
        page("/support/help/new", pages.save, name="support-article-create", access=ADMIN, methods=POST),
        page("/support/help/{article_id:id}", pages.article, name="support-article", access=STAFF),
        page("/support/help/{article_id:id}/edit", pages.edit, name="support-article-edit", access=ADMIN),
        page("/support/help/{article_id:id}/edit", pages.save, name="support-article-save", access=ADMIN,
             methods=POST),
        page("/support/help/{article_id:id}/delete", pages.delete, name="support-article-delete", access=ADMIN,
             methods=POST),
        page("/support/{reference:str}", pages.show, name="support-request", access=STAFF),
        page("/support/{reference:str}/update", pages.update, name="support-update", access=STAFF, methods=POST),
    ]
