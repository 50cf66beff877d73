"""Configuration from the environment; a bad value raises and names the variable."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urlsplit

# Standard OIDC profile attributes a user may set about themselves. Never the
# *_verified flags, never custom attributes: an operator must list those explicitly.
DEFAULT_WRITABLE_ATTRIBUTES = frozenset(
    {
        "address",
        "birthdate",
        "email",
        "family_name",
        "gender",
        "given_name",
        "locale",
        "middle_name",
        "name",
        "nickname",
        "phone_number",
        "picture",
        "preferred_username",
        "profile",
        "website",
        "zoneinfo",
    }
)

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}
_Default = TypeVar("_Default", bool, None)
# Matched with fullmatch: `$` would also accept a trailing newline.
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")
_POOL_ID = re.compile(r"[\w-]+_[0-9a-zA-Z]+")
_CLIENT_ID = re.compile(r"[\w+]+")
_ATTRIBUTE = re.compile(r"(custom:)?[A-Za-z0-9_:.-]{1,32}")
_URL = re.compile(r"https?://[^\s/]+(/\S*)?")
# An origin as a browser sends it, nothing more: scheme, a host name or IPv4 address (or
# a bracketed IPv6 address), and an optional port. No wildcard, path or pattern.
_ORIGIN = re.compile(
    r"https?://(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(?P<port>[1-9][0-9]{0,4}))?"
)
MAX_PORT = 65535
_TABLE = re.compile(r"[A-Za-z0-9_.-]{3,255}")
_SECRET = re.compile(r"[\x21-\x7e]+")
# An otpauth:// label is ISSUER:ACCOUNT, so the issuer cannot hold a colon.
_ISSUER_NAME = re.compile(r"[^:\x00-\x1f\x7f]{1,64}")
_LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
MAX_TOKEN_LEEWAY = 300
MIN_SECRET = 32
# Where a trusted backend presents AUTOCONFIRM_SECRET on /signup.
AUTOCONFIRM_SECRET_HEADER = "X-Autoconfirm-Secret"  # noqa: S105 - a header name
# A SQLAlchemy URL starts with dialect[+driver]://; the rest is the driver's business.
_DATABASE_URL = re.compile(r"^[A-Za-z][A-Za-z0-9]*(\+[A-Za-z0-9_]+)?://")
# A named bind parameter as SQLAlchemy's text() finds them (not PostgreSQL's ::casts).
_BIND_PARAMETER = re.compile(r"(?<![:\w\\]):(\w+)(?!:)")
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}
# The values of LOCAL_POOL_USERNAME_ATTRIBUTES, and what the local pool's users sign in with.
LOCAL_POOL_USERNAME_ATTRIBUTES = {
    ("email",): "email (users sign in by email)",
    (): "unset (users sign in by username)",
}
MAX_LEGACY_TIMEOUT = 10.0


class ConfigError(ValueError):
    """A configuration variable is missing or malformed."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True)
class Config:
    """Everything the app reads from its environment, validated."""

    region: str = "us-east-1"
    user_pool_id: str | None = None
    app_client_id: str | None = None
    app_client_secret: str | None = field(default=None, repr=False)
    autoconfirm_user: bool = False
    # The shared secret a trusted backend presents to have an auto-confirmed email verified.
    autoconfirm_secret: str | None = field(default=None, repr=False)
    endpoint_url: str | None = None
    issuer_override: str | None = None
    jwks_url_override: str | None = None
    writable_attributes: frozenset[str] = DEFAULT_WRITABLE_ATTRIBUTES
    accept_credential_headers: bool = True
    cors_allowed_origins: tuple[str, ...] = ()
    log_level: str = "INFO"
    token_leeway_seconds: int = 0
    token_revocation_check: bool = False
    # The issuer authenticator apps show for TOTP; None means the pool's name.
    mfa_issuer_name: str | None = None
    # The service's own DynamoDB table (aws/table.py) and, for emulators, its endpoint.
    records_table: str | None = None
    dynamodb_endpoint_url: str | None = None
    connect_timeout: float = 2.0
    read_timeout: float = 5.0
    jwks_connect_timeout: float = 1.5
    jwks_total_timeout: float = 3.0
    in_lambda: bool = False
    local_mode_allow_remote: bool = False
    # Local mode only: accept any confirmation code (the emulator checks them otherwise).
    local_accept_any_code: bool = False
    # Local mode only: the emulator's pool. Case-insensitive usernames, as AWS recommends,
    # unless this is set; users sign in by the attributes listed (email) or by username.
    local_pool_case_sensitive: bool = False
    local_pool_username_attributes: tuple[str, ...] = ()
    # The demo page and /docs (proxy_app/web); None means "in local mode only".
    demo_page: bool | None = None
    # Set only by local mode: fixed credentials for the embedded emulator.
    static_credentials: tuple[str, str] | None = field(default=None, repr=False)
    # The legacy user store (README "Migration from a legacy user store"); off when unset.
    legacy_database_url: str | None = field(default=None, repr=False)
    legacy_user_query: str | None = None
    legacy_users_query: str | None = None
    legacy_auth_url: str | None = field(default=None, repr=False)
    legacy_auth_token: str | None = field(default=None, repr=False)
    legacy_emails_verified: bool = False
    legacy_timeout_seconds: float = 2.0

    @property
    def local_mode(self) -> bool:
        """True when no user pool is configured (the embedded emulator is used)."""
        return self.user_pool_id is None

    @property
    def serves_demo_page(self) -> bool:
        """True when `/` and `/docs` are served: DEMO_PAGE, else local mode."""
        return self.local_mode if self.demo_page is None else self.demo_page

    @property
    def issuer(self) -> str:
        """The expected `iss` claim of the pool's tokens."""
        if self.issuer_override:
            return self.issuer_override
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @property
    def jwks_url(self) -> str:
        """Where the pool's signing keys are fetched."""
        if self.jwks_url_override:
            return self.jwks_url_override
        if self.endpoint_url:
            return f"{self.endpoint_url.rstrip('/')}/{self.user_pool_id}/.well-known/jwks.json"
        return f"{self.issuer}/.well-known/jwks.json"

    def replace(self, **changes: object) -> Config:
        """Return a copy with some fields changed, validated again."""
        new = dataclasses.replace(self, **changes)  # type: ignore[arg-type]
        new.validate()
        return new

    def validate(self) -> None:
        """Raise ConfigError for a value that cannot work."""
        if not _REGION.fullmatch(self.region):
            raise ConfigError("REGION_NAME", f"not an AWS region name: {self.region!r}")
        if self.user_pool_id is not None:
            if not _POOL_ID.fullmatch(self.user_pool_id) or len(self.user_pool_id) > 55:
                raise ConfigError("COGNITO_USER_POOL_ID", "not a user pool id (region_xxxx)")
            if not self.app_client_id:
                raise ConfigError(
                    "COGNITO_APP_CLIENT_ID", "required when COGNITO_USER_POOL_ID is set"
                )
        elif self.in_lambda:
            raise ConfigError(
                "COGNITO_USER_POOL_ID",
                "required inside AWS Lambda (local mode runs only outside Lambda)",
            )
        if self.app_client_id is not None and (
            not _CLIENT_ID.fullmatch(self.app_client_id) or len(self.app_client_id) > 128
        ):
            raise ConfigError("COGNITO_APP_CLIENT_ID", "not an app client id")
        for name, url in (
            ("COGNITO_ENDPOINT_URL", self.endpoint_url),
            ("COGNITO_ISSUER", self.issuer_override),
            ("COGNITO_JWKS_URL", self.jwks_url_override),
            ("DYNAMODB_ENDPOINT_URL", self.dynamodb_endpoint_url),
        ):
            if url is not None and not _URL.fullmatch(url):
                raise ConfigError(name, f"not an http(s) URL: {url!r}")
        secret = self.autoconfirm_secret
        if secret is not None and (len(secret) < MIN_SECRET or not _SECRET.fullmatch(secret)):
            raise ConfigError(
                "AUTOCONFIRM_SECRET", f"at least {MIN_SECRET} printable ASCII characters"
            )
        if self.records_table is not None and not _TABLE.fullmatch(self.records_table):
            raise ConfigError(
                "REVOCATION_TABLE", "not a DynamoDB table name (3-255 of A-Za-z0-9_.-)"
            )
        issuer = self.mfa_issuer_name
        if issuer is not None and not _ISSUER_NAME.fullmatch(issuer):
            raise ConfigError(
                "MFA_ISSUER_NAME", "1 to 64 characters, no colon or control character"
            )
        if self.log_level not in _LOG_LEVELS:
            raise ConfigError("LOG_LEVEL", f"one of {', '.join(sorted(_LOG_LEVELS))}")
        if not 0 <= self.token_leeway_seconds <= MAX_TOKEN_LEEWAY:
            raise ConfigError("TOKEN_LEEWAY_SECONDS", f"0 to {MAX_TOKEN_LEEWAY}")
        for origin in self.cors_allowed_origins:
            if not _is_origin(origin):
                raise ConfigError(
                    "CORS_ALLOWED_ORIGINS",
                    f"not an exact origin (http(s)://host[:port], no wildcard): {origin!r}",
                )
        if self.local_pool_username_attributes not in LOCAL_POOL_USERNAME_ATTRIBUTES:
            raise ConfigError(
                "LOCAL_POOL_USERNAME_ATTRIBUTES",
                f"expected {' or '.join(LOCAL_POOL_USERNAME_ATTRIBUTES.values())}, "
                f"got {','.join(self.local_pool_username_attributes)!r}",
            )
        self._validate_legacy()
        if self.legacy_configured and self.records_table is None and not self.local_mode:
            raise ConfigError(
                "REVOCATION_TABLE",
                "required with a legacy store: accounts deleted through this service must "
                "stay deleted (serverless.yml creates the table)",
            )

    @property
    def legacy_configured(self) -> bool:
        """True when a legacy user store (SQL or HTTP) is configured."""
        return bool(self.legacy_database_url or self.legacy_auth_url)

    def _validate_legacy(self) -> None:
        # Messages never quote the URL or the token: they may hold a password.
        if self.legacy_database_url and self.legacy_auth_url:
            raise ConfigError(
                "LEGACY_AUTH_URL", "set either LEGACY_DATABASE_URL or LEGACY_AUTH_URL, not both"
            )
        if self.legacy_database_url is not None:
            if not _DATABASE_URL.match(self.legacy_database_url):
                raise ConfigError(
                    "LEGACY_DATABASE_URL", "not a SQLAlchemy URL (dialect+driver://...)"
                )
            if not self.legacy_user_query:
                raise ConfigError("LEGACY_USER_QUERY", "required with LEGACY_DATABASE_URL")
        for name, query in (
            ("LEGACY_USER_QUERY", self.legacy_user_query),
            ("LEGACY_USERS_QUERY", self.legacy_users_query),
        ):
            if query is not None and not self.legacy_database_url:
                raise ConfigError(name, "needs LEGACY_DATABASE_URL")
        if self.legacy_user_query is not None:
            names = set(_BIND_PARAMETER.findall(self.legacy_user_query))
            if names != {"username"}:
                raise ConfigError(
                    "LEGACY_USER_QUERY", "needs the :username parameter and no other parameter"
                )
        if self.legacy_users_query is not None and _BIND_PARAMETER.search(self.legacy_users_query):
            raise ConfigError("LEGACY_USERS_QUERY", "takes no parameter")
        if self.legacy_auth_url is not None:
            parts = urlsplit(self.legacy_auth_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ConfigError("LEGACY_AUTH_URL", "not an http(s) URL")
            # Passwords travel in this request: plain HTTP only to this machine.
            if parts.scheme == "http" and parts.hostname not in _LOOPBACK_HOSTS:
                raise ConfigError("LEGACY_AUTH_URL", "must be https (http only for localhost)")
        if self.legacy_auth_token is not None and not self.legacy_auth_url:
            raise ConfigError("LEGACY_AUTH_TOKEN", "needs LEGACY_AUTH_URL")
        if not 0 < self.legacy_timeout_seconds <= MAX_LEGACY_TIMEOUT:
            raise ConfigError(
                "LEGACY_TIMEOUT_SECONDS", f"more than 0 and at most {MAX_LEGACY_TIMEOUT:g}"
            )

    @classmethod
    def legacy_from_env(cls, environ: Mapping[str, str]) -> Config:
        """Read only the legacy store's settings and LOG_LEVEL (for the migration trigger,
        no app client), read and checked as `from_env` reads and checks them."""
        wanted = {k: v for k, v in environ.items() if k.startswith("LEGACY_") or k == "LOG_LEVEL"}
        return cls.from_env(wanted)

    @classmethod
    def service_table_from_env(cls, environ: Mapping[str, str]) -> Config:
        """Read only what reaching the service's table takes (the migration trigger): the
        region, REVOCATION_TABLE and DYNAMODB_ENDPOINT_URL, read and checked as
        `from_env` reads and checks them."""
        full = {
            name: environ[name]
            for name in ("REGION_NAME", "AWS_REGION", "REVOCATION_TABLE", "DYNAMODB_ENDPOINT_URL")
            if name in environ
        }
        # from_env checks the rest too; nothing else is set here, so nothing else fails.
        return cls.from_env(full)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Config:
        """Read and validate the configuration from environment variables."""

        def text(name: str) -> str | None:
            return environ.get(name, "").strip() or None

        config = cls(
            region=text("REGION_NAME") or text("AWS_REGION") or "us-east-1",
            user_pool_id=text("COGNITO_USER_POOL_ID"),
            app_client_id=text("COGNITO_APP_CLIENT_ID"),
            app_client_secret=text("COGNITO_APP_CLIENT_SECRET"),
            autoconfirm_user=_flag(environ, "AUTOCONFIRM_USER", False),
            autoconfirm_secret=text("AUTOCONFIRM_SECRET"),
            endpoint_url=text("COGNITO_ENDPOINT_URL"),
            issuer_override=text("COGNITO_ISSUER"),
            jwks_url_override=text("COGNITO_JWKS_URL"),
            writable_attributes=_attributes(environ),
            accept_credential_headers=_flag(environ, "ACCEPT_CREDENTIAL_HEADERS", True),
            cors_allowed_origins=tuple(
                o.strip().rstrip("/")
                for o in environ.get("CORS_ALLOWED_ORIGINS", "").split(",")
                if o.strip()
            ),
            log_level=(text("LOG_LEVEL") or "INFO").upper(),
            token_leeway_seconds=_integer(environ, "TOKEN_LEEWAY_SECONDS", 0),
            token_revocation_check=_flag(environ, "TOKEN_REVOCATION_CHECK", False),
            mfa_issuer_name=text("MFA_ISSUER_NAME"),
            records_table=text("REVOCATION_TABLE"),
            dynamodb_endpoint_url=text("DYNAMODB_ENDPOINT_URL"),
            in_lambda=bool(text("AWS_LAMBDA_FUNCTION_NAME")),
            local_mode_allow_remote=_flag(environ, "LOCAL_MODE_ALLOW_REMOTE", False),
            local_accept_any_code=_flag(environ, "LOCAL_ACCEPT_ANY_CODE", False),
            local_pool_case_sensitive=_flag(environ, "LOCAL_POOL_CASE_SENSITIVE", False),
            local_pool_username_attributes=tuple(
                name.strip().lower()
                for name in environ.get("LOCAL_POOL_USERNAME_ATTRIBUTES", "").split(",")
                if name.strip()
            ),
            demo_page=_flag(environ, "DEMO_PAGE", None),
            legacy_database_url=text("LEGACY_DATABASE_URL"),
            legacy_user_query=text("LEGACY_USER_QUERY"),
            legacy_users_query=text("LEGACY_USERS_QUERY"),
            legacy_auth_url=text("LEGACY_AUTH_URL"),
            legacy_auth_token=text("LEGACY_AUTH_TOKEN"),
            legacy_emails_verified=_flag(environ, "LEGACY_EMAILS_VERIFIED", False),
            legacy_timeout_seconds=_seconds(environ, "LEGACY_TIMEOUT_SECONDS", 2.0),
        )
        config.validate()
        return config


def _is_origin(origin: str) -> bool:
    match = _ORIGIN.fullmatch(origin)
    if match is None:
        return False
    port = match.group("port")
    return port is None or int(port) <= MAX_PORT


def _flag(environ: Mapping[str, str], name: str, default: _Default) -> bool | _Default:
    """A true/false variable; unset or blank means the default (None: "the mode's default")."""
    raw = environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False if value else default
    raise ConfigError(name, f"expected true or false, got {raw!r}")


def _integer(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(name, f"expected a whole number, got {raw!r}") from None


def _attributes(environ: Mapping[str, str]) -> frozenset[str]:
    raw = environ.get("WRITABLE_ATTRIBUTES")
    if raw is None or not raw.strip():
        return DEFAULT_WRITABLE_ATTRIBUTES
    names = frozenset(name.strip() for name in raw.split(",") if name.strip())
    for name in names:
        if not _ATTRIBUTE.fullmatch(name):
            raise ConfigError("WRITABLE_ATTRIBUTES", f"not an attribute name: {name!r}")
    return names


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(name, f"expected a number of seconds, got {raw!r}") from None
    if not math.isfinite(value):
        raise ConfigError(name, f"expected a number of seconds, got {raw!r}")
    return value
