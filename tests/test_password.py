"""Password reset routes."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import REGION, Pool, User, problem, stubbed_error, unique_username
from flask import Flask
from flask.testing import FlaskClient
from moto.cognitoidp.models import cognitoidp_backends

NEW_PASSWORD = "N3w-Passw0rd!"


def _reset_code(pool: Pool, username: str) -> str:
    """Read the code moto generated for a reset (the real Cognito would send it by email)."""
    backend = cognitoidp_backends["123456789012"][REGION]
    code: str = backend.user_pools[pool.id]._get_user(username).confirmation_code
    return code


def _sign_in(client: FlaskClient, username: str, password: str) -> int:
    return client.post(
        "/admin/signin", json={"username": username, "password": password}
    ).status_code


class TestReset:
    def test_known_and_unknown_users_get_the_same_answer(
        self, client: FlaskClient, user: User
    ) -> None:
        known = client.post("/password/reset", headers={"username": user.username})
        unknown = client.post("/password/reset", headers={"username": unique_username()})
        assert known.status_code == unknown.status_code == 200
        assert known.json == unknown.json
        assert known.json["codeDeliveryDetails"] is None
        assert "If the account exists" in known.json["message"]

    @pytest.mark.parametrize(
        "cognito_error",
        ["UserNotFoundException", "InvalidParameterException", "NotAuthorizedException"],
    )
    def test_refusals_that_reveal_the_account_are_hidden_stubbed(
        self, app: Flask, client: FlaskClient, cognito_error: str
    ) -> None:
        # Cognito (without PreventUserExistenceErrors) says these; moto never does.
        response = stubbed_error(
            app, "forgot_password", cognito_error, "/password/reset", {"username": "someone"}
        )
        assert response.status_code == 200
        assert response.json["codeDeliveryDetails"] is None

    def test_throttling_is_not_hidden_stubbed(self, app: Flask, client: FlaskClient) -> None:
        response = stubbed_error(
            app, "forgot_password", "LimitExceededException", "/password/reset", {"username": "x"}
        )
        problem(response, 429, "TooManyRequests")
        assert response.headers["Retry-After"] == "1"


class TestConfirm:
    def test_sets_the_new_password(self, client: FlaskClient, user: User) -> None:
        assert client.post("/password/reset", json={"username": user.username}).status_code == 200
        code = _reset_code(user.pool, user.username)
        response = client.post(
            "/password/confirm",
            headers={
                "username": user.username,
                "password": NEW_PASSWORD,
                "confirmationCode": code,
            },
        )
        assert response.status_code == 200
        assert response.json == {"passwordReset": True}
        assert _sign_in(client, user.username, NEW_PASSWORD) == 200
        assert _sign_in(client, user.username, user.password) == 401

    def test_wrong_code_keeps_the_old_password(self, client: FlaskClient, user: User) -> None:
        client.post("/password/reset", json={"username": user.username})
        response = client.post(
            "/password/confirm",
            json={
                "username": user.username,
                "password": NEW_PASSWORD,
                "confirmationCode": "moto-confirmation-code:000000",
            },
        )
        # A wrong code (moto says ExpiredCode here, Cognito CodeMismatch) is one answer.
        problem(response, 400, "CodeMismatch")
        assert _sign_in(client, user.username, user.password) == 200

    @pytest.mark.parametrize(
        ("cognito_error", "status", "code"),
        [
            ("CodeMismatchException", 400, "CodeMismatch"),
            # moto does not apply the password policy on this call.
            ("InvalidPasswordException", 400, "InvalidPassword"),
            ("TooManyFailedAttemptsException", 429, "TooManyRequests"),
        ],
    )
    def test_refusals_stubbed(
        self, app: Flask, client: FlaskClient, cognito_error: str, status: int, code: str
    ) -> None:
        response = stubbed_error(
            app,
            "confirm_forgot_password",
            cognito_error,
            "/password/confirm",
            {"username": "someone", "password": NEW_PASSWORD, "confirmationCode": "1"},
            "Password does not conform to policy",
        )
        problem(response, status, code)


def test_reset_is_sent_with_secret_hash(make_app: Any, make_user: Any, secret_pool: Pool) -> None:
    user = make_user(secret_pool)
    client = make_app(secret_pool).test_client()
    assert client.post("/password/reset", json={"username": user.username}).status_code == 200
    response = client.post(
        "/password/confirm",
        json={
            "username": user.username,
            "password": NEW_PASSWORD,
            "confirmationCode": _reset_code(secret_pool, user.username),
        },
    )
    assert response.status_code == 200
