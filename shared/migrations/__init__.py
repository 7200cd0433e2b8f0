"""Alembic, driven from code: ``civic db upgrade`` and ``civic db revision``.

One history for the whole suite, since every app's tables share one metadata.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

HERE = Path(__file__).resolve().parent


def config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(config(database_url), revision)


def revision(database_url: str, message: str) -> None:
    command.revision(config(database_url), message=message, autogenerate=True)
