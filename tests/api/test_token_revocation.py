"""TOKEN_REVOCATION_CHECK: access tokens are also asked about at Cognito (GetUser).

moto shows revocation: GlobalSignOut and AdminUserGlobalSignOut drop the user's access
tokens, and GetUser then answers NotAuthorizedException. Only Cognito's own failures
(not revocations) are stubbed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests.support.app import problem, sign_in
from tests.support.cognito import Pool, User
from tests.support.stubs import cognito_client, stubbed_cognito
from tests.support.tokenkit import claims_for, mint, other_private_key


@pytest.fixture
def checking_app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(token_revocation_check=True)


def _get_user_calls(app: Flask) -> list[str]:
    """Count the app's GetUser calls (the revocation check's cost)."""
    calls: list[str] = []
    cognito_client(app).meta.events.register(
        "before-call.cognito-idp.GetUser", lambda **_: calls.append("GetUser")
    )
    return calls


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_live_access_token_passes_with_one_get_user_call(checking_app: Flask, user: User) -> None:
    client = checking_app.test_client()
    token = sign_in(client, user)["accessToken"]
    calls = _get_user_calls(checking_app)
    for _ in range(3):
        assert client.get("/token/valid", headers=_bearer(token)).status_code == 200
    assert calls == ["GetUser"] * 3


def test_global_sign_out_revokes(checking_app: Flask, cognito: Any, user: User) -> None:
    client = checking_app.test_client()
    token = sign_in(client, user)["accessToken"]
    assert client.get("/token/valid", headers=_bearer(token)).status_code == 200
    cognito.global_sign_out(AccessToken=token)
    body = problem(client.get("/token/valid", headers=_bearer(token)), 401, "InvalidToken")
    assert body["reason"] == "revoked"


def test_admin_global_sign_out_revokes(
    checking_app: Flask, cognito: Any, pool: Pool, user: User
) -> None:
    client = checking_app.test_client()
    token = sign_in(client, user)["accessToken"]
    cognito.admin_user_global_sign_out(UserPoolId=pool.id, Username=user.username)
    body = problem(client.get("/token/valid", headers=_bearer(token)), 401, "InvalidToken")
    assert body["reason"] == "revoked"


def test_disabled_user_is_revoked(
    checking_app: Flask, cognito: Any, pool: Pool, user: User
) -> None:
    client = checking_app.test_client()
    token = sign_in(client, user)["accessToken"]
    cognito.admin_disable_user(UserPoolId=pool.id, Username=user.username)
    body = problem(client.get("/token/valid", headers=_bearer(token)), 401, "InvalidToken")
    assert body["reason"] == "revoked"


def test_deleted_users_access_token_is_revoked(
    checking_app: Flask, cognito: Any, pool: Pool, user: User
) -> None:
    # Cognito's GetUser answers UserNotFoundException here, not NotAuthorized.
    client = checking_app.test_client()
    token = sign_in(client, user)["accessToken"]
    assert client.get("/token/valid", headers=_bearer(token)).status_code == 200
    cognito.admin_delete_user(UserPoolId=pool.id, Username=user.username)
    body = problem(client.get("/token/valid", headers=_bearer(token)), 401, "InvalidToken")
    assert body["reason"] == "revoked"


def test_signed_out_token_cannot_act_on_the_user(
    checking_app: Flask, cognito: Any, pool: Pool, user: User
) -> None:
    client = checking_app.test_client()
    token = sign_in(client, user)["accessToken"]
    cognito.global_sign_out(AccessToken=token)
    marker = f"revoked-{uuid.uuid4().hex[:6]}"
    response = client.post(
        "/admin/user/attribute",
        headers=_bearer(token),
        json={"attributeName": "nickname", "attributeValue": marker},
    )
    assert problem(response, 401, "InvalidToken")["reason"] == "revoked"
    response = client.delete("/admin/user", headers=_bearer(token))
    assert problem(response, 401, "InvalidToken")["reason"] == "revoked"
    attributes = cognito.admin_get_user(UserPoolId=pool.id, Username=user.username)[
        "UserAttributes"
    ]
    assert {"Name": "nickname", "Value": marker} not in attributes


def test_off_by_default_a_signed_out_token_still_verifies(
    app: Flask, cognito: Any, user: User
) -> None:
    """The default trades revocation for no Cognito call per request (documented)."""
    client = app.test_client()
    token = sign_in(client, user)["accessToken"]
    calls = _get_user_calls(app)
    cognito.global_sign_out(AccessToken=token)
    assert client.get("/token/valid", headers=_bearer(token)).status_code == 200
    assert calls == []


def test_id_tokens_are_not_checked_at_cognito(
    checking_app: Flask, cognito: Any, user: User
) -> None:
    """GetUser takes only access tokens: a signed-out user's id token still verifies
    until it expires (documented; send access tokens where revocation matters)."""
    client = checking_app.test_client()
    signed_in = sign_in(client, user)
    calls = _get_user_calls(checking_app)
    cognito.global_sign_out(AccessToken=signed_in["accessToken"])
    response = client.get("/token/valid", headers={"idToken": signed_in["idToken"]})
    assert response.status_code == 200
    assert calls == []


def test_forged_tokens_never_reach_cognito(checking_app: Flask, pool: Pool) -> None:
    client = checking_app.test_client()
    calls = _get_user_calls(checking_app)
    claims = claims_for(pool, "access", "x@example.com", "0f1e2d3c-0000-4000-8000-000000000000")
    for token in (mint(claims, key=other_private_key()), mint({**claims, "exp": 1})):
        problem(client.get("/token/valid", headers=_bearer(token)), 401, "InvalidToken")
    assert calls == []


@pytest.mark.parametrize(
    ("cognito_code", "status", "code"),
    [
        ("InternalErrorException", 502, "UpstreamError"),
        ("TooManyRequestsException", 429, "TooManyRequests"),
    ],
)
def test_cognito_failures_are_not_revocations_stubbed(
    checking_app: Flask, pool: Pool, cognito_code: str, status: int, code: str
) -> None:
    claims = claims_for(pool, "access", "x@example.com", "0f1e2d3c-0000-4000-8000-000000000000")
    with stubbed_cognito(checking_app) as stubber:
        stubber.add_client_error("get_user", service_error_code=cognito_code, http_status_code=400)
        response = checking_app.test_client().get("/token/valid", headers=_bearer(mint(claims)))
    body = problem(response, status, code)
    assert "reason" not in body
    stubber.assert_no_pending_responses()
