"""The onboarding contacts page: domains and four lists, one entry a line."""

from __future__ import annotations

from starlette.responses import Response

from backoffice.notifications.web.common import saved_redirect
from backoffice.organisation import contacts as onboarding
from shared.errors import InvalidInput
from shared.web import RequestContext
from shared.web.forms import render_form, repeated

ORDER = (onboarding.DOMAINS, *onboarding.LABELS)


def contacts_page(ctx: RequestContext) -> Response:
    if ctx.is_read:
        current = onboarding.contacts(ctx.db)
        values = {onboarding.DOMAINS: "\n".join(current.domains),
                  **{name: "\n".join(addresses) for name, addresses in current.lists.items()}}
        return _page(ctx, values, saved=ctx.request.query_params.get("saved") == "yes")
    values = {name: ctx.field(name) for name in ORDER}
    if repeated(ctx):
        return ctx.redirect("admin-contacts")
    assert ctx.actor is not None
    try:
        onboarding.save_contacts(ctx.db, ctx.actor, values[onboarding.DOMAINS],
                                 {name: values[name] for name in onboarding.LABELS})
    except InvalidInput as exc:
        return _page(ctx, values, errors=exc.errors)
    return saved_redirect(ctx, "admin-contacts")


def _page(ctx: RequestContext, values: dict[str, str], *, saved: bool = False,
          errors: dict[str, str] | None = None) -> Response:
    return render_form(ctx, "backoffice/notifications/contacts.html",
                  {"values": values, "labels": onboarding.LABELS, "saved": saved}, errors, ORDER)
