"""The back office's ``civic`` sub-commands: users, API tokens, cases and deadlines."""

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

CLI_ACTOR = audit.Actor(type="system", label="command line")


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = sub.add_parser("users", help="manage staff accounts").add_subparsers(dest="users_command", required=True)
    create = users.add_parser("create", help="create a staff account")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--role", required=True, choices=[role.value for role in Role])
    create.add_argument("--password", help="omit to be asked (or to send a reset link later)")
    create.set_defaults(handler=_users_create)

    _add_api_tokens_commands(sub)

    _add_cases_commands(sub)

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


# --- civic cases: import and export with the spreadsheet template ---------------------------


def _add_cases_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``civic cases import|export|template``: bulk moves of cases for an operator on the server."""
    cases = sub.add_parser("cases", help="import and export cases with a spreadsheet").add_subparsers(
        dest="cases_command", required=True)
    load = cases.add_parser("import", help="create cases from an .xlsx or .csv file (all rows or none)")
    load.add_argument("file")
    load.add_argument("--dry-run", action="store_true", help="check every row and create nothing")
    load.set_defaults(handler=_cases_import)
    export = cases.add_parser("export", help="write cases to an .xlsx or .csv file")
    export.add_argument("file")
    export.add_argument("--case-type", action="append", default=[], metavar="KEY", help="only this type (repeatable)")
    export.add_argument("--all", action="store_true", help="include closed cases (default: open cases only)")
    export.set_defaults(handler=_cases_export)
    blank = cases.add_parser("template", help="write an empty import template (.xlsx or .csv)")
    blank.add_argument("file")
    blank.set_defaults(handler=_cases_template, needs_runtime=False)


def _cases_import(runtime: Runtime, args: argparse.Namespace) -> int:
    from pathlib import Path

    from backoffice.cases import transfer

    path = Path(args.file)
    try:
        with path.open("rb") as upload:  # one byte over the cap is enough for parse to refuse the size
            rows = transfer.parse(path.name, upload.read(transfer.MAX_BYTES + 1))
        with transaction(runtime.factory) as session:
            report = transfer.import_cases(session, CLI_ACTOR, rows, dry_run=args.dry_run, source=path.name)
    except OSError as exc:
        print(f"error: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        for field, message in exc.errors.items():
            if message != exc.detail:
                print(f"  {field}: {message}", file=sys.stderr)
        return 2
    if not report.ok:
        print(f"error: {len(report.errors)} problem(s) found; no cases were created", file=sys.stderr)
        for error in report.errors:
            print(f"  row {error.row}, {error.field or 'row'}: {error.message}", file=sys.stderr)
        return 2
    if report.dry_run:
        print(f"{report.rows} row(s) checked: no problems found. Nothing was created (dry run).")
    else:
        print(f"Imported {len(report.created)} case(s): " + ", ".join(report.created))
    return 0


def _cases_export(runtime: Runtime, args: argparse.Namespace) -> int:
    from pathlib import Path

    from sqlalchemy import select

    from backoffice.cases import transfer
    from backoffice.cases.models import CaseType
    from backoffice.cases.queues import CaseFilter

    path = Path(args.file)
    try:
        fmt = transfer.format_of(path.name)
        with transaction(runtime.factory) as session:
            known = set(session.scalars(select(CaseType.key)))
            unknown = sorted(set(args.case_type) - known)
            if unknown:
                print(f"error: no case type {', '.join(unknown)}; known: {', '.join(sorted(known))}", file=sys.stderr)
                return 2
            case_filter = CaseFilter(case_types=tuple(args.case_type), open_only=not args.all)
            partial = path.with_name(path.name + ".part")  # never leave half a file under the real name
            try:
                with partial.open("wb") as out:
                    count = transfer.write_export(session, None, case_filter, fmt, out, actor=CLI_ACTOR)
                partial.replace(path)
            finally:
                partial.unlink(missing_ok=True)
    except OSError as exc:
        print(f"error: cannot write {path}: {exc.strerror}", file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    print(f"Exported {count} case(s) to {path}")
    return 0


def _cases_template(_runtime: None, args: argparse.Namespace) -> int:
    from pathlib import Path

    from backoffice.cases import transfer

    path = Path(args.file)
    try:
        path.write_bytes(transfer.template(transfer.format_of(path.name)))
    except OSError as exc:
        print(f"error: cannot write {path}: {exc.strerror}", file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    print(f"Template written to {path}")
    return 0
