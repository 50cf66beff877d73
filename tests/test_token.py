"""GET /token/valid: the basic answers (the forgery suite lives in its own file)."""

from __future__ import annotations

from typing import Any

from conftest import Pool, User, problem
from flask.testing import FlaskClient


def test_id_token_is_valid(
    client: FlaskClient, user: User, pool: Pool, tokens: dict[str, Any]
) -> None:
    response = client.get("/token/valid", headers={"idToken": tokens["idToken"]})
    assert response.status_code == 200
    body = response.json
    assert body["valid"] is True
    assert body["tokenUse"] == "id"
    assert body["username"] == user.username
    assert body["claims"]["aud"] == pool.client_id
    assert body["expiresAt"] == body["claims"]["exp"]
    assert body["groups"] == []


def test_header_names_are_case_insensitive(client: FlaskClient, tokens: dict[str, Any]) -> None:
    for name in ("idToken", "idtoken", "IDTOKEN"):
        assert client.get("/token/valid", headers={name: tokens["idToken"]}).status_code == 200


def test_access_token_as_bearer_or_member(client: FlaskClient, tokens: dict[str, Any]) -> None:
    bearer = client.get(
        "/token/valid", headers={"Authorization": f"Bearer {tokens['accessToken']}"}
    )
    assert bearer.status_code == 200
    assert bearer.json["tokenUse"] == "access"
    header = client.get("/token/valid", headers={"accessToken": tokens["accessToken"]})
    assert header.status_code == 200
    assert header.json["username"] == bearer.json["username"]


def test_access_token_given_as_id_token_is_refused(
    client: FlaskClient, tokens: dict[str, Any]
) -> None:
    response = client.get("/token/valid", headers={"idToken": tokens["accessToken"]})
    assert problem(response, 401, "InvalidToken")["reason"] == "wrong_token_use"


def test_no_token_is_401(client: FlaskClient) -> None:
    assert problem(client.get("/token/valid"), 401, "InvalidToken")["reason"] == "missing"


def test_bearer_and_access_token_header_must_agree(
    client: FlaskClient, tokens: dict[str, Any]
) -> None:
    response = client.get(
        "/token/valid",
        headers={"Authorization": "Bearer other", "accessToken": tokens["accessToken"]},
    )
    problem(response, 400, "ValidationFailed")
