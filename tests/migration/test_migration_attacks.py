"""Migration a team can trust: each way to abuse it, tried from outside
through the proxy, on SQLite and on the real PostgreSQL and MariaDB servers, against the
emulator; and the working paths next to them.

The legacy query finds a row the way legacy apps often do: by any case of the login, or
by the email (`lower(login) = lower(:username) OR lower(email) = lower(:username)`); on
MariaDB its collation also ignores accents, so `alicé` finds `alice`. Each test makes its
own users; the stores are the module's, one per backend.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from proxy_app.aws.table import Records
from tests.support.app import post_sign_in, problem
from tests.support.cognito import Pool, create_pool
from tests.support.legacy_hashes import bcrypt_hash
from tests.support.legacy_stores import Store, Stores
from tests.support.network import closed_port

LEGACY_PASSWORD = "Legacy-Passw0rd!"
NEW_PASSWORD = "Cognito-Passw0rd!2"
QUERY = (
    "SELECT login AS username, password_hash, email, email_verified, given_name FROM users "
    "WHERE lower(login) = lower(:username) OR lower(email) = lower(:username)"
)


@pytest.fixture
def migrating(make_app: Callable[..., Flask], table: str) -> Iterator[Callable[..., Flask]]:
    """Build apps with a legacy store; their pooled connections close at the test's end."""
    made: list[Flask] = []

    def factory(target: Pool, store: Store, query: str = QUERY) -> Flask:
        app = make_app(
            target,
            legacy_database_url=store.url,
            legacy_user_query=query,
            records_table=table,
            dynamodb_endpoint_url=target.endpoint,
        )
        made.append(app)
        return app

    yield factory
    for app in made:
        source = app.extensions["services"].migration._built
        if source is not None:
            source.dispose()


@pytest.fixture
def app(migrating: Callable[..., Flask], store: Store, pool: Pool) -> Flask:
    return migrating(pool, store)


def _legacy_user(store: Store, password_hash: str | None = None, **columns: Any) -> str:
    """A legacy row with a fresh lower-case login (and email login@example.com)."""
    login = f"lg{uuid.uuid4().hex[:10]}"
    store.add_user(
        login,
        bcrypt_hash(LEGACY_PASSWORD) if password_hash is None else password_hash,
        email=f"{login}@example.com",
        email_verified=True,
        given_name="Ada",
        **columns,
    )
    return login


def _unreachable(url: str) -> str:
    """The store's URL with a server that is not there (a port nothing listens on, or a
    SQLite file in a folder that does not exist)."""
    if url.startswith("sqlite"):
        return "sqlite:////nonexistent-folder/legacy.db"
    made = make_url(url).set(port=closed_port())
    return made.render_as_string(hide_password=False)


def _status(cognito: Any, pool: Pool, username: str) -> str | None:
    try:
        return str(cognito.admin_get_user(UserPoolId=pool.id, Username=username)["UserStatus"])
    except cognito.exceptions.UserNotFoundException:
        return None


def _usernames(cognito: Any, pool: Pool, email: str) -> list[str]:
    listed = cognito.list_users(UserPoolId=pool.id, Filter=f'email = "{email}"')["Users"]
    return sorted(user["Username"] for user in listed)


def _reset(app: Flask, username: str, password: str = NEW_PASSWORD) -> None:
    client = app.test_client()
    assert client.post("/password/reset", json={"username": username}).status_code == 200
    # The suite's emulator takes any code it sent (tests/emulator/test_local_mode.py checks codes).
    confirm = {"username": username, "password": password, "confirmationCode": "123456"}
    response = client.post("/password/confirm", json=confirm)
    assert response.status_code == 200, response.json


# --- 1. An admin reset never re-opens the legacy password -------------------------------


class TestAdminResetsAreNeverOverridden:
    def test_admin_reset_after_migration_and_a_cognito_password_change(
        self, app: Flask, store: Store, cognito: Any, pool: Pool
    ) -> None:
        alice = _legacy_user(store)
        assert post_sign_in(app, alice, LEGACY_PASSWORD).status_code == 200
        cognito.admin_set_user_password(
            UserPoolId=pool.id, Username=alice, Password=NEW_PASSWORD, Permanent=True
        )
        cognito.admin_reset_user_password(UserPoolId=pool.id, Username=alice)
        response = post_sign_in(app, alice, LEGACY_PASSWORD)
        assert response.status_code != 200
        assert "idToken" not in response.json
        assert _status(cognito, pool, alice) == "RESET_REQUIRED"

    def test_a_temporary_password_set_by_an_administrator(
        self, app: Flask, store: Store, cognito: Any, pool: Pool
    ) -> None:
        alice = _legacy_user(store)
        assert post_sign_in(app, alice, LEGACY_PASSWORD).status_code == 200
        cognito.admin_set_user_password(
            UserPoolId=pool.id, Username=alice, Password=NEW_PASSWORD, Permanent=False
        )
        problem(post_sign_in(app, alice, LEGACY_PASSWORD), 401, "NotAuthorized")
        assert _status(cognito, pool, alice) == "FORCE_CHANGE_PASSWORD"

    def test_an_invited_user_whose_name_matches_a_legacy_row(
        self, app: Flask, store: Store, cognito: Any, pool: Pool
    ) -> None:
        name = _legacy_user(store)
        cognito.admin_create_user(UserPoolId=pool.id, Username=name, TemporaryPassword=NEW_PASSWORD)
        problem(post_sign_in(app, name, LEGACY_PASSWORD), 401, "NotAuthorized")
        assert _status(cognito, pool, name) == "FORCE_CHANGE_PASSWORD"
        # The invitation's own temporary password still leads to its challenge.
        challenge = post_sign_in(app, name, NEW_PASSWORD)
        assert challenge.status_code == 200 and challenge.json["challengeName"]


# --- 2. Case and Unicode variants, and emails, are not new people -----------------------


class TestTheLegacyRowNamesTheUser:
    def test_a_first_sign_in_by_a_variant_migrates_the_rows_own_name(
        self, app: Flask, store: Store, cognito: Any, pool: Pool
    ) -> None:
        alice = _legacy_user(store)
        response = post_sign_in(app, alice.upper(), LEGACY_PASSWORD)
        assert response.status_code == 200, response.json
        assert _usernames(cognito, pool, f"{alice}@example.com") == [alice]

    @pytest.mark.parametrize("variant", ["upper", "title", "email", "accent"])
    def test_variants_never_make_a_second_account_after_a_password_change(
        self, app: Flask, store: Store, cognito: Any, pool: Pool, variant: str
    ) -> None:
        alice = _legacy_user(store)
        assert post_sign_in(app, alice, LEGACY_PASSWORD).status_code == 200
        client = app.test_client()
        tokens = post_sign_in(app, alice, LEGACY_PASSWORD).json
        changed = client.post(
            "/password/change",
            json={
                "accessToken": tokens["accessToken"],
                "previousPassword": LEGACY_PASSWORD,
                "proposedPassword": NEW_PASSWORD,
            },
        )
        assert changed.status_code in (200, 204), changed.json
        typed = {
            "upper": alice.upper(),
            "title": alice.title(),
            "email": f"{alice}@example.com",
            "accent": alice[:-1] + {"a": "á", "e": "é"}.get(alice[-1], alice[-1]),
        }[variant]
        response = post_sign_in(app, typed, LEGACY_PASSWORD)
        assert response.status_code == 401, response.json
        assert _usernames(cognito, pool, f"{alice}@example.com") == [alice]
        # Nor does a reset by the variant make one.
        app.test_client().post("/password/reset", json={"username": typed})
        assert _usernames(cognito, pool, f"{alice}@example.com") == [alice]


# --- 3. Deleted accounts stay deleted -----------------------------------------------------


class TestDeletedAccountsStayDeleted:
    def test_a_variant_or_a_reset_never_brings_a_deleted_account_back(
        self, app: Flask, store: Store, cognito: Any, pool: Pool
    ) -> None:
        bob = _legacy_user(store)
        tokens = post_sign_in(app, bob, LEGACY_PASSWORD).json
        client = app.test_client()
        assert client.delete("/admin/user", json={"idToken": tokens["idToken"]}).status_code == 204
        for typed in (bob, bob.upper(), f"{bob}@example.com"):
            problem(post_sign_in(app, typed, LEGACY_PASSWORD), 401, "NotAuthorized")
            assert client.post("/password/reset", json={"username": typed}).status_code == 200
        assert _usernames(cognito, pool, f"{bob}@example.com") == []


@pytest.fixture(scope="module")
def email_pool(cognito: Any, cognito_endpoint: str) -> Pool:
    """A pool whose users sign in by email (the username is a generated id)."""
    return create_pool(cognito, cognito_endpoint, secret=False, UsernameAttributes=["email"])


def test_in_an_email_pool_a_deleted_account_does_not_come_back_with_a_new_sub(
    migrating: Callable[..., Flask], stores: Stores, email_pool: Pool, cognito: Any
) -> None:
    store = stores.get("sqlite")
    login = f"lg{uuid.uuid4().hex[:10]}"
    email = f"{login}@example.com"
    # In a pool that signs in by email, the row's name is the email.
    store.add_user(email, bcrypt_hash(LEGACY_PASSWORD), email=email, email_verified=True)
    app = migrating(email_pool, store)
    tokens = post_sign_in(app, email, LEGACY_PASSWORD).json
    assert "idToken" in tokens, tokens
    client = app.test_client()
    assert client.delete("/admin/user", json={"idToken": tokens["idToken"]}).status_code == 204
    problem(post_sign_in(app, email, LEGACY_PASSWORD), 401, "NotAuthorized")
    client.post("/password/reset", json={"username": email})
    assert _usernames(cognito, email_pool, email) == []


# --- 4. A reset before the first sign-in works as Cognito allows ------------------------


class TestResetBeforeTheFirstSignIn:
    def test_the_code_sets_the_password_and_the_legacy_one_is_done(
        self, app: Flask, store: Store, cognito: Any, pool: Pool
    ) -> None:
        carol = _legacy_user(store)
        _reset(app, carol)
        assert _status(cognito, pool, carol) == "CONFIRMED"
        # One password, chosen once: it signs in with tokens, no second prompt.
        response = post_sign_in(app, carol, NEW_PASSWORD)
        assert response.status_code == 200 and response.json["idToken"]
        problem(post_sign_in(app, carol, LEGACY_PASSWORD), 401, "NotAuthorized")

    def test_by_a_variant_it_resets_the_rows_own_account(
        self, app: Flask, store: Store, cognito: Any, pool: Pool
    ) -> None:
        carol = _legacy_user(store)
        client = app.test_client()
        assert client.post("/password/reset", json={"username": carol.upper()}).status_code == 200
        assert _usernames(cognito, pool, f"{carol}@example.com") == [carol]
        assert _status(cognito, pool, carol) == "RESET_REQUIRED"

    def test_a_reset_never_confirmed_leaves_the_legacy_password(
        self, app: Flask, store: Store, cognito: Any, pool: Pool
    ) -> None:
        carol = _legacy_user(store)
        app.test_client().post("/password/reset", json={"username": carol})
        assert post_sign_in(app, carol, LEGACY_PASSWORD).status_code == 200
        assert _status(cognito, pool, carol) == "CONFIRMED"

    def test_after_a_confirmed_reset_an_admin_reset_is_not_overridden(
        self, app: Flask, store: Store, cognito: Any, pool: Pool
    ) -> None:
        carol = _legacy_user(store)
        _reset(app, carol)
        cognito.admin_reset_user_password(UserPoolId=pool.id, Username=carol)
        assert post_sign_in(app, carol, LEGACY_PASSWORD).status_code != 200
        assert _status(cognito, pool, carol) == "RESET_REQUIRED"


# --- 5. The smaller ones --------------------------------------------------------------------


class TestSignUpOfALegacyName:
    def test_a_legacy_name_is_taken(
        self, app: Flask, store: Store, cognito: Any, pool: Pool
    ) -> None:
        dave = _legacy_user(store)
        response = app.test_client().post(
            "/signup", json={"username": dave, "password": NEW_PASSWORD}
        )
        problem(response, 409, "UsernameExists")
        assert _status(cognito, pool, dave) is None

    def test_an_unconfirmed_squatter_gives_way_to_the_legacy_owner(
        self, app: Flask, store: Store, cognito: Any, pool: Pool
    ) -> None:
        dave = _legacy_user(store)
        cognito.sign_up(ClientId=pool.client_id, Username=dave, Password=NEW_PASSWORD)
        assert _status(cognito, pool, dave) == "UNCONFIRMED"
        response = post_sign_in(app, dave, LEGACY_PASSWORD)
        assert response.status_code == 200, response.json
        assert _status(cognito, pool, dave) == "CONFIRMED"
        # The account is the legacy owner's: their attributes, their password.
        problem(post_sign_in(app, dave, NEW_PASSWORD), 401, "NotAuthorized")


class TestLockedLegacyAccounts:
    @pytest.mark.parametrize("locked", ["*", "!", "!$2b$12$abcdefghijklmnopqrstuv", ""])
    def test_never_migrate_by_sign_in_or_reset(
        self, app: Flask, store: Store, cognito: Any, pool: Pool, locked: str
    ) -> None:
        name = _legacy_user(store, locked)
        problem(post_sign_in(app, name, LEGACY_PASSWORD), 401, "NotAuthorized")
        assert app.test_client().post("/password/reset", json={"username": name}).status_code == 200
        assert _status(cognito, pool, name) is None


class TestBrokenOrDownStores:
    @pytest.mark.parametrize(
        "query",
        [
            QUERY.replace("FROM users", "FROM no_such_table"),
            QUERY.replace("login AS username, ", ""),
            QUERY.replace("password_hash, ", ""),
        ],
        ids=["no-such-table", "no-username-column", "no-hash-column"],
    )
    def test_a_broken_query_is_503_naming_the_legacy_store_for_everyone(
        self, migrating: Callable[..., Flask], store: Store, pool: Pool, query: str
    ) -> None:
        known = _legacy_user(store)
        app = migrating(pool, store, query)
        answers = [
            post_sign_in(app, name, LEGACY_PASSWORD)
            for name in (known, f"unknown{uuid.uuid4().hex[:6]}")
        ]
        for response in answers:
            body = problem(response, 503, "UpstreamUnavailable")
            assert "legacy user store" in body["detail"]
        assert answers[0].json["detail"] == answers[1].json["detail"]

    def test_a_store_that_is_down_is_503_for_everyone(
        self, migrating: Callable[..., Flask], store: Store, pool: Pool
    ) -> None:
        known = _legacy_user(store)
        down = Store(store.backend, _unreachable(store.url), store.engine)
        app = migrating(pool, down)
        for name in (known, f"unknown{uuid.uuid4().hex[:6]}"):
            body = problem(post_sign_in(app, name, LEGACY_PASSWORD), 503, "UpstreamUnavailable")
            assert "legacy user store" in body["detail"]


# --- The working paths ------------------------------------------------------------------------


def test_bulk_import_then_sign_in_then_reset(
    app: Flask, store: Store, cognito: Any, pool: Pool
) -> None:
    from proxy_app.migration import bulk_import as bulk
    from proxy_app.migration.cognito_csv import PoolSchema

    first, second = _legacy_user(store), _legacy_user(store)
    gateway = app.extensions["cognito_gateway"]
    report = bulk.ImportReport(source="legacy", dry_run=False, rate=100, workers=2, total=2)
    importer = bulk.BulkImport(
        gateway,
        PoolSchema.of(gateway.describe_user_pool()),
        report,
        policy=app.extensions["services"].policy,
    )
    source = app.extensions["services"].migration._source
    importer.run([source.find(first), source.find(second)], lambda _n: None)
    assert report.created == 2, report.as_json()
    assert _status(cognito, pool, first) == "FORCE_CHANGE_PASSWORD"
    assert post_sign_in(app, first, LEGACY_PASSWORD).status_code == 200
    _reset(app, second)
    assert post_sign_in(app, second, NEW_PASSWORD).status_code == 200


def test_records_are_kept_under_the_pools_own_names(
    app: Flask, store: Store, table: str, pool: Pool
) -> None:
    name = _legacy_user(store)
    records = Records(pool.config(records_table=table, dynamodb_endpoint_url=pool.endpoint))
    app.test_client().post("/password/reset", json={"username": name.upper()})
    assert records.is_pending(name)
    assert post_sign_in(app, name, LEGACY_PASSWORD).status_code == 200
    assert not records.is_pending(name)


@pytest.fixture(scope="module")
def case_insensitive_pool(cognito: Any, cognito_endpoint: str) -> Pool:
    """A pool that takes `Alice` and `alice` for one user, as AWS recommends."""
    return create_pool(
        cognito, cognito_endpoint, secret=False, UsernameConfiguration={"CaseSensitive": False}
    )


def test_in_a_case_insensitive_pool_records_ignore_case_too(
    migrating: Callable[..., Flask],
    stores: Stores,
    case_insensitive_pool: Pool,
    table: str,
    cognito: Any,
) -> None:
    store = stores.get("sqlite")
    login = f"Lg{uuid.uuid4().hex[:10]}"  # the legacy store's own name has capitals
    store.add_user(login, bcrypt_hash(LEGACY_PASSWORD), email=f"{login}@example.com")
    app = migrating(case_insensitive_pool, store)
    records = Records(
        case_insensitive_pool.config(
            records_table=table, dynamodb_endpoint_url=case_insensitive_pool.endpoint
        )
    )
    assert app.test_client().post("/password/reset", json={"username": login}).status_code == 200
    assert records.is_pending(login.casefold())
    tokens = post_sign_in(app, login.upper(), LEGACY_PASSWORD).json
    assert "idToken" in tokens, tokens
    client = app.test_client()
    assert client.delete("/admin/user", json={"idToken": tokens["idToken"]}).status_code == 204
    assert records.is_deleted(login.casefold())
    for typed in (login, login.upper(), login.lower()):
        problem(post_sign_in(app, typed, LEGACY_PASSWORD), 401, "NotAuthorized")
    assert _usernames(cognito, case_insensitive_pool, f"{login}@example.com") == []
