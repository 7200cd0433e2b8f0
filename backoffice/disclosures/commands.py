"""``civic search rebuild``: the Disclosure Log's index built again from the database, for an operator."""

from __future__ import annotations

import argparse

from tqdm import tqdm

from shared.db import read_only
from shared.runtime import Runtime


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    search = sub.add_parser("search", help="the search indexes of this host").add_subparsers(
        dest="search_command", required=True)
    rebuild = search.add_parser("rebuild", help="rebuild the Disclosure Log's index into a new directory and "
                                "swap it in (search keeps working meanwhile)")
    rebuild.set_defaults(handler=_rebuild)


def _rebuild(runtime: Runtime, _args: argparse.Namespace) -> int:
    from backoffice.disclosures import indexing

    # Read-only: on SQLite a write transaction would hold every other writer for the whole build.
    with read_only(runtime.factory()) as session:
        total = indexing.published_count(session)
        with tqdm(total=total, unit="response", desc="Disclosure Log") as bar:
            engine = indexing.rebuild(session, runtime.settings.search_dir, bar.update,
                                      reserve=runtime.settings.disk_reserve_bytes)
    print(f"Indexed {engine.document_count()} published responses.")
    return 0
