"""Migration on sign-in and on reset, against the emulator.

The legacy store is a SQLite file (the SQL source's own tests cover PostgreSQL and
MariaDB); passwords are hashed with bcrypt's own library. The service's table is moto's
DynamoDB on the same server.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from flask import Flask

from proxy_app.aws.table import Records
from tests.support.app import post_sign_in, problem
from tests.support.cognito import PASSWORD, Pool, User, unique_username, user_attributes
from tests.support.fake_cognito import error_answer
from tests.support.legacy_hashes import bcrypt_hash
from tests.support.stubs import cognito_client

LEGACY_PASSWORD = "Legacy-Passw0rd!"
QUERY = (
    "SELECT username, password_hash, email, email_verified, given_name FROM users "
    "WHERE username = :username"
)


class LegacyStore:
    """A legacy `users` table in a SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with sqlite3.connect(path) as db:
            db.execute(
                "CREATE TABLE users (username TEXT, password_hash TEXT, email TEXT, "
                "email_verified INTEGER, given_name TEXT)"
            )

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def add(self, password: str = LEGACY_PASSWORD, *, verified: bool = True) -> str:
        username = unique_username()
        with sqlite3.connect(self.path) as db:
            db.execute(
                "INSERT INTO users VALUES (?, ?, ?, ?, ?)",
                (username, bcrypt_hash(password), username, int(verified), "Ada"),
            )
        return username


@pytest.fixture
def store(tmp_path: Path) -> LegacyStore:
    return LegacyStore(tmp_path / "legacy.sqlite")


@pytest.fixture
def migrating(make_app: Callable[..., Flask], store: LegacyStore, table: str, pool: Pool) -> Flask:
    return make_app(
        legacy_database_url=store.url,
        legacy_user_query=QUERY,
        records_table=table,
        dynamodb_endpoint_url=pool.endpoint,
    )


def _status(cognito: Any, pool: Pool, username: str) -> str | None:
    try:
        return str(cognito.admin_get_user(UserPoolId=pool.id, Username=username)["UserStatus"])
    except cognito.exceptions.UserNotFoundException:
        return None


class TestFirstSignIn:
    def test_migrates_and_answers_tokens_in_the_same_request(
        self, migrating: Flask, store: LegacyStore, cognito: Any, pool: Pool
    ) -> None:
        username = store.add()
        response = post_sign_in(migrating, username, LEGACY_PASSWORD)
        assert response.status_code == 200, response.json
        assert response.json["idToken"] and response.json["refreshToken"]
        assert _status(cognito, pool, username) == "CONFIRMED"
        attributes = user_attributes(cognito, pool, username)
        assert attributes["email"] == username
        assert attributes["email_verified"] == "true"
        assert attributes["given_name"] == "Ada"
        # From now on Cognito alone signs the user in.
        assert post_sign_in(migrating, username, LEGACY_PASSWORD).status_code == 200

    def test_an_unverified_legacy_email_stays_unverified(
        self, migrating: Flask, store: LegacyStore, cognito: Any, pool: Pool
    ) -> None:
        username = store.add(verified=False)
        assert post_sign_in(migrating, username, LEGACY_PASSWORD).status_code == 200
        assert user_attributes(cognito, pool, username).get("email_verified") == "false"

    def test_a_wrong_legacy_password_is_the_usual_401_and_creates_nothing(
        self, migrating: Flask, store: LegacyStore, cognito: Any, pool: Pool
    ) -> None:
        username = store.add()
        wrong = post_sign_in(migrating, username, "Wr0ng-Passw0rd!")
        unknown = post_sign_in(migrating, unique_username(), "Wr0ng-Passw0rd!")
        problem(wrong, 401, "NotAuthorized")
        assert {**wrong.json, "requestId": None} == {**unknown.json, "requestId": None}
        assert _status(cognito, pool, username) is None

    def test_under_prevent_user_existence_errors_stubbed(
        self, migrating: Flask, store: LegacyStore, cognito: Any, pool: Pool
    ) -> None:
        # moto ignores PreventUserExistenceErrors; Cognito then answers NotAuthorized for
        # an unknown user. The first sign-in call is answered so; the rest is moto's.
        events = cognito_client(migrating).meta.events
        answered: list[int] = []

        def prevent(**_: Any) -> Any:
            if answered:
                return None
            answered.append(1)
            return error_answer("NotAuthorizedException", "Incorrect username or password.")

        events.register("before-call.cognito-idp.AdminInitiateAuth", prevent)
        username = store.add()
        assert post_sign_in(migrating, username, LEGACY_PASSWORD).status_code == 200
        assert answered == [1]
        assert _status(cognito, pool, username) == "CONFIRMED"

    def test_a_password_the_pool_refuses_creates_the_user_and_asks_for_a_reset(
        self, migrating: Flask, store: LegacyStore, cognito: Any, pool: Pool
    ) -> None:
        weak = "weakpass"  # the test pool wants upper case and digits
        username = store.add(weak)
        response = post_sign_in(migrating, username, weak)
        problem(response, 403, "PasswordResetRequired")
        # The state in which Cognito sends a reset code and takes ConfirmForgotPassword.
        assert _status(cognito, pool, username) == "RESET_REQUIRED"
        assert user_attributes(cognito, pool, username)["email"] == username


class TestOnlyUsersWithoutAPasswordAreMigrated:
    def test_a_bulk_imported_user_gets_the_legacy_password(
        self, migrating: Flask, store: LegacyStore, cognito: Any, pool: Pool
    ) -> None:
        username = store.add()
        # What the bulk import does: mark the account as migration's, then create it.
        assert migrating.extensions["services"].policy.creating(username)
        cognito.admin_create_user(
            UserPoolId=pool.id,
            Username=username,
            UserAttributes=[{"Name": "email", "Value": username}],
            MessageAction="SUPPRESS",
        )
        assert _status(cognito, pool, username) == "FORCE_CHANGE_PASSWORD"
        assert post_sign_in(migrating, username, LEGACY_PASSWORD).status_code == 200
        assert _status(cognito, pool, username) == "CONFIRMED"

    def test_an_old_legacy_password_never_reopens_a_cognito_account(
        self, migrating: Flask, store: LegacyStore, cognito: Any, pool: Pool
    ) -> None:
        username = store.add()
        cognito.admin_create_user(UserPoolId=pool.id, Username=username, MessageAction="SUPPRESS")
        cognito.admin_set_user_password(
            UserPoolId=pool.id, Username=username, Password=PASSWORD, Permanent=True
        )
        problem(post_sign_in(migrating, username, LEGACY_PASSWORD), 401, "NotAuthorized")
        # The password set in Cognito still works; the legacy one was never set.
        assert post_sign_in(migrating, username, PASSWORD).status_code == 200

    def test_a_user_only_in_cognito_signs_in_as_ever(self, migrating: Flask, user: User) -> None:
        assert post_sign_in(migrating, user.username, user.password).status_code == 200
        problem(post_sign_in(migrating, user.username, "Wr0ng-Passw0rd!"), 401, "NotAuthorized")


class TestDeletedStaysDeleted:
    def test_a_deleted_account_is_not_brought_back_until_lifted(
        self, migrating: Flask, store: LegacyStore, cognito: Any, pool: Pool, table: str
    ) -> None:
        username = store.add()
        tokens = post_sign_in(migrating, username, LEGACY_PASSWORD).json
        client = migrating.test_client()
        assert client.delete("/admin/user", json={"idToken": tokens["idToken"]}).status_code == 204
        problem(post_sign_in(migrating, username, LEGACY_PASSWORD), 401, "NotAuthorized")
        assert _status(cognito, pool, username) is None
        reset = client.post("/password/reset", json={"username": username})
        assert reset.status_code == 200
        assert _status(cognito, pool, username) is None
        # An operator lifts the deletion; the next sign-in migrates again.
        Records(
            pool.config(records_table=table, dynamodb_endpoint_url=pool.endpoint)
        ).lift_deletion(username)
        assert post_sign_in(migrating, username, LEGACY_PASSWORD).status_code == 200


class TestReset:
    def test_a_legacy_only_user_is_created_so_cognito_can_send_the_code(
        self, migrating: Flask, store: LegacyStore, cognito: Any, pool: Pool
    ) -> None:
        username = store.add()
        client = migrating.test_client()
        response = client.post("/password/reset", json={"username": username})
        assert response.status_code == 200
        # RESET_REQUIRED, not FORCE_CHANGE_PASSWORD: Cognito refuses resets in the latter.
        assert _status(cognito, pool, username) == "RESET_REQUIRED"
        assert user_attributes(cognito, pool, username)["email_verified"] == "true"
        confirm = {"username": username, "password": PASSWORD, "confirmationCode": "123456"}
        assert client.post("/password/confirm", json=confirm).status_code == 200
        assert _status(cognito, pool, username) == "CONFIRMED"
        assert post_sign_in(migrating, username, PASSWORD).status_code == 200
        problem(post_sign_in(migrating, username, LEGACY_PASSWORD), 401, "NotAuthorized")

    def test_a_reset_never_completed_leaves_the_legacy_password_working(
        self, migrating: Flask, store: LegacyStore, cognito: Any, pool: Pool
    ) -> None:
        username = store.add()
        migrating.test_client().post("/password/reset", json={"username": username})
        assert post_sign_in(migrating, username, LEGACY_PASSWORD).status_code == 200
        assert _status(cognito, pool, username) == "CONFIRMED"

    def test_a_user_without_a_verified_email_is_left_to_the_legacy_password(
        self, migrating: Flask, store: LegacyStore, cognito: Any, pool: Pool
    ) -> None:
        username = store.add(verified=False)
        response = migrating.test_client().post("/password/reset", json={"username": username})
        assert response.status_code == 200
        assert _status(cognito, pool, username) == "FORCE_CHANGE_PASSWORD"
        assert post_sign_in(migrating, username, LEGACY_PASSWORD).status_code == 200

    def test_an_unknown_user_is_answered_alike_and_nothing_is_created(
        self, migrating: Flask, cognito: Any, pool: Pool
    ) -> None:
        username = unique_username()
        response = migrating.test_client().post("/password/reset", json={"username": username})
        assert response.status_code == 200
        assert _status(cognito, pool, username) is None


class TestRobustness:
    def test_two_first_sign_ins_at_once_make_one_user_and_both_succeed(
        self, migrating: Flask, store: LegacyStore, cognito: Any, pool: Pool
    ) -> None:
        username = store.add()
        barrier = threading.Barrier(2)
        statuses: list[int] = []

        def first_sign_in() -> None:
            barrier.wait(5)
            statuses.append(post_sign_in(migrating, username, LEGACY_PASSWORD).status_code)

        threads = [threading.Thread(target=first_sign_in) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert statuses == [200, 200]
        listed = cognito.list_users(UserPoolId=pool.id, Filter=f'username = "{username}"')
        assert len(listed["Users"]) == 1

    def test_a_failure_halfway_leaves_nothing_stuck(
        self, migrating: Flask, store: LegacyStore, cognito: Any, pool: Pool
    ) -> None:
        events = cognito_client(migrating).meta.events

        def unreachable(**_: Any) -> None:
            raise EndpointConnectionError(endpoint_url=pool.endpoint)

        events.register("before-call.cognito-idp.AdminSetUserPassword", unreachable)
        username = store.add()
        problem(post_sign_in(migrating, username, LEGACY_PASSWORD), 503, "UpstreamUnavailable")
        assert _status(cognito, pool, username) == "FORCE_CHANGE_PASSWORD"
        events.unregister("before-call.cognito-idp.AdminSetUserPassword", unreachable)
        assert post_sign_in(migrating, username, LEGACY_PASSWORD).status_code == 200

    def test_a_refused_admin_create_user_is_never_swallowed(
        self, migrating: Flask, store: LegacyStore, cognito: Any, pool: Pool
    ) -> None:
        # What the emulator would not refuse (an attribute Cognito's own checks refuse).
        events = cognito_client(migrating).meta.events

        def refuse(**_: Any) -> Any:
            return error_answer("InvalidParameterException", "Invalid email address format.")

        events.register("before-call.cognito-idp.AdminCreateUser", refuse)
        username = store.add()
        for response in (
            post_sign_in(migrating, username, LEGACY_PASSWORD),
            migrating.test_client().post("/password/reset", json={"username": username}),
        ):
            assert "idToken" not in (response.json or {})
        problem(post_sign_in(migrating, username, LEGACY_PASSWORD), 400, "ValidationFailed")
        events.unregister("before-call.cognito-idp.AdminCreateUser", refuse)
        assert _status(cognito, pool, username) is None
        # Nothing half-done blocks the next attempt.
        assert post_sign_in(migrating, username, LEGACY_PASSWORD).status_code == 200

    def test_a_legacy_store_that_is_down_is_503_for_users_cognito_lacks(
        self, make_app: Callable[..., Flask], user: User, tmp_path: Path, table: str, pool: Pool
    ) -> None:
        app = make_app(
            legacy_database_url=f"sqlite:///{tmp_path / 'missing' / 'legacy.sqlite'}",
            legacy_user_query=QUERY,
            records_table=table,
            dynamodb_endpoint_url=pool.endpoint,
        )
        problem(post_sign_in(app, unique_username(), LEGACY_PASSWORD), 503, "UpstreamUnavailable")
        # Users Cognito has never need the legacy store.
        assert post_sign_in(app, user.username, user.password).status_code == 200

    def test_each_event_is_one_log_line_without_secrets(
        self,
        migrating: Flask,
        store: LegacyStore,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        weak = "weakpass"
        good, refused = store.add(), store.add(weak)
        capsys.readouterr()
        response = post_sign_in(migrating, good, LEGACY_PASSWORD)
        post_sign_in(migrating, good, "Wr0ng-Passw0rd!")
        post_sign_in(migrating, refused, weak)
        logged = capsys.readouterr().err
        events = [
            line["event"]
            for line in map(json.loads, logged.splitlines())
            if line["message"] == "migration"
        ]
        assert events == ["created", "completed", "created", "password-refused-by-policy"]
        for secret in (LEGACY_PASSWORD, weak, response.json["idToken"], good, refused):
            assert secret not in logged
        with sqlite3.connect(store.path) as db:
            for (password_hash,) in db.execute("SELECT password_hash FROM users"):
                assert password_hash not in logged
