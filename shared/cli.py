"""The ``civic`` console script: serve, worker, database, demo data, and each app's own commands."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from shared import clamd_local, migrations
from shared.apps import AppSpec, discover, import_models
from shared.db import transaction
from shared.runtime import Runtime
from shared.settings import Settings, SettingsError, load_settings


def serve_banner(settings: Settings, specs: Sequence[AppSpec]) -> list[str]:
    """Where each app is; and the kept mail's page, only where it answers (see backoffice/dev_mail.py)."""
    from shared.web.factory import development_pages_available

    lines = [f"{settings.org_name} correspondence suite on {settings.base_url}"]
    lines += [f"  {spec.service_name:<20} {settings.base_url}{spec.mount}/" for spec in specs]
    if settings.mail_kept_locally and development_pages_available(settings):
        lines.append(f"  {'Mail (development)':<20} {settings.base_url}/backoffice/dev/mail (administrators)")
    if settings.trusted_proxies:
        lines.append(f"  Client addresses from X-Forwarded-For when sent by {', '.join(settings.trusted_proxies)}")
    return lines


def _serve(runtime: Runtime, args: argparse.Namespace, specs: list[AppSpec]) -> int:
    import uvicorn

    from shared.serve import create_suite, run_processes, server_options

    settings = runtime.settings
    print("\n".join(serve_banner(settings, specs)))
    options = server_options(settings)
    # The local clamd (make run) is the server's child: it stops with the server, however that stops.
    with clamd_local.for_the_server(args.clamd_dir) if args.clamd_dir else contextlib.nullcontext():
        if args.workers > 1:
            # Each process builds its own suite (and in-process worker) from the environment; the job
            # queue and the rate limiter live in the database, so they hold across processes.
            factory = "shared.serve:suite_without_worker" if args.no_worker else "shared.serve:suite_with_worker"
            run_processes(factory, args.workers, options)
        else:
            uvicorn.run(create_suite(runtime, specs, with_worker=not args.no_worker), **options)  # type: ignore[arg-type]
    return 0


def _worker(runtime: Runtime, args: argparse.Namespace, specs: list[AppSpec]) -> int:
    from shared.worker import build_worker, run_forever

    if args.once:
        ran = build_worker(runtime, specs).run_until_idle()
        print(f"ran {ran} job(s)")
        return 0
    stop = threading.Event()
    try:
        run_forever(runtime, specs, stop)
    except KeyboardInterrupt:
        stop.set()
    return 0


def _db(runtime: Runtime, args: argparse.Namespace, _specs: list[AppSpec]) -> int:
    if args.db_command == "upgrade":
        migrations.upgrade(runtime.settings.database_url)
        print("database is up to date")
    elif args.db_command == "revision":
        migrations.revision(runtime.settings.database_url, args.message)
    return 0


def _demo_data(runtime: Runtime, _args: argparse.Namespace, specs: list[AppSpec]) -> int:
    with transaction(runtime.factory) as session:
        for spec in specs:
            if spec.load_demo_data is not None:
                for line in spec.load_demo_data(session, runtime.settings):
                    print(line)
    return 0


def _backup(runtime: Runtime, args: argparse.Namespace) -> int:
    from shared import backup

    try:
        if args.command == "backup":
            summary = backup.backup(runtime.settings, runtime.engine, args.directory)
            verb = "backed up"
        else:
            summary = backup.restore(runtime.settings, runtime.engine, args.directory)
            verb = "restored and checked"
    except backup.BackupError as exc:
        print(f"civic {args.command}: {exc}", file=sys.stderr)
        return 1
    rows = sum(summary.tables.values())
    print(f"{verb}: {len(summary.tables)} tables ({rows:,} rows), {summary.files:,} files "
          f"({summary.bytes:,} bytes), schema revision {summary.revision}")
    return 0


def build_parser(specs: list[AppSpec]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="civic", description="Correspondence case management for UK public bodies")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the four apps and a background worker")
    serve.add_argument("--no-worker", action="store_true", help="serve without the in-process worker")
    serve.add_argument("--workers", type=int, default=1, help="web processes (each with its own worker thread)")
    serve.add_argument("--clamd-dir", type=Path, metavar="DIR",
                       help="run a local ClamAV daemon from DIR for as long as the server runs (make run)")
    serve.set_defaults(handler=_serve)
    worker = sub.add_parser("worker", help="run the background worker")
    worker.add_argument("--once", action="store_true", help="run due jobs, then exit")
    worker.set_defaults(handler=_worker)
    db = sub.add_parser("db", help="database migrations").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply every migration").set_defaults(handler=_db)
    revision = db.add_parser("revision", help="write a new migration from the models (developers)")
    revision.add_argument("-m", "--message", required=True)
    revision.set_defaults(handler=_db)
    sub.add_parser("demo-data", help="load demo data (safe to run twice)").set_defaults(handler=_demo_data)
    backup = sub.add_parser("backup", help="copy the database and the stored files into a new directory")
    backup.add_argument("directory", type=Path)
    backup.set_defaults(handler=_backup)
    restore = sub.add_parser("restore", help="load a backup into an empty database and data directory, and check it")
    restore.add_argument("directory", type=Path)
    restore.set_defaults(handler=_backup)
    for spec in specs:
        if spec.add_commands is not None:
            spec.add_commands(sub)
    return parser


#: What a shell reports for a command its pipe stopped (128 + SIGPIPE), as for `yes | head -1`.
CLOSED_STDOUT = 141


def quiet_if_stdout_closes(command: Callable[[], int]) -> int:
    """Run ``command``; when what reads its output stops early (``civic deadline … | head``), end quietly.

    Python ignores SIGPIPE, so a closed pipe is a BrokenPipeError from whichever
    print meets it, or from the interpreter's last flush at exit. The flush is
    made here so both land in one place, and stdout then points at /dev/null so
    nothing at exit writes to the closed pipe again. SIGPIPE itself is left
    alone: restoring it would let one dropped connection kill ``civic serve``.
    """
    try:
        code = command()
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError):  # stdout is not a file (a test's capture): nothing is left to flush
            pass
        return CLOSED_STDOUT


def main(argv: Sequence[str] | None = None) -> int:
    return quiet_if_stdout_closes(lambda: _main(argv))


def _main(argv: Sequence[str] | None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from shared.web.security import RedactSecrets

    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactSecrets())  # an error line that quotes a path keeps no link's token
    specs = discover()
    import_models(specs)
    args = build_parser(specs).parse_args(argv)
    if getattr(args, "needs_runtime", True) is False:
        return int(args.handler(None, args))
    try:
        runtime = Runtime.from_settings(load_settings())
    except SettingsError as exc:
        print(f"civic: {exc}", file=sys.stderr)
        return 2
    handler = args.handler
    if handler in (_serve, _worker, _db, _demo_data):
        return int(handler(runtime, args, specs))
    return int(handler(runtime, args))


if __name__ == "__main__":
    sys.exit(main())
