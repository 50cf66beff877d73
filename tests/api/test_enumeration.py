"""Anti-enumeration, in one place: no route may tell which accounts exist.

Each route is walked through every account state Cognito answers differently for (its
documented errors, replayed with botocore's Stubber because moto does not give them), and
every answer must be the same status, body and headers. Sign-in and reset are also
compared over moto's server.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.cognito import PASSWORD, User, unique_username
from tests.support.stubs import stubbed_cognito

CODE = "123456"

# route -> (Cognito operation, request body, [(account state, Cognito error or None, message)])
# None means Cognito succeeds (the answer for a real account in a good state).
ROUTES: dict[str, tuple[str, dict[str, str], list[tuple[str, str | None, str]]]] = {
    "/admin/signin": (
        "admin_initiate_auth",
        {"username": "someone@example.com", "password": PASSWORD},
        [
            ("wrong password", "NotAuthorizedException", "Incorrect username or password."),
            ("unknown user", "UserNotFoundException", "User does not exist."),
            ("disabled user", "NotAuthorizedException", "User is disabled."),
        ],
    ),
    "/password/reset": (
        "forgot_password",
        {"username": "someone@example.com"},
        [
            ("known user", None, ""),
            ("unknown user", "UserNotFoundException", "Username/client id combination not found."),
            (
                "no verified contact",
                "InvalidParameterException",
                "Cannot reset password for the user as there is no registered/verified email "
                "or phone_number",
            ),
            ("disabled user", "NotAuthorizedException", "User is disabled."),
        ],
    ),
    "/confirmsignup": (
        "confirm_sign_up",
        {"username": "someone@example.com", "confirmationCode": CODE},
        [
            ("wrong code", "CodeMismatchException", "Invalid verification code provided."),
            ("expired code", "ExpiredCodeException", "Invalid code provided, request again."),
            ("unknown user", "UserNotFoundException", "Username/client id combination not found."),
            (
                "already confirmed",
                "NotAuthorizedException",
                "User cannot be confirmed. Current status is CONFIRMED",
            ),
            ("disabled user", "NotAuthorizedException", "User is disabled."),
        ],
    ),
    "/password/confirm": (
        "confirm_forgot_password",
        {"username": "someone@example.com", "password": PASSWORD, "confirmationCode": CODE},
        [
            ("wrong code", "CodeMismatchException", "Invalid verification code provided."),
            ("no code pending", "ExpiredCodeException", "Invalid code provided, request again."),
            ("unknown user", "UserNotFoundException", "Username/client id combination not found."),
            ("disabled user", "NotAuthorizedException", "User is disabled."),
        ],
    ),
}


def _comparable(response: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
    body = dict(response.json)
    body.pop("requestId", None)
    headers = {k: v for k, v in response.headers.items() if k != "X-Request-Id"}
    return response.status_code, body, headers


def _answer(app: Flask, path: str, state: tuple[str, str | None, str]) -> Any:
    operation, body, _ = ROUTES[path]
    _, error, message = state
    with stubbed_cognito(app) as stubber:
        if error is None:
            stubber.add_response(
                operation,
                {
                    "CodeDeliveryDetails": {
                        "Destination": "s***@e***",
                        "DeliveryMedium": "EMAIL",
                        "AttributeName": "email",
                    }
                },
            )
        else:
            stubber.add_client_error(operation, error, message)
        response = app.test_client().post(path, json=body)
        stubber.assert_no_pending_responses()
    return response


@pytest.mark.parametrize("path", sorted(ROUTES))
def test_every_account_state_answers_alike_stubbed(app: Flask, path: str) -> None:
    states = ROUTES[path][2]
    answers = {state[0]: _comparable(_answer(app, path, state)) for state in states}
    first = next(iter(answers.values()))
    assert all(answer == first for answer in answers.values()), answers
    assert first[0] < 500


def test_every_public_route_that_names_a_user_is_walked(app: Flask) -> None:
    """A new route that takes a username without a token must join the table above."""
    walked = set(ROUTES) | {
        # Known, documented leaks (README "Security notes"): sign-up must say a username
        # is taken, and resending a code answers what Cognito answers.
        "/signup",
        "/resendcode",
        # The challenge route needs a session that sign-in gave for that very user.
        "/admin/challenge",
        "/admin/refresh",
        # Like refresh: the username only completes SECRET_HASH for a valid refresh token.
        "/token/revoke",
        # Its username is only the authenticator app's label; no Cognito call uses it.
        "/admin/challenge/totp",
    }
    public_with_username = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        operation = getattr(view, "openapi", None)
        request = getattr(operation, "request", None)
        if request is not None and "username" in request().fields:
            public_with_username.add(rule.rule)
    assert public_with_username <= walked, public_with_username - walked


def test_sign_in_unknown_user_and_wrong_password_are_identical(
    client: FlaskClient, user: User
) -> None:
    wrong = client.post(
        "/admin/signin", json={"username": user.username, "password": "Wr0ng-Passw0rd"}
    )
    unknown = client.post(
        "/admin/signin", json={"username": unique_username(), "password": "Wr0ng-Passw0rd"}
    )
    assert _comparable(wrong) == _comparable(unknown)
    assert wrong.status_code == 401


def test_reset_known_and_unknown_users_are_identical(client: FlaskClient, user: User) -> None:
    known = client.post("/password/reset", json={"username": user.username})
    unknown = client.post("/password/reset", json={"username": unique_username()})
    assert _comparable(known) == _comparable(unknown)
    assert known.status_code == 200
