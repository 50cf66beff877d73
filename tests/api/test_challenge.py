"""POST /admin/challenge: answering the challenges sign-in can answer with."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.app import problem
from tests.support.cognito import Pool, unique_username
from tests.support.stubs import stubbed_cognito, stubbed_error

TEMPORARY = "Temp0rary-Passw0rd"
NEW_PASSWORD = "Brand-N3w-Passw0rd"


def _invited_user(cognito: Any, pool: Pool) -> str:
    """A user created by an administrator with a temporary password (migration style)."""
    username = unique_username()
    cognito.admin_create_user(
        UserPoolId=pool.id,
        Username=username,
        TemporaryPassword=TEMPORARY,
        MessageAction="SUPPRESS",
    )
    return username


def _challenge(client: FlaskClient, username: str) -> dict[str, Any]:
    response = client.post("/admin/signin", json={"username": username, "password": TEMPORARY})
    assert response.status_code == 200
    body: dict[str, Any] = response.json  # type: ignore[assignment]
    assert body["challengeName"] == "NEW_PASSWORD_REQUIRED"
    return body


def _answer_new_password(
    client: FlaskClient, username: str, responses: dict[str, str] | None = None
) -> Any:
    """Sign in with the temporary password, then answer NEW_PASSWORD_REQUIRED."""
    challenge = _challenge(client, username)
    return client.post(
        "/admin/challenge",
        json={
            "username": username,
            "challengeName": "NEW_PASSWORD_REQUIRED",
            "session": challenge["session"],
            "responses": responses or {"NEW_PASSWORD": NEW_PASSWORD},
        },
    )


def test_new_password_required_is_answered_with_tokens(
    client: FlaskClient, cognito: Any, pool: Pool
) -> None:
    username = _invited_user(cognito, pool)
    response = _answer_new_password(
        client, username, {"NEW_PASSWORD": NEW_PASSWORD, "userAttributes.name": "Ada"}
    )
    assert response.status_code == 200, response.json
    assert {"idToken", "accessToken", "refreshToken"} <= set(response.json)
    assert cognito.admin_get_user(UserPoolId=pool.id, Username=username)["UserStatus"] == (
        "CONFIRMED"
    )
    again = client.post("/admin/signin", json={"username": username, "password": NEW_PASSWORD})
    assert again.status_code == 200
    assert "idToken" in again.json


def test_works_with_an_app_client_secret(make_app: Any, cognito: Any, secret_pool: Pool) -> None:
    client = make_app(secret_pool).test_client()
    response = _answer_new_password(client, _invited_user(cognito, secret_pool))
    assert response.status_code == 200, response.json


def test_header_fields_and_json_answers_combine(
    client: FlaskClient, cognito: Any, pool: Pool
) -> None:
    username = _invited_user(cognito, pool)
    challenge = _challenge(client, username)
    response = client.post(
        "/admin/challenge",
        headers={
            "username": username,
            "challengeName": "NEW_PASSWORD_REQUIRED",
            "session": challenge["session"],
        },
        json={"responses": {"NEW_PASSWORD": NEW_PASSWORD}},
    )
    assert response.status_code == 200, response.json


def test_protected_attributes_cannot_be_set_through_the_challenge(
    client: FlaskClient, cognito: Any, pool: Pool
) -> None:
    response = _answer_new_password(
        client,
        _invited_user(cognito, pool),
        {"NEW_PASSWORD": NEW_PASSWORD, "userAttributes.email_verified": "true"},
    )
    problem(response, 403, "AttributeNotWritable")


BASE = {
    "username": "ada",
    "challengeName": "SMS_MFA",
    "session": "session-token-of-twenty-chars",
    "responses": {"SMS_MFA_CODE": "123456"},
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"challengeName": "PASSWORD_VERIFIER"}, "challengeName"),
        ({"challengeName": ""}, "challengeName"),
        ({"session": ""}, "session"),
        ({"session": "x" * 2049}, "session"),
        ({"session": "x" * 19}, "session"),
        ({"session": 5}, "session"),
        ({"responses": {}}, "responses"),
        ({"responses": "NEW_PASSWORD=x"}, "responses"),
        ({"responses": {"USERNAME": "someone-else"}}, "responses"),
        ({"responses": {"SECRET_HASH": "forged"}}, "responses"),
        ({"responses": {"SMS_MFA_CODE": 123456}}, "responses"),
        ({"responses": {"SMS_MFA_CODE": "1\n2"}}, "responses"),
        ({"username": ""}, "username"),
    ],
)
def test_bad_input(client: FlaskClient, change: dict[str, Any], field: str) -> None:
    response = client.post("/admin/challenge", json={**BASE, **change})
    errors = problem(response, 400, "ValidationFailed")["errors"]
    assert any(key.startswith(field) for key in errors), errors


@pytest.mark.parametrize("missing", sorted(BASE))
def test_missing_fields(client: FlaskClient, missing: str) -> None:
    body = {k: v for k, v in BASE.items() if k != missing}
    errors = problem(client.post("/admin/challenge", json=body), 400, "ValidationFailed")
    assert missing in errors["errors"]


def test_the_proxy_names_the_user_and_the_secret_hash_stubbed(
    make_app: Any, secret_pool: Pool
) -> None:
    # moto answers SMS_MFA with any code; the call's exact parameters are what matter here.
    from proxy_app.aws.cognito import secret_hash

    app: Flask = make_app(secret_pool)
    assert secret_pool.client_secret
    with stubbed_cognito(app) as stubber:
        stubber.add_response(
            "admin_respond_to_auth_challenge",
            {
                "ChallengeName": "SOFTWARE_TOKEN_MFA",
                "Session": "next-session-of-twenty-chars",
                "ChallengeParameters": {},
            },
            {
                "UserPoolId": secret_pool.id,
                "ClientId": secret_pool.client_id,
                "ChallengeName": "SMS_MFA",
                "Session": "session-token-of-twenty-chars",
                "ChallengeResponses": {
                    "SMS_MFA_CODE": "123456",
                    "USERNAME": "ada",
                    "SECRET_HASH": secret_hash(
                        "ada", secret_pool.client_id, secret_pool.client_secret
                    ),
                },
            },
        )
        response = app.test_client().post("/admin/challenge", json=BASE)
        stubber.assert_no_pending_responses()
    assert response.status_code == 200
    assert response.json == {
        "challengeName": "SOFTWARE_TOKEN_MFA",
        "session": "next-session-of-twenty-chars",
        "challengeParameters": {},
    }


@pytest.mark.parametrize(
    ("cognito_error", "status", "code"),
    [
        ("CodeMismatchException", 400, "CodeMismatch"),
        ("ExpiredCodeException", 400, "ExpiredCode"),
        ("InvalidPasswordException", 400, "InvalidPassword"),
        # An expired or foreign session; moto answers ResourceNotFound instead.
        ("NotAuthorizedException", 401, "NotAuthorized"),
    ],
)
def test_refusals_stubbed(app: Flask, cognito_error: str, status: int, code: str) -> None:
    response = stubbed_error(
        app, "admin_respond_to_auth_challenge", cognito_error, "/admin/challenge", BASE
    )
    problem(response, status, code)
