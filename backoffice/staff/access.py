"""Who may use a back-office page: signed-in staff, optionally of given roles.

``signed_in(Role.CASEWORKER, Role.MANAGER)`` lets exactly those roles in;
``signed_in(*at_least(Role.CASEWORKER))`` follows the viewing hierarchy
(administrator ⊇ manager ⊇ caseworker ⊇ read-only). Every check looks the
server-side session up again, so a revoked session, a bumped generation or a
deactivated account stops working on the very next request. The policy's
:class:`StaffPrincipal` (the account and the session row it found) is what
:func:`current_user` and :func:`current_session` read back.
"""

from __future__ import annotations

from dataclasses import dataclass

from backoffice.staff.accounts import Role, StaffUser
from backoffice.staff.sessions import StaffSession, find_session, touch
from backoffice.staff.web.redirects import SignInRequired, sign_in_location
from shared.audit import Actor
from shared.errors import NotAuthenticated, PermissionDenied
from shared.web import Access, Request, RequestContext

#: Key of the raw session token in the signed session cookie.
SESSION_KEY = "staff_session"

#: Lowest first: each role can view whatever the roles before it can.
HIERARCHY: tuple[Role, ...] = (Role.READ_ONLY, Role.CASEWORKER, Role.MANAGER, Role.ADMINISTRATOR)


@dataclass(frozen=True)
class StaffPrincipal:
    """A signed-in member of staff: the account, the server-side session they signed in with, the audit actor."""

    user: StaffUser
    session: StaffSession
    actor: Actor


def at_least(role: Role) -> tuple[Role, ...]:
    """``role`` and every role above it, for pages that follow the viewing hierarchy."""
    return HIERARCHY[HIERARCHY.index(role):]


def signed_in(*roles: Role) -> Access:
    """An access policy for staff pages; no roles means any signed-in staff member.

    Not signed in: a 303 to the sign-in page (with ``next`` after a GET).
    Signed in with another role: 403.
    """
    allowed = frozenset(roles)
    name = "staff:" + (",".join(role.value for role in HIERARCHY if role in allowed) if allowed else "any")

    def check(ctx: RequestContext) -> StaffPrincipal:
        found = find_session(ctx.db, ctx.request.session.get(SESSION_KEY))
        if found is None:
            ctx.request.session.pop(SESSION_KEY, None)
            raise SignInRequired(sign_in_location(ctx))
        row, user = found
        touch(row)  # this policy's GETs are write transactions (``writes=True``); public pages only look
        if allowed and user.role not in {role.value for role in allowed}:
            raise PermissionDenied("If you think you should have access, contact your service manager.")
        actor = Actor(type="staff", id=str(user.id), label=user.email, ip=ctx.ip, request_id=ctx.request_id)
        return StaffPrincipal(user, row, actor)

    return Access(name, check=check, writes=True, precheck=_has_staff_session)


def _has_staff_session(request: Request) -> bool:
    """No session token in the signed cookie: ``check`` refuses, so an unsafe request's body is never read."""
    return bool(request.session.get(SESSION_KEY))


#: Any signed-in staff member, whatever the role.
STAFF = signed_in()
#: Case work: caseworkers and everyone above them.
WORKERS = signed_in(*at_least(Role.CASEWORKER))
#: Managers and administrators: assigning, reopening and restricting cases, importing and exporting them.
MANAGERS = signed_in(*at_least(Role.MANAGER))
#: Administration proper: configuration that changes how everyone works.
ADMIN = signed_in(Role.ADMINISTRATOR)


def staff_principal(ctx: RequestContext) -> StaffPrincipal:
    """Who a page behind :func:`signed_in` acts for."""
    if not isinstance(ctx.principal, StaffPrincipal):
        raise NotAuthenticated("This page is not behind a staff access policy")
    return ctx.principal


def current_user(ctx: RequestContext) -> StaffUser:
    """The signed-in staff member of a page behind :func:`signed_in`."""
    return staff_principal(ctx).user


def current_session(ctx: RequestContext) -> StaffSession:
    """The server-side session the staff member of a page behind :func:`signed_in` signed in with."""
    return staff_principal(ctx).session
