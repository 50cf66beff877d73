"""Every JSON answer ends with a newline, so that the shell prompt after a `curl` starts on
a line of its own: success answers, problem+json, /openapi.json and local mode's
/local/codes."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support.cognito import User

METHODS = ("get", "post", "put", "patch", "delete")


def _ends_in_one_newline(response: TestResponse) -> Any:
    """The answer's JSON, after checking that one newline ends it."""
    data = response.get_data()
    assert data.endswith(b"\n"), (response.status_code, data[-40:])
    assert not data.endswith(b"\n\n"), (response.status_code, data[-40:])
    return json.loads(data)


def test_every_documented_route_without_input(client: FlaskClient) -> None:
    """Each route, sent nothing: /health answers, the others refuse (problem+json)."""
    spec = client.get("/openapi.json").json
    statuses: dict[str, int] = {}
    for path, operations in spec["paths"].items():
        for method in (m for m in operations if m in METHODS):
            response = client.open(path, method=method.upper())
            statuses[f"{method.upper()} {path}"] = response.status_code
            _ends_in_one_newline(response)
    assert statuses["GET /health"] == 200
    assert statuses["POST /signup"] == 400
    assert statuses["GET /token/valid"] == 401


def test_a_success_answer_dumped_through_its_schema(client: FlaskClient, user: User) -> None:
    signed_in = client.post(
        "/admin/signin", json={"username": user.username, "password": user.password}
    )
    assert signed_in.status_code == 200
    assert "accessToken" in _ends_in_one_newline(signed_in)
    bearer = {"Authorization": f"Bearer {signed_in.json['accessToken']}"}
    assert _ends_in_one_newline(client.get("/token/valid", headers=bearer))["valid"] is True


def test_problems_of_the_framework_too(client: FlaskClient) -> None:
    not_found = client.get("/no/such/route")
    assert _ends_in_one_newline(not_found)["code"] == "NotFound"
    not_allowed = client.put("/health")
    assert _ends_in_one_newline(not_allowed)["status"] == 405
    assert not_allowed.mimetype == "application/problem+json"


def test_the_openapi_document(client: FlaskClient) -> None:
    assert "paths" in _ends_in_one_newline(client.get("/openapi.json"))


def test_local_codes(local_app: Flask) -> None:
    assert "codes" in _ends_in_one_newline(local_app.test_client().get("/local/codes"))
