"""Logs: one JSON line per request, and never a password, token or code."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from conftest import Pool, unique_username
from test_password import _reset_code

PASSWORD = "Secr3t-Passw0rd-XYZ"
NEW_PASSWORD = "An0ther-Secr3t-QRS"
SIGNUP_CODE = "CODE-4711-SIGNUP"
TEMPORARY_PASSWORD = "Tempor4ry-Secr3t-TUV"
CHALLENGE_PASSWORD = "Chall3nge-Secr3t-WXY"


def test_a_whole_flow_logs_no_secret(
    make_app: Any,
    cognito: Any,
    pool: Pool,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    backend_secret = "Autoc0nfirm-Secr3t-" + "Z" * 20
    client = make_app(log_level="DEBUG").test_client()
    trusted = make_app(
        log_level="DEBUG", autoconfirm_user=True, autoconfirm_secret=backend_secret
    ).test_client()
    username = unique_username()
    secrets = [PASSWORD, NEW_PASSWORD, SIGNUP_CODE, backend_secret]

    assert (
        client.post("/signup", headers={"username": username, "password": PASSWORD}).status_code
        == 201
    )
    for secret in (backend_secret, backend_secret + "-WRONG"):
        trusted.post(
            "/signup",
            json={"username": unique_username(), "password": PASSWORD},
            headers={"X-Autoconfirm-Secret": secret},
        )
    assert (
        client.post(
            "/confirmsignup", json={"username": username, "confirmationCode": SIGNUP_CODE}
        ).status_code
        == 200
    )
    assert (
        client.post(
            "/admin/signin", json={"username": username, "password": "Wr0ng-Passw0rd-NOPE"}
        ).status_code
        == 401
    )
    secrets.append("Wr0ng-Passw0rd-NOPE")
    tokens = client.post("/admin/signin", json={"username": username, "password": PASSWORD}).json
    secrets += [tokens["idToken"], tokens["accessToken"], tokens["refreshToken"]]
    refreshed = client.post("/admin/refresh", headers={"refreshToken": tokens["refreshToken"]}).json
    secrets += [refreshed["idToken"], refreshed["accessToken"]]
    assert client.get("/token/valid", headers={"idToken": tokens["idToken"]}).status_code == 200
    assert (
        client.get("/token/valid", headers={"idToken": tokens["idToken"] + "x"}).status_code == 401
    )
    assert (
        client.post(
            "/admin/user/attribute",
            json={"idToken": tokens["idToken"], "attributeName": "name", "attributeValue": "Ada"},
        ).status_code
        == 200
    )
    assert client.post("/password/reset", json={"username": username}).status_code == 200
    code = _reset_code(pool, username)
    secrets.append(code)
    assert (
        client.post(
            "/password/confirm",
            json={"username": username, "password": NEW_PASSWORD, "confirmationCode": code},
        ).status_code
        == 200
    )
    assert client.delete("/admin/user", headers={"idToken": tokens["idToken"]}).status_code == 204

    invited = unique_username()
    cognito.admin_create_user(
        UserPoolId=pool.id,
        Username=invited,
        TemporaryPassword=TEMPORARY_PASSWORD,
        MessageAction="SUPPRESS",
    )
    secrets += [TEMPORARY_PASSWORD, CHALLENGE_PASSWORD]
    challenge = client.post(
        "/admin/signin", json={"username": invited, "password": TEMPORARY_PASSWORD}
    ).json
    secrets.append(challenge["session"])
    answered = client.post(
        "/admin/challenge",
        json={
            "username": invited,
            "challengeName": challenge["challengeName"],
            "session": challenge["session"],
            "responses": {"NEW_PASSWORD": CHALLENGE_PASSWORD},
        },
    )
    assert answered.status_code == 200
    secrets += [answered.json["idToken"], answered.json["accessToken"]]

    logged = capsys.readouterr().err + caplog.text
    request_lines = [
        json.loads(line) for line in logged.splitlines() if '"proxy_app.request"' in line
    ]
    assert len(request_lines) == 15
    for line in request_lines:
        assert {"requestId", "method", "path", "status", "latencyMs", "cognitoError"} <= set(line)
    assert any(line["cognitoError"] == "NotAuthorizedException" for line in request_lines)
    for secret in secrets:
        assert secret not in logged
        # Tokens are long: no recognisable part of one either.
        if len(secret) > 100:
            for part in secret.split("."):
                assert part[:40] not in logged
