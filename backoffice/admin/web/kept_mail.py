"""Development-only pages listing mail kept locally, so a newcomer can click a link in an email.

With no SMTP server or Notify key configured, development "sends" mail by
keeping it in the outbox; these pages show it. Kept mail holds password-reset
and confirmation links, so the pages answer only when APP_ENV=development was
set explicitly (a deployment that forgot APP_ENV gets 404, as production does)
and mail is really kept, and then only to a signed-in administrator.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute

from backoffice.staff.access import ADMIN
from shared import mail
from shared.web import Access, RequestContext, page
from shared.web.factory import DEVELOPMENT_ONLY, development_pages_available
from shared.web.principal import Principal

#: Links people are sent: http(s) only, ending before whitespace, quotes or angle brackets.
_URL = re.compile(r"https?://[^\s<>\"']+")
_TRAILING = ".,;:!?)]}'"


def _kept_mail_for_administrators(ctx: RequestContext) -> Principal | None:
    """404 where the pages are not available at all (nobody may learn more); then an administrator's sign-in."""
    if not (development_pages_available(ctx.settings) and ctx.settings.mail_kept_locally):
        raise HTTPException(status_code=404)
    assert ADMIN.check is not None
    return ADMIN.check(ctx)


#: Writes like the staff policy it ends with (a session's last activity).
KEPT_MAIL = Access(f"{DEVELOPMENT_ONLY.name}+{ADMIN.name}", check=_kept_mail_for_administrators,
                   writes=ADMIN.writes)


def linkify(text: str) -> Markup:
    """Escape the body and make each web address in it a link (trailing punctuation stays text)."""
    parts: list[str] = []
    position = 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        start, end = match.start(), match.start() + len(url)
        parts.append(str(escape(text[position:start])))
        parts.append(f'<a class="govuk-link" href="{escape(url)}">{escape(url)}</a>')
        position = end
    parts.append(str(escape(text[position:])))
    return Markup("".join(parts))  # noqa: S704 - every piece above was escaped


def mail_list(ctx: RequestContext) -> Response:
    return ctx.render("backoffice/dev_mail.html", {"messages": mail.kept_messages(ctx.db, limit=100)})


def mail_message(ctx: RequestContext) -> Response:
    message = mail.kept_message(ctx.db, ctx.request.path_params["message_id"])  # {message_id:id}
    if message is None:
        raise HTTPException(status_code=404)
    return ctx.render("backoffice/dev_mail_message.html", {"message": message, "body": linkify(message.body_text)})


def routes() -> list[BaseRoute]:
    return [
        page("/dev/mail", mail_list, name="dev-mail", access=KEPT_MAIL),
        page("/dev/mail/{message_id:id}", mail_message, name="dev-mail-message", access=KEPT_MAIL),
    ]
