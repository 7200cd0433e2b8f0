"""Settings come from the environment, in one place, and production refuses unsafe ones."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shared.settings import SETTINGS_DOC, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_development_generates_and_keeps_a_secret(tmp_path: Path) -> None:
    first = load_settings({"DATA_DIR": str(tmp_path)})
    second = load_settings({"DATA_DIR": str(tmp_path)})
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 48
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load_settings({"DATA_DIR": str(tmp_path), "APP_ENV": "production"})
    with pytest.raises(SettingsError, match="32 characters"):
        load_settings({"DATA_DIR": str(tmp_path), "APP_ENV": "production", "SECRET_KEY": "short"})


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings({"DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'civic.db'}"
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.brand == "organisation"
    assert settings.mail_kept_locally


def test_postgres_urls_use_psycopg3(tmp_path: Path) -> None:
    settings = load_settings({"DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql://u@h:5432/db"})
    assert settings.database_url == "postgresql+psycopg://u@h:5432/db"


def test_links_come_from_base_url(tmp_path: Path) -> None:
    settings = load_settings({"DATA_DIR": str(tmp_path), "BASE_URL": "https://requests.example.gov.uk/"})
    assert settings.url("/capture/confirm/abc") == "https://requests.example.gov.uk/capture/confirm/abc"
    assert settings.is_https


@pytest.mark.parametrize("name,value", [("APP_ENV", "staging"), ("BRAND", "gds"), ("PORT", "eighty")])
def test_bad_values_are_refused(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SettingsError):
        load_settings({"DATA_DIR": str(tmp_path), name: value})


def test_readme_table_matches_the_code() -> None:
    readme = (ROOT / "README.md").read_text()
    documented = re.findall(r"^\| `([A-Z_]+)` \|", readme, flags=re.MULTILINE)
    assert documented == [name for name, _default, _meaning in SETTINGS_DOC]
    source = (ROOT / "shared" / "settings.py").read_text()
    read = set(re.findall(r'env\.get\("([A-Z_]+)"', source))
    assert read == {name for name, _d, _m in SETTINGS_DOC}


def test_settings_are_read_in_one_place() -> None:
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        if path.parts[len(ROOT.parts)] in {".venv", "tests", "e2e", "bench", "govuk_assets"}:
            continue
        if path.name == "settings.py" and path.parent.name == "shared":
            continue
        if "os.environ" in path.read_text() or "getenv(" in path.read_text():
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_repr_and_str_never_show_secrets(tmp_path: Path) -> None:
    settings = load_settings({
        "DATA_DIR": str(tmp_path),
        "SECRET_KEY": "secret-key-value-0123456789abcdef0123",
        "DATABASE_URL": "postgresql://civic:db-pa55word@db.internal:5432/civic",
        "SMTP_HOST": "smtp.example.gov.uk",
        "SMTP_PASSWORD": "smtp-pa55word",
        "NOTIFY_API_KEY": "notify-key-value",
        "OIDC_CLIENT_SECRET": "oidc-secret-value",
    })
    for shown in (repr(settings), str(settings), f"{settings}"):
        for secret in ("secret-key-value", "db-pa55word", "smtp-pa55word", "notify-key-value", "oidc-secret-value"):
            assert secret not in shown
        assert "smtp.example.gov.uk" in shown and "db.internal" in shown  # what is not secret still helps
    assert settings.secret_key == "secret-key-value-0123456789abcdef0123"  # only hidden, not changed
    assert "db-pa55word" in settings.database_url


def test_trusted_proxies_are_off_by_default_and_parsed(tmp_path: Path) -> None:
    assert load_settings({"DATA_DIR": str(tmp_path)}).trusted_proxies == ()
    settings = load_settings({"DATA_DIR": str(tmp_path), "TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.7 ,::1"})
    assert settings.trusted_proxies == ("10.0.0.0/8", "192.0.2.7", "::1")
    with pytest.raises(SettingsError, match="TRUSTED_PROXIES"):
        load_settings({"DATA_DIR": str(tmp_path), "TRUSTED_PROXIES": "proxy.internal"})


def test_smtp_tls_is_implicit_tls_on_port_465_unless_told_otherwise(tmp_path: Path) -> None:
    smtps = load_settings({"DATA_DIR": str(tmp_path), "SMTP_HOST": "mail.example.com", "SMTP_TLS": "true"})
    assert smtps.smtp_tls and not smtps.smtp_starttls and smtps.smtp_port == 465
    assert load_settings({"DATA_DIR": str(tmp_path), "SMTP_TLS": "true", "SMTP_PORT": "2465"}).smtp_port == 2465
    assert load_settings({"DATA_DIR": str(tmp_path)}).smtp_port == 25


@pytest.mark.parametrize(("environ", "message"), [
    ({"SMTP_USERNAME": "civic", "SMTP_PASSWORD": "s3cret"}, "SMTP_TLS or SMTP_STARTTLS"),
    ({"SMTP_TLS": "true", "SMTP_STARTTLS": "true"}, "not both"),
    ({"SMTP_TLS": "true", "SMTP_CA_FILE": "/nonexistent/ca.pem"}, "SMTP_CA_FILE"),
])
def test_unsafe_or_impossible_smtp_settings_refuse_to_start(tmp_path: Path, environ: dict[str, str],
                                                            message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings({"DATA_DIR": str(tmp_path), "SMTP_HOST": "mail.example.com", **environ})
    for secure in ({"SMTP_TLS": "true"}, {"SMTP_STARTTLS": "true"}):  # a login over TLS is fine
        load_settings({"DATA_DIR": str(tmp_path), "SMTP_USERNAME": "civic", "SMTP_PASSWORD": "s3cret", **secure})


def test_upload_and_scanner_limits(tmp_path: Path) -> None:
    from shared.settings import CLAMAV_MAX_FILE_BYTES

    defaults = load_settings({"DATA_DIR": str(tmp_path)})
    assert defaults.staff_max_upload_bytes == 2048 * 1024 * 1024
    assert defaults.scanner_max_bytes == CLAMAV_MAX_FILE_BYTES  # 2048MB, held to what ClamAV can scan
    chosen = load_settings({"DATA_DIR": str(tmp_path), "STAFF_MAX_UPLOAD_MB": "500", "SCANNER_MAX_MB": "100"})
    assert (chosen.staff_max_upload_bytes, chosen.scanner_max_bytes) == (500 * 1024 * 1024, 100 * 1024 * 1024)
    for name, value in (("SCANNER_MAX_MB", "4096"), ("SCANNER_MAX_MB", "0"), ("STAFF_MAX_UPLOAD_MB", "lots")):
        with pytest.raises(SettingsError):
            load_settings({"DATA_DIR": str(tmp_path), name: value})
