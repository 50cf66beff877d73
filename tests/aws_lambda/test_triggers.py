"""Cognito's User Migration trigger (triggers.handler) on the documented event shapes.

moto never invokes triggers, so the events are the Cognito developer guide's samples in
tests/events/, handed to the handler as Lambda would.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

import triggers
from proxy_app.aws.table import Records
from proxy_app.config import Config, ConfigError
from tests.support import EVENTS
from tests.support.legacy_app import serve
from tests.support.legacy_hashes import bcrypt_hash
from tests.support.legacy_stores import Store, Stores

PASSWORD = "legacy-Passw0rd!"  # the samples' password
USERNAME = "ada@example.com"  # the samples' userName


def event(name: str, **changes: Any) -> dict[str, Any]:
    """A sample event from tests/events/, with top-level members changed."""
    loaded: dict[str, Any] = json.loads((EVENTS / f"cognito-{name}.json").read_text())
    loaded.update(changes)
    return loaded


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with Stores(tmp_path_factory.mktemp("legacy")) as stores:
        made = stores.get("sqlite")
        made.add_user(USERNAME, bcrypt_hash(PASSWORD), email=USERNAME, given_name="Ada")
        made.add_user("twice", bcrypt_hash(PASSWORD))
        made.add_user("twice", bcrypt_hash(PASSWORD))
        yield made


@pytest.fixture
def lambda_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """A fresh Lambda container: no source built yet, no app client configured."""
    monkeypatch.setattr(triggers, "_source", None)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "cognito-proxy-prod-userMigration")
    for name in ("LEGACY_DATABASE_URL", "LEGACY_USER_QUERY", "LEGACY_AUTH_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LEGACY_TIMEOUT_SECONDS", "1")
    return monkeypatch


@pytest.fixture
def sql_env(lambda_env: pytest.MonkeyPatch, store: Store) -> pytest.MonkeyPatch:
    lambda_env.setenv("LEGACY_DATABASE_URL", store.url)
    lambda_env.setenv("LEGACY_USER_QUERY", store.user_query())
    return lambda_env


def test_sign_in_with_the_legacy_password_migrates_the_user_confirmed(
    sql_env: pytest.MonkeyPatch,
) -> None:
    sample = event("user-migration-authentication")
    answered = triggers.handler(copy.deepcopy(sample), None)
    assert answered["response"] == {
        **sample["response"],
        "userAttributes": {"email": USERNAME, "given_name": "Ada"},
        "finalUserStatus": "CONFIRMED",
        "messageAction": "SUPPRESS",
    }
    assert {k: v for k, v in answered.items() if k != "response"} == {
        k: v for k, v in sample.items() if k != "response"
    }


def test_emails_are_marked_verified_when_configured(sql_env: pytest.MonkeyPatch) -> None:
    sql_env.setenv("LEGACY_EMAILS_VERIFIED", "true")
    answered = triggers.handler(event("user-migration-authentication"), None)
    assert answered["response"]["userAttributes"]["email_verified"] == "true"


def test_a_wrong_password_and_an_unknown_user_are_denied_alike(
    sql_env: pytest.MonkeyPatch,
) -> None:
    wrong = event("user-migration-authentication")
    wrong["request"]["password"] = "not-it"
    with pytest.raises(triggers.MigrationDenied) as denied_wrong:
        triggers.handler(wrong, None)
    with pytest.raises(triggers.MigrationDenied) as denied_unknown:
        triggers.handler(event("user-migration-authentication", userName="nobody"), None)
    assert str(denied_wrong.value) == str(denied_unknown.value) == triggers.DENIED


def test_forgot_password_migrates_without_a_password_and_sets_no_status(
    sql_env: pytest.MonkeyPatch,
) -> None:
    sql_env.setenv("LEGACY_EMAILS_VERIFIED", "true")  # Cognito sends codes to verified emails
    answered = triggers.handler(event("user-migration-forgot-password"), None)
    response = answered["response"]
    assert response["userAttributes"] == {
        "email": USERNAME,
        "email_verified": "true",
        "given_name": "Ada",
    }
    assert response["messageAction"] == "SUPPRESS"
    assert response["finalUserStatus"] is None  # Cognito leaves the user to reset
    with pytest.raises(triggers.MigrationDenied, match=triggers.DENIED):
        triggers.handler(event("user-migration-forgot-password", userName="nobody"), None)


def test_an_ambiguous_legacy_user_is_denied_never_guessed(sql_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(triggers.MigrationDenied, match=triggers.DENIED):
        triggers.handler(event("user-migration-authentication", userName="twice"), None)


def test_an_authentication_event_without_a_password_is_denied(
    sql_env: pytest.MonkeyPatch,
) -> None:
    malformed = event("user-migration-authentication")
    del malformed["request"]["password"]
    with pytest.raises(triggers.MigrationDenied):
        triggers.handler(malformed, None)


@pytest.mark.parametrize(
    "name", ["user-migration-authentication", "user-migration-forgot-password"]
)
@pytest.mark.parametrize("member", ["request", "response"])
@pytest.mark.parametrize("malformed", [["password"], [], "password", "", None, 5], ids=repr)
def test_an_event_whose_request_or_response_is_not_an_object_is_denied_as_malformed(
    sql_env: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    name: str,
    member: str,
    malformed: Any,
) -> None:
    with pytest.raises(triggers.MigrationDenied, match=triggers.DENIED):
        triggers.handler(event(name, **{member: malformed}), None)
    (record,) = [r for r in caplog.records if r.getMessage() == "malformed migration event"]
    assert record.levelname == "ERROR"
    assert "user migrated" not in caplog.text
    assert PASSWORD not in caplog.text


def test_an_event_without_a_request_or_response_is_denied_as_malformed(
    sql_env: pytest.MonkeyPatch,
) -> None:
    for member in ("request", "response"):
        sample = event("user-migration-forgot-password")
        del sample[member]
        with pytest.raises(triggers.MigrationDenied, match=triggers.DENIED):
            triggers.handler(sample, None)


def test_other_triggers_pass_through_untouched_with_nothing_configured(
    lambda_env: pytest.MonkeyPatch,
) -> None:
    sample = event("pre-sign-up")
    assert triggers.handler(copy.deepcopy(sample), None) == sample
    assert triggers._source is None  # nothing was built for it


def test_the_source_is_built_once_per_container_at_the_first_event(
    sql_env: pytest.MonkeyPatch,
) -> None:
    built: list[object] = []
    real = triggers.legacy_source

    def counting(config: Any) -> Any:
        built.append(config)
        return real(config)

    sql_env.setattr(triggers, "legacy_source", counting)
    assert triggers._source is None
    for _ in range(3):
        triggers.handler(event("user-migration-authentication"), None)
    assert len(built) == 1


def test_the_http_source_serves_the_trigger_too(lambda_env: pytest.MonkeyPatch) -> None:
    with serve() as app:
        app.add_user(USERNAME, PASSWORD, email=USERNAME, email_verified=False)
        lambda_env.setenv("LEGACY_AUTH_URL", app.url)
        answered = triggers.handler(event("user-migration-authentication"), None)
    assert answered["response"]["userAttributes"] == {"email": USERNAME, "email_verified": "false"}
    assert app.received[0].body == {"username": USERNAME, "password": PASSWORD}


def test_a_hung_legacy_store_fails_the_migration_well_within_cognitos_5_seconds(
    lambda_env: pytest.MonkeyPatch,
) -> None:
    with serve() as app:
        app.delay = 6
        lambda_env.setenv("LEGACY_AUTH_URL", app.url)
        lambda_env.setenv("LEGACY_TIMEOUT_SECONDS", str(triggers.MAX_TIMEOUT_SECONDS))
        started = time.monotonic()
        with pytest.raises(triggers.MigrationUnavailable):
            triggers.handler(event("user-migration-authentication"), None)
        assert time.monotonic() - started < 3.5


def test_the_proxys_default_timeout_works_in_the_trigger_shortened(
    sql_env: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # LEGACY_TIMEOUT_SECONDS defaults to 2 in the proxy: the same settings serve both.
    sql_env.setenv("LEGACY_TIMEOUT_SECONDS", "2")
    answered = triggers.handler(event("user-migration-authentication"), None)
    assert answered["response"]["finalUserStatus"] == "CONFIRMED"
    assert "shortened to 1.5 s" in caplog.text


def test_without_a_legacy_store_the_trigger_names_what_is_missing(
    lambda_env: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ConfigError) as error:
        triggers.handler(event("user-migration-authentication"), None)
    assert error.value.variable == "LEGACY_DATABASE_URL"


def _service_table(env: pytest.MonkeyPatch, endpoint: str, table: str) -> Records:
    """The service's table in moto's DynamoDB, given to the trigger as Lambda would."""
    records = Records(
        Config(records_table=table, dynamodb_endpoint_url=endpoint, region="us-east-1")
    )
    records.create_table()
    env.setenv("REVOCATION_TABLE", table)
    env.setenv("DYNAMODB_ENDPOINT_URL", endpoint)
    return records


def test_an_account_deleted_through_the_service_is_not_migrated_again(
    sql_env: pytest.MonkeyPatch, moto_endpoint: str
) -> None:
    """With REVOCATION_TABLE, the trigger honours the proxy's deletion records too."""
    records = _service_table(sql_env, moto_endpoint, "trigger-deletions")
    assert triggers.handler(event("user-migration-authentication"), None)["response"][
        "finalUserStatus"
    ]
    records.record_deletion(USERNAME, "a-sub")
    with pytest.raises(triggers.MigrationDenied):
        triggers.handler(event("user-migration-authentication"), None)


# --- The policy the proxy asks, asked by the trigger too ------------------------------

VARIANT_QUERY = (
    "SELECT login AS username, password_hash, email FROM users "
    "WHERE lower(login) = lower(:username) OR lower(email) = lower(:username)"
)


@pytest.fixture(scope="module")
def variant_rows(store: Store) -> Store:
    store.add_user("henry", bcrypt_hash(PASSWORD), email="henry@example.com")
    store.add_user("locked", "!" + bcrypt_hash(PASSWORD), email="locked@example.com")
    store.add_user("Hilda", bcrypt_hash(PASSWORD), email="hilda@example.com")
    return store


@pytest.fixture
def variants(lambda_env: pytest.MonkeyPatch, variant_rows: Store) -> pytest.MonkeyPatch:
    """A legacy query that finds a row by any case of its login, or by its email."""
    store = variant_rows
    lambda_env.setenv("LEGACY_DATABASE_URL", store.url)
    lambda_env.setenv("LEGACY_USER_QUERY", VARIANT_QUERY)
    return lambda_env


@pytest.mark.parametrize("typed", ["HENRY", "Henry", "henry@example.com"])
def test_a_case_variant_or_email_never_becomes_a_second_account(
    variants: pytest.MonkeyPatch, typed: str
) -> None:
    for name in ("user-migration-authentication", "user-migration-forgot-password"):
        with pytest.raises(triggers.MigrationDenied):
            triggers.handler(event(name, userName=typed), None)
    # The row's own name migrates.
    answered = triggers.handler(event("user-migration-authentication", userName="henry"), None)
    assert answered["response"]["finalUserStatus"] == "CONFIRMED"


def test_a_hash_locked_in_the_legacy_store_never_migrates(variants: pytest.MonkeyPatch) -> None:
    for name in ("user-migration-authentication", "user-migration-forgot-password"):
        with pytest.raises(triggers.MigrationDenied):
            triggers.handler(event(name, userName="locked"), None)


def test_a_deletion_recorded_under_another_case_is_honoured(
    variants: pytest.MonkeyPatch, moto_endpoint: str
) -> None:
    records = _service_table(variants, moto_endpoint, "trigger-case-deletions")
    assert triggers.handler(event("user-migration-forgot-password", userName="Hilda"), None)
    # A case-insensitive pool's proxy records `hilda` for the user `Hilda` it deleted.
    records.record_deletion("hilda", "a-sub")
    for name in ("user-migration-authentication", "user-migration-forgot-password"):
        with pytest.raises(triggers.MigrationDenied):
            triggers.handler(event(name, userName="Hilda"), None)


def test_the_trigger_reads_the_service_table_settings_as_the_proxy_does() -> None:
    environ = {
        "AWS_REGION": "eu-west-1",
        "REGION_NAME": "us-east-2",
        "REVOCATION_TABLE": "service-table",
        "DYNAMODB_ENDPOINT_URL": "http://127.0.0.1:1",
    }
    read = Config.service_table_from_env(environ)
    proxy = Config.from_env(
        {**environ, "COGNITO_USER_POOL_ID": "us-east-2_abcDEF123", "COGNITO_APP_CLIENT_ID": "c1"}
    )
    assert (read.region, read.records_table, read.dynamodb_endpoint_url) == (
        proxy.region,
        proxy.records_table,
        proxy.dynamodb_endpoint_url,
    )
    with pytest.raises(ConfigError, match="REVOCATION_TABLE"):
        Config.service_table_from_env({"REVOCATION_TABLE": "not a table!"})
