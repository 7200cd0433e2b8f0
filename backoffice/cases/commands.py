"""``civic cases import|export|template``: bulk moves of cases with the spreadsheet template."""

from __future__ import annotations

import argparse
import sys

from shared import audit
from shared.db import transaction
from shared.errors import DomainError
from shared.runtime import Runtime

CLI_ACTOR = audit.COMMAND_LINE




# --- civic cases: import and export with the spreadsheet template ---------------------------


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
