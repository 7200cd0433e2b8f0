"""Who may use a back-office page: signed-in staff, optionally of given roles.

``signed_in(Role.CASEWORKER, Role.MANAGER)`` lets exactly those roles in;
``signed_in(*at_least(Role.CASEWORKER))`` follows the viewing hierarchy
(administrator ⊇ manager ⊇ caseworker ⊇ read-only). Every check looks the
server-side session up again, so a revoked session, a bumped generation or a
deactivated account stops working on the very next request.
"""

from __future__ import annotations

from backoffice.staff.accounts import Role, StaffUser
from backoffice.staff.sessions import StaffSession, find_session, touch
from backoffice.staff.web.redirects import SignInRequired, sign_in_location
from shared.audit import Actor
from shared.errors import NotAuthenticated, PermissionDenied
from shared.web import Access, Request, RequestContext

#: Key of the raw session token in the signed session cookie.
SESSION_KEY = "staff_session"
USER_KEY = "user"
STAFF_SESSION_KEY = "staff_session_row"

#: Lowest first: each role can view whatever the roles before it can.
HIERARCHY: tuple[Role, ...] = (Role.READ_ONLY, Role.CASEWORKER, Role.MANAGER, Role.ADMINISTRATOR)


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

    def check(ctx: RequestContext) -> Actor:
        found = find_session(ctx.db, ctx.request.session.get(SESSION_KEY))
        if found is None:
            ctx.request.session.pop(SESSION_KEY, None)
            raise SignInRequired(sign_in_location(ctx))
        row, user = found
        touch(row)  # this policy's GETs are write transactions (``writes=True``); public pages only look
        if allowed and user.role not in {role.value for role in allowed}:
            raise PermissionDenied("If you think you should have access, contact your service manager.")
        ctx.extra[USER_KEY] = user
        ctx.extra[STAFF_SESSION_KEY] = row
        return Actor(type="staff", id=str(user.id), label=user.email, ip=ctx.ip, request_id=ctx.request_id)

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


def current_user(ctx: RequestContext) -> StaffUser:
    """The signed-in staff member of a page behind :func:`signed_in`."""
    user = ctx.extra.get(USER_KEY)
    if not isinstance(user, StaffUser):
        raise NotAuthenticated("This page is not behind a staff access policy")
    return user


def current_session(ctx: RequestContext) -> StaffSession:
    row = ctx.extra.get(STAFF_SESSION_KEY)
    if not isinstance(row, StaffSession):
        raise NotAuthenticated("This page is not behind a staff access policy")
    return row
