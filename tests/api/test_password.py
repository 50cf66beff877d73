"""Password reset routes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from moto.cognitoidp.models import cognitoidp_backends

from tests.support.app import post_sign_in, problem
from tests.support.cognito import REGION, Pool, User, unique_username
from tests.support.stubs import stubbed_cognito, stubbed_error

NEW_PASSWORD = "N3w-Passw0rd!"


def _reset_code(pool: Pool, username: str) -> str:
    """Read the code moto generated for a reset (the real Cognito would send it by email)."""
    backend = cognitoidp_backends["123456789012"][REGION]
    code: str = backend.user_pools[pool.id]._get_user(username).confirmation_code
    return code


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
        ("cognito_error", "message"),
        [
            ("UserNotFoundException", "User does not exist."),
            (
                "InvalidParameterException",
                "Cannot reset password for the user as there is no registered/verified "
                "email or phone_number",
            ),
            ("NotAuthorizedException", "User is disabled."),
            ("NotAuthorizedException", "User password cannot be reset in the current state."),
        ],
    )
    def test_refusals_that_reveal_the_account_are_hidden_stubbed(
        self, app: Flask, client: FlaskClient, cognito_error: str, message: str
    ) -> None:
        # Cognito (without PreventUserExistenceErrors) says these; moto never does.
        response = stubbed_error(
            app,
            "forgot_password",
            cognito_error,
            "/password/reset",
            {"username": "someone"},
            message,
        )
        assert response.status_code == 200
        assert (
            response.json
            == client.post("/password/reset", json={"username": unique_username()}).json
        )

    @pytest.mark.parametrize(
        "message",
        [
            "Unable to verify secret hash for client 5ofs1example",
            "Client 5ofs1example is configured for secret but secret was not received",
            "SecretHash does not match for the client: 5ofs1example",
            "Client 5ofs1example does not exist.",
        ],
    )
    def test_a_refused_app_client_is_a_logged_configuration_error_not_hidden_stubbed(
        self,
        make_app: Any,
        secret_pool: Pool,
        capsys: pytest.CaptureFixture[str],
        message: str,
    ) -> None:
        # A wrong COGNITO_APP_CLIENT_SECRET must not make every reset look sent.
        app = make_app(secret_pool)
        username = unique_username()
        capsys.readouterr()
        response = stubbed_error(
            app,
            "forgot_password",
            "NotAuthorizedException",
            "/password/reset",
            {"username": username},
            message,
        )
        body = problem(response, 500, "InternalError")
        assert "secret" not in response.get_data(as_text=True).lower()
        logged = capsys.readouterr().err
        errors = [
            line
            for line in map(json.loads, logged.splitlines())
            if line["level"] == "ERROR" and "configuration error" in line["message"]
        ]
        assert len(errors) == 1, logged
        assert errors[0]["requestId"] == body["requestId"]
        assert errors[0]["cognitoError"] == "AppClientMisconfigured"
        assert username not in logged
        assert secret_pool.client_secret and secret_pool.client_secret not in logged

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
        assert post_sign_in(client, user.username, NEW_PASSWORD).status_code == 200
        assert post_sign_in(client, user.username, user.password).status_code == 401

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
        assert post_sign_in(client, user.username, user.password).status_code == 200
        assert post_sign_in(client, user.username, NEW_PASSWORD).status_code == 401

    def test_wrong_reset_code_is_code_mismatch_as_cognito_answers_stubbed(
        self, app: Flask, pool: Pool
    ) -> None:
        with stubbed_cognito(app) as stubber:
            stubber.add_client_error(
                "confirm_forgot_password",
                "CodeMismatchException",
                "Invalid verification code provided, please try again.",
                expected_params={
                    "ClientId": pool.client_id,
                    "Username": "someone@example.com",
                    "Password": NEW_PASSWORD,
                    "ConfirmationCode": "000000",
                },
            )
            response = app.test_client().post(
                "/password/confirm",
                json={
                    "username": "someone@example.com",
                    "password": NEW_PASSWORD,
                    "confirmationCode": "000000",
                },
            )
            stubber.assert_no_pending_responses()
        body = problem(response, 400, "CodeMismatch")
        assert body["detail"] == "The confirmation code is wrong or has expired; ask for a new one."

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
