"""Every setting the suite reads, from the environment, in one place.

Keeping the environment read in a single function means the README's settings
table can be checked against this module, and tests build a ``Settings`` by
hand instead of patching ``os.environ``.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Literal

#: The name, embedded default and meaning of every setting; the README table
#: is tested against this list so the two cannot drift apart.
SETTINGS_DOC: tuple[tuple[str, str, str], ...] = (
    ("APP_ENV", "development", "`development` or `production`. Production refuses to start without SECRET_KEY and never shows tracebacks. The development-only pages (kept mail, error previews) need `APP_ENV=development` set explicitly."),
    ("DATABASE_URL", "sqlite:///<DATA_DIR>/civic.db", "SQLAlchemy URL. `postgresql+psycopg://…` (or `postgresql://…`) for PostgreSQL."),
    ("DATA_DIR", "var/", "Where the SQLite database, uploaded files, the development secret and the search index live."),
    ("SECRET_KEY", "generated into DATA_DIR/secret_key in development", "Signs session cookies and tokens. Required in production."),
    ("BASE_URL", "http://HOST:PORT", "Public address of the suite; every link in an email is built from it, never from the Host header."),
    ("HOST", "127.0.0.1", "Address `civic serve` listens on."),
    ("PORT", "8000", "Port `civic serve` listens on."),
    ("SMTP_HOST", "(unset)", "SMTP server for outgoing mail. Unset in development: mail is kept, and listed to administrators at /backoffice/dev/mail when APP_ENV=development is set."),
    ("SMTP_PORT", "25 (465 with SMTP_TLS)", "SMTP port."),
    ("SMTP_USERNAME", "(unset)", "SMTP user name, when the server needs one. Needs SMTP_TLS or SMTP_STARTTLS: a password is never sent in clear, so the suite refuses to start without one."),
    ("SMTP_PASSWORD", "(unset)", "SMTP password."),
    ("SMTP_STARTTLS", "false", "`true` to upgrade the SMTP connection with STARTTLS (submission, port 587); the upgrade must succeed before anything is sent."),
    ("SMTP_TLS", "false", "`true` for implicit TLS from the first byte (SMTPS, port 465). Not with SMTP_STARTTLS."),
    ("SMTP_CA_FILE", "(unset)", "PEM file of the CA certificates to trust for the SMTP server instead of the system's (a private CA). The certificate and host name are always verified."),
    ("MAIL_FROM", "noreply@localhost", "Sender address of outgoing mail."),
    ("NOTIFY_API_KEY", "(unset)", "GOV.UK Notify API key; when set, mail goes through Notify instead of SMTP."),
    ("NOTIFY_TEMPLATE_ID", "(unset)", "Notify email template with `((subject))` and `((body))` placeholders."),
    ("CLAMD_SOCKET", "(unset)", "Path of clamd's Unix socket. Takes precedence over CLAMD_HOST."),
    ("CLAMD_HOST", "127.0.0.1", "clamd TCP host, used when CLAMD_SOCKET is unset."),
    ("CLAMD_PORT", "3310", "clamd TCP port."),
    ("ORG_NAME", "Example Council", "The organisation's name, shown in the header, footer and emails."),
    ("BRAND", "organisation", "`organisation` (own name, generic header, non-GDS font) or `govuk` (crown header and GDS Transport; only for services on GOV.UK)."),
    ("MAX_UPLOAD_MB", "10", "Largest file a person may upload, in megabytes."),
    ("STAFF_MAX_UPLOAD_MB", "2048", "Largest file staff may upload as a response document, in megabytes. Uploads are also held to SCANNER_MAX_MB: the smaller of the two applies."),
    ("SCANNER_MAX_MB", "2048", "Largest file your clamd scans, in megabytes: set it to clamd's `StreamMaxLength` (see the ClamAV section). A larger file is refused at upload, and one clamd refuses stays quarantined as too large for the virus scanner."),
    ("DISK_RESERVE_MB", "1024", "Free space to keep on DATA_DIR's filesystem, in megabytes: an upload that would leave less is refused with \"The service cannot take files just now\", and a report export waits until there is room, so the database and the worker never meet a full disk."),
    ("RATE_LIMIT_SCALE", "1", "Multiplies the staff sign-in and password-reset rate limits, e.g. for many staff behind one address."),
    ("BODY_GRACE_SECONDS", "20", "Seconds a request body may take before it must keep up 1,000 bytes a second (else 408); shorter only for tests."),
    ("OIDC_ISSUER", "(unset)", "OpenID Connect issuer for staff single sign-on (https). Single sign-on is on when issuer, client id and secret are all set; register BASE_URL/backoffice/sign-in/sso/callback."),
    ("OIDC_CLIENT_ID", "(unset)", "Client id registered with the identity provider."),
    ("OIDC_CLIENT_SECRET", "(unset)", "Client secret (sent with client_secret_basic)."),
    ("OIDC_PROVIDER_NAME", "your organisation's account", "Shown on the button: \"Sign in with …\"."),
    ("TRUSTED_PROXIES", "(unset)", "Addresses or networks of your reverse proxies, comma-separated (`10.0.0.0/8, 192.0.2.7`). A request from one of them takes its client address from `X-Forwarded-For` (the rightmost address that is not a proxy) and its scheme from `X-Forwarded-Proto`; from anywhere else those headers are ignored. `*` trusts every peer (only when nothing but the proxy can reach the server). Unset: no proxy is trusted."),
)

#: The largest file ClamAV scans at all, whatever clamd.conf says: libclamav holds MaxFileSize to
#: INT_MAX - 2 bytes (just under 2GB); a larger file is answered Heuristics.Limits.Exceeded.MaxFileSize.
CLAMAV_MAX_FILE_BYTES = 2**31 - 3

#: Fields that are never shown by ``repr`` (logs, tracebacks, debuggers).
SECRET_FIELDS = frozenset({"secret_key", "smtp_password", "notify_api_key", "oidc_client_secret"})

Brand = Literal["organisation", "govuk"]
AppEnv = Literal["development", "production"]


class SettingsError(RuntimeError):
    """Raised when the environment describes a service that must not start."""


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    app_env: AppEnv = "development"
    #: APP_ENV was set, not defaulted: development-only pages (kept mail) need development said out loud.
    app_env_set: bool = False
    data_dir: Path = Path("var")
    database_url: str = ""
    secret_key: str = ""
    base_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_tls: bool = False
    smtp_ca_file: str | None = None
    mail_from: str = "noreply@localhost"
    notify_api_key: str | None = None
    notify_template_id: str | None = None
    clamd_socket: str | None = None
    clamd_host: str = "127.0.0.1"
    clamd_port: int = 3310
    org_name: str = "Example Council"
    brand: Brand = "organisation"
    max_upload_bytes: int = 10 * 1024 * 1024
    staff_max_upload_bytes: int = 2048 * 1024 * 1024
    #: SCANNER_MAX_MB, held to what ClamAV can scan at all (CLAMAV_MAX_FILE_BYTES).
    scanner_max_bytes: int = CLAMAV_MAX_FILE_BYTES
    #: DISK_RESERVE_MB: free space an upload must leave on DATA_DIR's filesystem.
    disk_reserve_bytes: int = 1024 * 1024 * 1024
    rate_limit_scale: int = 1
    #: BODY_GRACE_SECONDS: how long a request body may take before its rate counts (None: the default of
    #: ``shared.web.bodies``); shorter only to test the slow-body guard against a real server quickly.
    body_grace_seconds: float | None = None
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_provider_name: str | None = None
    trusted_proxies: tuple[str, ...] = ()

    def __repr__(self) -> str:
        """Every setting but the secrets, so settings can be logged; a database password is masked too."""
        shown = []
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name in SECRET_FIELDS and value:
                shown.append(f"{item.name}='***'")
            elif item.name == "database_url":
                shown.append(f"{item.name}={_without_password(value)!r}")
            else:
                shown.append(f"{item.name}={value!r}")
        return f"Settings({', '.join(shown)})"

    __str__ = __repr__

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def is_https(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def search_dir(self) -> Path:
        """Each host's own search indexes (derived data, rebuilt from the database)."""
        return self.data_dir / "search"

    @property
    def mail_kept_locally(self) -> bool:
        """With no transport configured, development keeps mail for /backoffice/dev/mail."""
        return not self.smtp_host and not self.notify_api_key

    def url(self, path: str) -> str:
        """An absolute link for an email: from BASE_URL, never from a request's Host."""
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")


def _without_password(url: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<not a database URL>"


def _trusted_proxies(value: str) -> tuple[str, ...]:
    """Proxy addresses and networks; a host name is refused, since the peer is only ever an address."""
    entries = tuple(entry.strip() for entry in value.split(",") if entry.strip())
    for entry in entries:
        if entry == "*":
            continue
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError as exc:
            raise SettingsError(f"TRUSTED_PROXIES must list IP addresses or networks, not {entry!r}") from exc
    return entries


def _development_secret(data_dir: Path) -> str:
    """Keep one generated secret per checkout so sessions survive a restart."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value)
    path.chmod(0o600)
    return value


def _check_smtp_security(env: Mapping[str, str], *, smtp_tls: bool, smtp_starttls: bool) -> None:
    """Refuse mail settings that would send the SMTP password in clear, or that cannot work at all."""
    if smtp_tls and smtp_starttls:
        raise SettingsError("Set SMTP_TLS (implicit TLS, port 465) or SMTP_STARTTLS (port 587), not both")
    if env.get("SMTP_USERNAME") and not (smtp_tls or smtp_starttls):
        raise SettingsError("SMTP_USERNAME is set but the connection is not encrypted: set SMTP_TLS or SMTP_STARTTLS "
                            "so the password is never sent in clear")
    ca_file = env.get("SMTP_CA_FILE")
    if ca_file and not Path(ca_file).is_file():
        raise SettingsError(f"SMTP_CA_FILE {ca_file!r} is not a file")


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the environment once; refuse an unsafe production configuration."""
    env = os.environ if environ is None else environ
    app_env = env.get("APP_ENV", "development") or "development"
    if app_env not in ("development", "production"):
        raise SettingsError(f"APP_ENV must be development or production, not {app_env!r}")
    brand = env.get("BRAND", "organisation") or "organisation"
    if brand not in ("organisation", "govuk"):
        raise SettingsError(f"BRAND must be organisation or govuk, not {brand!r}")
    data_dir = Path(env.get("DATA_DIR") or "var").resolve()
    host = env.get("HOST") or "127.0.0.1"
    smtp_tls, smtp_starttls = _flag(env.get("SMTP_TLS")), _flag(env.get("SMTP_STARTTLS"))
    try:
        port = int(env.get("PORT") or 8000)
        smtp_port = int(env.get("SMTP_PORT") or (465 if smtp_tls else 25))
        clamd_port = int(env.get("CLAMD_PORT") or 3310)
        max_upload_mb = int(env.get("MAX_UPLOAD_MB") or 10)
        staff_max_upload_mb = int(env.get("STAFF_MAX_UPLOAD_MB") or 2048)
        scanner_max_mb = int(env.get("SCANNER_MAX_MB") or 2048)
        disk_reserve_mb = int(env.get("DISK_RESERVE_MB") or 1024)
        rate_limit_scale = max(1, int(env.get("RATE_LIMIT_SCALE") or 1))
    except ValueError as exc:
        raise SettingsError(f"A numeric setting is not a number: {exc}") from exc
    _check_smtp_security(env, smtp_tls=smtp_tls, smtp_starttls=smtp_starttls)
    if min(max_upload_mb, staff_max_upload_mb, scanner_max_mb) < 1:
        raise SettingsError("MAX_UPLOAD_MB, STAFF_MAX_UPLOAD_MB and SCANNER_MAX_MB must be at least 1")
    if disk_reserve_mb < 0:
        raise SettingsError("DISK_RESERVE_MB cannot be negative")
    if scanner_max_mb > 4095:
        raise SettingsError("SCANNER_MAX_MB cannot be over 4095: clamd's StreamMaxLength is at most 4G")
    secret = env.get("SECRET_KEY") or ""
    if not secret:
        if app_env == "production":
            raise SettingsError("SECRET_KEY must be set in production")
        secret = _development_secret(data_dir)
    elif app_env == "production" and len(secret) < 32:
        raise SettingsError("SECRET_KEY must be at least 32 characters in production")
    database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'civic.db'}"
    if database_url.startswith("postgresql://") or database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.split("://", 1)[1]
    base_url = (env.get("BASE_URL") or f"http://{host}:{port}").rstrip("/")
    return Settings(
        app_env=app_env,  # type: ignore[arg-type]
        app_env_set=bool(env.get("APP_ENV")),
        data_dir=data_dir,
        database_url=database_url,
        secret_key=secret,
        base_url=base_url,
        host=host,
        port=port,
        smtp_host=env.get("SMTP_HOST") or None,
        smtp_port=smtp_port,
        smtp_username=env.get("SMTP_USERNAME") or None,
        smtp_password=env.get("SMTP_PASSWORD") or None,
        smtp_starttls=smtp_starttls,
        smtp_tls=smtp_tls,
        smtp_ca_file=env.get("SMTP_CA_FILE") or None,
        mail_from=env.get("MAIL_FROM") or "noreply@localhost",
        notify_api_key=env.get("NOTIFY_API_KEY") or None,
        notify_template_id=env.get("NOTIFY_TEMPLATE_ID") or None,
        clamd_socket=env.get("CLAMD_SOCKET") or None,
        clamd_host=env.get("CLAMD_HOST") or "127.0.0.1",
        clamd_port=clamd_port,
        org_name=env.get("ORG_NAME") or "Example Council",
        brand=brand,  # type: ignore[arg-type]
        max_upload_bytes=max_upload_mb * 1024 * 1024,
        staff_max_upload_bytes=staff_max_upload_mb * 1024 * 1024,
        scanner_max_bytes=min(scanner_max_mb * 1024 * 1024, CLAMAV_MAX_FILE_BYTES),
        disk_reserve_bytes=disk_reserve_mb * 1024 * 1024,
        rate_limit_scale=rate_limit_scale,
        body_grace_seconds=float(env.get("BODY_GRACE_SECONDS") or 0) or None,
        oidc_issuer=env.get("OIDC_ISSUER") or None,
        oidc_client_id=env.get("OIDC_CLIENT_ID") or None,
        oidc_client_secret=env.get("OIDC_CLIENT_SECRET") or None,
        oidc_provider_name=env.get("OIDC_PROVIDER_NAME") or None,
        trusted_proxies=_trusted_proxies(env.get("TRUSTED_PROXIES") or ""),
    )
