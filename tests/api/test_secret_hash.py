"""SECRET_HASH on every call that needs it, pinned to the exact value Cognito expects.

moto checks the hash only on refresh, SRP and MFA answers, so a sign-up, confirmation,
sign-in, challenge answer or reset that sent none would pass against it while Cognito
refuses it ("Unable to verify secret hash for client ..."). A botocore hook on the app's
own client records the parameters of every call it makes to moto's server, and each is
compared with base64(HMAC-SHA256(client secret, username + client id)) computed in this
file, not by proxy_app.aws.cognito.secret_hash.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from moto.cognitoidp.models import cognitoidp_backends

from tests.support.app import sign_in
from tests.support.cognito import PASSWORD, REGION, Pool, User, unique_username
from tests.support.stubs import cognito_client, stubbed_cognito

NEW_PASSWORD = "N3w-Passw0rd!"

# Where each operation that needs the hash carries it: a top-level parameter, or a
# member of a parameter map.
HASH_AT: dict[str, tuple[str, ...]] = {
    "SignUp": ("SecretHash",),
    "ConfirmSignUp": ("SecretHash",),
    "ResendConfirmationCode": ("SecretHash",),
    "AdminInitiateAuth": ("AuthParameters", "SECRET_HASH"),
    "AdminRespondToAuthChallenge": ("ChallengeResponses", "SECRET_HASH"),
    "InitiateAuth": ("AuthParameters", "SECRET_HASH"),
    "ForgotPassword": ("SecretHash",),
    "ConfirmForgotPassword": ("SecretHash",),
}


def expected_hash(username: str, client_id: str, client_secret: str) -> str:
    """Compute SECRET_HASH as AWS documents it, independently of the app's code."""
    mac = hmac.new(client_secret.encode(), f"{username}{client_id}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def test_this_files_hash_matches_a_value_computed_with_openssl() -> None:
    # echo -n "alice@example.com1example23456789" \
    #   | openssl dgst -sha256 -hmac "s3cr3t-of-the-app-client" -binary | base64
    assert (
        expected_hash("alice@example.com", "1example23456789", "s3cr3t-of-the-app-client")
        == "WS63xmzxMu/+EfjjRsbNV2fSysxkswJK8g5GqoupToA="
    )


def _record_calls(app: Flask) -> list[tuple[str, dict[str, Any]]]:
    """Record (operation, parameters) of every call the app's boto3 client makes."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def remember(params: dict[str, Any], model: Any, **_: Any) -> None:
        calls.append((model.name, copy.deepcopy(params)))

    cognito_client(app).meta.events.register("provide-client-params.cognito-idp", remember)
    return calls


def _hash_in(params: dict[str, Any], operation: str) -> str | None:
    """The hash a call carries where its operation carries it, or None."""
    *outer, name = HASH_AT[operation]
    holder = params
    for key in outer:
        holder = holder.get(key) or {}
    value = holder.get(name)
    return None if value is None else str(value)


@dataclass(frozen=True)
class Flow:
    """What a scenario drives: the app's test client on a pool, and moto for setup."""

    client: FlaskClient
    pool: Pool
    cognito: Any
    make_user: Callable[..., User]

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST through the app and insist on success, so a broken flow cannot pass."""
        response = self.client.post(path, json=body)
        assert response.status_code in (200, 201), (path, response.get_json())
        answer: dict[str, Any] = response.get_json()
        return answer


def _sign_up(flow: Flow) -> str:
    username = unique_username()
    flow.post("/signup", {"username": username, "password": PASSWORD})
    return username


def _confirm_sign_up(flow: Flow) -> str:
    username = _sign_up(flow)
    flow.post("/confirmsignup", {"username": username, "confirmationCode": "123456"})
    return username


def _sign_in(flow: Flow) -> str:
    user = flow.make_user(flow.pool)
    assert "idToken" in flow.post(
        "/admin/signin", {"username": user.username, "password": user.password}
    )
    return user.username


def _respond_to_challenge(flow: Flow) -> str:
    username = unique_username()
    flow.cognito.admin_create_user(
        UserPoolId=flow.pool.id,
        Username=username,
        TemporaryPassword="Temp0rary-pass",
        MessageAction="SUPPRESS",
    )
    challenge = flow.post("/admin/signin", {"username": username, "password": "Temp0rary-pass"})
    answer = flow.post(
        "/admin/challenge",
        {
            "username": username,
            "challengeName": challenge["challengeName"],
            "session": challenge["session"],
            "responses": {"NEW_PASSWORD": NEW_PASSWORD},
        },
    )
    assert "idToken" in answer
    return username


def _refresh(flow: Flow) -> str:
    user = flow.make_user(flow.pool)
    tokens = sign_in(flow.client, user)
    # The username is sent with or without a secret: without one, it must not add a hash.
    flow.post("/admin/refresh", {"refreshToken": tokens["refreshToken"], "username": user.username})
    return user.username


def _forgot_password(flow: Flow) -> str:
    user = flow.make_user(flow.pool)
    flow.post("/password/reset", {"username": user.username})
    return user.username


def _confirm_forgot_password(flow: Flow) -> str:
    username = _forgot_password(flow)
    backend = cognitoidp_backends["123456789012"][REGION]
    code = backend.user_pools[flow.pool.id]._get_user(username).confirmation_code
    flow.post(
        "/password/confirm",
        {"username": username, "password": NEW_PASSWORD, "confirmationCode": code},
    )
    return username


# Operation -> the route flow that makes it. ResendConfirmationCode is missing from moto,
# so it has its own stubbed tests below.
SCENARIOS: dict[str, Callable[[Flow], str]] = {
    "SignUp": _sign_up,
    "ConfirmSignUp": _confirm_sign_up,
    "AdminInitiateAuth": _sign_in,
    "AdminRespondToAuthChallenge": _respond_to_challenge,
    "InitiateAuth": _refresh,
    "ForgotPassword": _forgot_password,
    "ConfirmForgotPassword": _confirm_forgot_password,
}


def _run(
    scenario: str, target: Pool, make_app: Any, cognito: Any, make_user: Any
) -> tuple[str, list[tuple[str, dict[str, Any]]]]:
    app = make_app(target)
    calls = _record_calls(app)
    flow = Flow(app.test_client(), target, cognito, make_user)
    username = SCENARIOS[scenario](flow)
    assert scenario in [operation for operation, _ in calls]
    return username, calls


def test_every_call_that_needs_a_hash_has_a_scenario() -> None:
    assert set(SCENARIOS) | {"ResendConfirmationCode"} == set(HASH_AT)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_call_carries_the_exact_secret_hash(
    scenario: str, make_app: Any, cognito: Any, make_user: Any, secret_pool: Pool
) -> None:
    assert secret_pool.client_secret
    username, calls = _run(scenario, secret_pool, make_app, cognito, make_user)
    want = expected_hash(username, secret_pool.client_id, secret_pool.client_secret)
    checked = [operation for operation, params in calls if operation in HASH_AT]
    assert scenario in checked
    for operation, params in calls:
        if operation in HASH_AT:
            assert _hash_in(params, operation) == want, operation


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_without_a_client_secret_no_call_carries_a_hash(
    scenario: str, make_app: Any, cognito: Any, make_user: Any, pool: Pool
) -> None:
    _, calls = _run(scenario, pool, make_app, cognito, make_user)
    for operation, params in calls:
        assert "SecretHash" not in params, operation
        for member in ("AuthParameters", "ChallengeResponses"):
            assert "SECRET_HASH" not in params.get(member, {}), operation


@pytest.mark.parametrize("with_secret", [True, False])
def test_resend_code_carries_the_exact_secret_hash_or_none_stubbed(
    make_app: Any, pool: Pool, secret_pool: Pool, with_secret: bool
) -> None:
    target = secret_pool if with_secret else pool
    app = make_app(target)
    username = unique_username()
    expected: dict[str, Any] = {"ClientId": target.client_id, "Username": username}
    if with_secret:
        assert target.client_secret
        expected["SecretHash"] = expected_hash(username, target.client_id, target.client_secret)
    with stubbed_cognito(app) as stubber:
        # Stubber refuses parameters that differ from `expected` (an extra hash included).
        stubber.add_response("resend_confirmation_code", {}, expected)
        response = app.test_client().post("/resendcode", json={"username": username})
        stubber.assert_no_pending_responses()
    assert response.status_code == 200, response.get_json()
