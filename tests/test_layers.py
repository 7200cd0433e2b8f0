"""Layers point one way: public apps -> back-office core -> shared; shared imports no app."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
APPS = ("capture", "secureshare", "disclosurelog", "backoffice")
PUBLIC_APPS = ("capture", "secureshare", "disclosurelog")


def imported_packages(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text())
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


def test_shared_imports_no_app() -> None:
    for path, names in imported_packages("shared").items():
        assert not names & set(APPS), f"{path} imports {names & set(APPS)}"


def test_backoffice_never_imports_a_public_app() -> None:
    for path, names in imported_packages("backoffice").items():
        assert not names & set(PUBLIC_APPS), f"{path} imports {names & set(PUBLIC_APPS)}"


@pytest.mark.parametrize("app", PUBLIC_APPS)
def test_public_apps_never_import_each_other(app: str) -> None:
    others = set(PUBLIC_APPS) - {app}
    for path, names in imported_packages(app).items():
        assert not names & others, f"{path} imports {names & others}"


def test_domain_modules_know_nothing_of_http() -> None:
    """Web handlers live in web.py (or a web/ package); everything else is plain domain code."""
    for app in APPS:
        for path, names in imported_packages(app).items():
            if "/web" in path or path.endswith(("web.py", "plugin.py", "dev_mail.py")):
                continue
            assert "starlette" not in names, f"{path} imports starlette"
