"""Sign-out means sign-out with the default settings, tried as a user would: a
local-mode app with no settings (what `make run` serves), a user who signs in, signs out,
and then tries every route with the tokens left behind.

And without the service's table (a deployment that turned revocation off): the access
token is still refused wherever the route acts through Cognito with it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from proxy_app import create_app
from proxy_app.config import Config
from tests.support.app import problem, sign_in
from tests.support.cognito import PASSWORD, User


@pytest.fixture(scope="module")
def local() -> FlaskClient:
    """`make run` with nothing set: local mode, its emulator and its own table."""
    app = create_app(Config(local_accept_any_code=True))
    app.testing = True
    return app.test_client()


def _signed_in(client: FlaskClient, username: str) -> dict[str, Any]:
    assert client.post("/signup", json={"username": username, "password": PASSWORD}).status_code
    confirm = {"username": username, "confirmationCode": "000000"}
    assert client.post("/confirmsignup", json=confirm).status_code == 200
    tokens = client.post("/admin/signin", json={"username": username, "password": PASSWORD})
    assert tokens.status_code == 200, tokens.json
    return dict(tokens.json)


def _every_route(client: FlaskClient, tokens: dict[str, Any], kind: str) -> list[Any]:
    """The routes a left-behind token could read or change the account through."""
    token = {kind: tokens[kind]}
    bearer = {"Authorization": f"Bearer {tokens[kind]}"} if kind == "accessToken" else {}
    valid = client.get("/token/valid", json=None if bearer else token, headers=bearer)
    return [
        valid,
        client.get("/user", json=token),
        client.post(
            "/admin/user/attribute",
            json={**token, "attributeName": "name", "attributeValue": "Mallory"},
        ),
        client.delete("/admin/user", json=token),
    ]


@pytest.mark.parametrize("signed_out_with", ["accessToken", "idToken"])
@pytest.mark.parametrize("kind", ["accessToken", "idToken"])
def test_after_a_sign_out_no_token_of_before_reads_or_changes_the_account(
    local: FlaskClient, kind: str, signed_out_with: str, request: pytest.FixtureRequest
) -> None:
    username = f"so-{kind}-{signed_out_with}@example.com".lower()
    tokens = _signed_in(local, username)
    signed_out = local.post("/signout", json={signed_out_with: tokens[signed_out_with]})
    assert signed_out.status_code == 204
    for response in _every_route(local, tokens, kind):
        body = problem(response, 401, "InvalidToken")
        assert body["reason"] == "revoked", body
    # Nothing was changed or deleted: the user signs in again, with the old name.
    again = _signed_in_again(local, username)
    profile = local.get("/user", json={"accessToken": again["accessToken"]}).json
    assert profile["attributes"].get("name") != "Mallory"


def _signed_in_again(client: FlaskClient, username: str) -> dict[str, Any]:
    # Tokens carry whole seconds: a sign-in in the second of the sign-out is refused too.
    time.sleep(1.05)
    tokens = client.post("/admin/signin", json={"username": username, "password": PASSWORD})
    assert tokens.status_code == 200, tokens.json
    return dict(tokens.json)


def test_tokens_of_a_new_sign_in_work(local: FlaskClient) -> None:
    username = "so-new@example.com"
    tokens = _signed_in(local, username)
    assert local.post("/signout", json={"accessToken": tokens["accessToken"]}).status_code == 204
    fresh = _signed_in_again(local, username)
    for response in _every_route(local, fresh, "accessToken")[:3]:
        assert response.status_code == 200, response.json


def test_without_the_table_cognito_still_refuses_a_signed_out_access_token(
    make_app: Callable[..., Flask], user: User
) -> None:
    client = make_app().test_client()  # no REVOCATION_TABLE
    tokens = sign_in(client, user)
    assert client.post("/signout", json={"accessToken": tokens["accessToken"]}).status_code == 204
    # /token/valid checks the signature and claims only (README: what revocation costs).
    routes = _every_route(client, tokens, "accessToken")[1:]
    for response in routes:
        body = problem(response, 401, "InvalidToken")
        assert body["reason"] == "revoked", body
