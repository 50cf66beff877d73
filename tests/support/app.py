"""Talking to the app under test through Flask's test client, and reading its answers."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support.cognito import User


def post_sign_in(app: Flask | FlaskClient, username: str, password: str) -> TestResponse:
    """POST /admin/signin through the app; the answer as it comes, success or not."""
    client = app.test_client() if isinstance(app, Flask) else app
    return client.post("/admin/signin", json={"username": username, "password": password})


def sign_in(client: FlaskClient, user: User) -> dict[str, Any]:
    """Sign a user in through the app and return the tokens."""
    response = post_sign_in(client, user.username, user.password)
    assert response.status_code == 200, response.json
    body: dict[str, Any] = response.json  # type: ignore[assignment]
    return body


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert a problem+json answer with this status and code; return its body."""
    assert response.status_code == status, (response.status_code, response.get_data(True))
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.json
    assert body["code"] == code, body
    assert body["status"] == status
    assert set(body) >= {"type", "title", "status", "detail", "code", "requestId"}
    return body
