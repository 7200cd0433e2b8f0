"""The staff ``civic`` sub-commands: staff accounts and API tokens, for an operator on the server."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys

from backoffice.staff import api_clients
from backoffice.staff.accounts import Role, create_user
from shared import audit
from shared.db import transaction
from shared.errors import DomainError
from shared.runtime import Runtime

CLI_ACTOR = audit.COMMAND_LINE


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = sub.add_parser("users", help="manage staff accounts").add_subparsers(dest="users_command", required=True)
    create = users.add_parser("create", help="create a staff account")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--role", required=True, choices=[role.value for role in Role])
    create.add_argument("--password", help="omit to be asked (or to send a reset link later)")
    create.set_defaults(handler=_users_create)

    _add_api_tokens_commands(sub)


def _users_create(runtime: Runtime, args: argparse.Namespace) -> int:
    password = args.password
    if password is None and sys.stdin.isatty():
        password = getpass.getpass("Password (12 characters or more): ")
    try:
        with transaction(runtime.factory) as session:
            user = create_user(session, CLI_ACTOR, email=args.email, name=args.name, role=args.role, password=password)
            print(f"Created {user.role} account {user.email}")
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        for field, message in exc.errors.items():
            print(f"  {field}: {message}", file=sys.stderr)
        return 2
    return 0


# --- civic api-tokens: create, list and revoke API clients --------------------------------


def _add_api_tokens_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    scopes = "; ".join(f"{name}: {text}" for name, text in api_clients.SCOPES.items())
    tokens = sub.add_parser("api-tokens", help="manage API tokens").add_subparsers(dest="tokens_command", required=True)
    token = tokens.add_parser("create", help="create an API client and print its token once")
    token.add_argument("--name", required=True)
    token.add_argument("--scope", action="append", required=True, choices=list(api_clients.SCOPES),
                       metavar="SCOPE", help=f"what the token may do (repeatable). {scopes}")
    token.add_argument("--expires-in-days", type=int, default=api_clients.DEFAULT_LIFETIME_DAYS, metavar="D",
                       help=f"lifetime in days (default {api_clients.DEFAULT_LIFETIME_DAYS}, "
                            f"at most {api_clients.MAX_LIFETIME_DAYS})")
    token.set_defaults(handler=_api_tokens_create)
    listing = tokens.add_parser("list", help="list API clients (never their tokens)")
    listing.set_defaults(handler=_api_tokens_list)
    revoke = tokens.add_parser("revoke", help="revoke an API client's token from its next request on")
    revoke.add_argument("id", type=int, metavar="ID", help="the id shown by 'civic api-tokens list'")
    revoke.set_defaults(handler=_api_tokens_revoke)


def _api_tokens_create(runtime: Runtime, args: argparse.Namespace) -> int:
    try:
        with transaction(runtime.factory) as session:
            client, token = api_clients.create_api_client(session, CLI_ACTOR, args.name, args.scope,
                                                          expires_in_days=args.expires_in_days)
            expires = api_clients.london_day(client.expires_at)
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    print(f"API client {client.name!r} created (id {client.id}) with scopes {' '.join(client.scopes)}, "
          f"expiring {expires}. The token is shown only once:")
    print(token)
    return 0


def _when(moment: dt.datetime | None) -> str:
    return "-" if moment is None else moment.astimezone(api_clients.LONDON).strftime("%Y-%m-%d %H:%M")


def _api_tokens_list(runtime: Runtime, _args: argparse.Namespace) -> int:
    """One line per client, times in Europe/London; the token itself is never stored, so never shown."""
    with transaction(runtime.factory) as session:
        rows = [(str(c.id), c.name, " ".join(c.scopes), _when(c.created_at), _when(c.expires_at),
                 _when(c.last_used_at), _when(c.revoked_at)) for c in api_clients.list_api_clients(session)]
    if not rows:
        print("No API clients.")
        return 0
    header = ("ID", "NAME", "SCOPES", "CREATED", "EXPIRES", "LAST USED", "REVOKED")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip())
    return 0


def _api_tokens_revoke(runtime: Runtime, args: argparse.Namespace) -> int:
    try:
        with transaction(runtime.factory) as session:
            client, changed = api_clients.revoke_api_client(session, CLI_ACTOR, args.id)
            name, revoked = client.name, _when(client.revoked_at)
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    print(f"API client {name!r} (id {args.id}) " + ("revoked." if changed else f"was already revoked on {revoked}."))
    return 0
