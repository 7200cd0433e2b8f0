"""The back office's ``civic`` sub-commands: users, API tokens and deadlines."""

from __future__ import annotations

import argparse
import getpass
import sys

from backoffice.staff.accounts import Role, create_user
from backoffice.staff.api_clients import create_api_client
from shared import audit
from shared.db import transaction
from shared.errors import DomainError
from shared.runtime import Runtime

CLI_ACTOR = audit.Actor(type="system", label="command line")


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = sub.add_parser("users", help="manage staff accounts").add_subparsers(dest="users_command", required=True)
    create = users.add_parser("create", help="create a staff account")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--role", required=True, choices=[role.value for role in Role])
    create.add_argument("--password", help="omit to be asked (or to send a reset link later)")
    create.set_defaults(handler=_users_create)

    tokens = sub.add_parser("api-tokens", help="manage API tokens").add_subparsers(dest="tokens_command", required=True)
    token = tokens.add_parser("create", help="create an API client and print its token once")
    token.add_argument("--name", required=True)
    token.set_defaults(handler=_api_tokens_create)

    try:
        from backoffice.clocks import cli as deadline_cli
    except ImportError:  # the deadline engine is optional while it is being built
        return
    deadline = sub.add_parser("deadline", help="print a statutory due date and its explanation")
    deadline_cli.add_arguments(deadline)
    deadline.set_defaults(handler=lambda _runtime, args: deadline_cli.run(args), needs_runtime=False)


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


def _api_tokens_create(runtime: Runtime, args: argparse.Namespace) -> int:
    try:
        with transaction(runtime.factory) as session:
            client, token = create_api_client(session, CLI_ACTOR, args.name)
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    print(f"API client {client.name!r} created (id {client.id}). The token is shown only once:")
    print(token)
    return 0
