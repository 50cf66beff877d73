"""LEGACY_* settings: off by default, start-up errors that name the variable, no secrets
shown. (That nothing of it loads unless configured: tests/aws_lambda/test_wsgi_import.py.)"""

from __future__ import annotations

import pytest

from proxy_app.config import Config, ConfigError
from proxy_app.legacy import legacy_source

POOL = {
    "COGNITO_USER_POOL_ID": "us-east-1_AbCdEf123",
    "COGNITO_APP_CLIENT_ID": "1a2b3c4d5e",
    "REVOCATION_TABLE": "cognito-proxy-prod-service",
}
SQL = {
    "LEGACY_DATABASE_URL": "postgresql+psycopg://legacy:Db-S3cret@db.internal:5432/users",
    "LEGACY_USER_QUERY": "SELECT password_hash, email FROM accounts WHERE login = :username",
}
HTTP = {"LEGACY_AUTH_URL": "https://legacy.example.com/auth", "LEGACY_AUTH_TOKEN": "Tok-S3cret"}


def error_for(**environ: str) -> ConfigError:
    with pytest.raises(ConfigError) as raised:
        Config.from_env({**POOL, **environ})
    return raised.value


def test_off_unless_configured() -> None:
    config = Config.from_env(POOL)
    assert not config.legacy_configured
    assert legacy_source(config) is None
    assert config.legacy_timeout_seconds == 2.0
    assert config.legacy_emails_verified is False


def test_values_are_parsed() -> None:
    config = Config.from_env(
        {
            **POOL,
            **SQL,
            "LEGACY_USERS_QUERY": "SELECT login AS username, email FROM accounts;",
            "LEGACY_EMAILS_VERIFIED": "yes",
            "LEGACY_TIMEOUT_SECONDS": "1.5",
        }
    )
    assert config.legacy_configured
    assert config.legacy_user_query == SQL["LEGACY_USER_QUERY"]
    assert config.legacy_users_query is not None
    assert config.legacy_emails_verified is True
    assert config.legacy_timeout_seconds == 1.5


def test_secrets_are_not_in_the_repr() -> None:
    shown = repr(Config.from_env({**POOL, **SQL})) + repr(Config.from_env({**POOL, **HTTP}))
    assert "Db-S3cret" not in shown
    assert "Tok-S3cret" not in shown
    assert "legacy.example.com" not in shown


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({**SQL, **HTTP}, "LEGACY_AUTH_URL"),
        ({"LEGACY_DATABASE_URL": "not a url at all"}, "LEGACY_DATABASE_URL"),
        ({"LEGACY_DATABASE_URL": SQL["LEGACY_DATABASE_URL"]}, "LEGACY_USER_QUERY"),
        ({"LEGACY_USER_QUERY": SQL["LEGACY_USER_QUERY"]}, "LEGACY_USER_QUERY"),
        ({"LEGACY_USERS_QUERY": "SELECT login AS username FROM a"}, "LEGACY_USERS_QUERY"),
        (
            {**SQL, "LEGACY_USER_QUERY": "SELECT password_hash FROM accounts WHERE login = ?"},
            "LEGACY_USER_QUERY",
        ),
        (
            {**SQL, "LEGACY_USER_QUERY": "SELECT password_hash FROM a WHERE login = :login"},
            "LEGACY_USER_QUERY",
        ),
        (
            {
                **SQL,
                "LEGACY_USER_QUERY": "SELECT password_hash FROM a "
                "WHERE login = :username AND tenant = :tenant",
            },
            "LEGACY_USER_QUERY",
        ),
        (
            {**SQL, "LEGACY_USERS_QUERY": "SELECT login AS username FROM a WHERE t = :t"},
            "LEGACY_USERS_QUERY",
        ),
        ({"LEGACY_AUTH_URL": "ftp://legacy.example.com/auth"}, "LEGACY_AUTH_URL"),
        ({"LEGACY_AUTH_URL": "http://legacy.example.com/auth"}, "LEGACY_AUTH_URL"),
        ({"LEGACY_AUTH_TOKEN": "orphan"}, "LEGACY_AUTH_TOKEN"),
        ({**HTTP, "LEGACY_TIMEOUT_SECONDS": "0"}, "LEGACY_TIMEOUT_SECONDS"),
        ({**HTTP, "LEGACY_TIMEOUT_SECONDS": "11"}, "LEGACY_TIMEOUT_SECONDS"),
        ({**HTTP, "LEGACY_TIMEOUT_SECONDS": "nan"}, "LEGACY_TIMEOUT_SECONDS"),
        ({**HTTP, "LEGACY_TIMEOUT_SECONDS": "soon"}, "LEGACY_TIMEOUT_SECONDS"),
        ({**HTTP, "LEGACY_EMAILS_VERIFIED": "maybe"}, "LEGACY_EMAILS_VERIFIED"),
    ],
)
def test_a_bad_value_is_a_start_up_error_naming_the_variable(
    environ: dict[str, str], variable: str
) -> None:
    error = error_for(**environ)
    assert error.variable == variable
    assert "Db-S3cret" not in str(error)
    assert "Tok-S3cret" not in str(error)


def test_a_postgresql_cast_is_not_a_parameter() -> None:
    query = "SELECT password_hash, created::text AS x FROM a WHERE login = :username"
    assert Config.from_env({**POOL, **SQL, "LEGACY_USER_QUERY": query}).legacy_user_query


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/auth", "http://localhost/auth"])
def test_plain_http_only_to_this_machine(url: str) -> None:
    assert Config.from_env({**POOL, "LEGACY_AUTH_URL": url}).legacy_auth_url == url


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("postgresql+psycopg://legacy:Db-S3cret@db.internal:notaport/users", "not a SQLAlchemy"),
        ("oracle+oracledb://legacy:Db-S3cret@db.internal/users", "unsupported database"),
        ("mysql://legacy:Db-S3cret@db.internal/users", "no installed driver"),
    ],
)
def test_a_url_sqlalchemy_cannot_use_is_a_start_up_error_without_the_password(
    url: str, problem: str
) -> None:
    config = Config.from_env({**POOL, **SQL, "LEGACY_DATABASE_URL": url})
    with pytest.raises(ConfigError) as raised:
        legacy_source(config)
    assert raised.value.variable == "LEGACY_DATABASE_URL"
    assert problem in str(raised.value)
    assert "Db-S3cret" not in str(raised.value)
    # No chained traceback that would quote the URL.
    assert raised.value.__context__ is None or raised.value.__suppress_context__


def test_the_trigger_reads_only_the_legacy_settings_even_inside_lambda() -> None:
    environ = {**HTTP, "AWS_LAMBDA_FUNCTION_NAME": "trigger", "LOG_LEVEL": "debug"}
    with pytest.raises(ConfigError):
        Config.from_env(environ)  # the app needs a pool inside Lambda
    config = Config.legacy_from_env(environ)
    assert config.legacy_auth_url == HTTP["LEGACY_AUTH_URL"]
    assert config.log_level == "DEBUG"


def test_a_legacy_store_needs_the_service_table_outside_local_mode() -> None:
    """Deleted accounts must stay deleted: no table to record them, no start."""
    without = {k: v for k, v in POOL.items() if k != "REVOCATION_TABLE"}
    with pytest.raises(ConfigError) as raised:
        Config.from_env({**without, **SQL})
    assert raised.value.variable == "REVOCATION_TABLE"
    assert Config.from_env(dict(SQL)).local_mode  # local mode makes its own table
