"""Logs: one JSON line per request, and never a password, token or code."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from proxy_app.http.logs import StderrHandler
from tests.support.cognito import Pool, moto_reset_code, unique_username

PASSWORD = "Secr3t-Passw0rd-XYZ"
NEW_PASSWORD = "An0ther-Secr3t-QRS"
SIGNUP_CODE = "CODE-4711-SIGNUP"
TEMPORARY_PASSWORD = "Tempor4ry-Secr3t-TUV"
CHALLENGE_PASSWORD = "Chall3nge-Secr3t-WXY"


def _request_lines(err: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in err.splitlines() if '"proxy_app.request"' in line]


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
            json={
                "idToken": tokens["idToken"],
                "attributeName": "name",
                "attributeValue": "Ada",
            },
        ).status_code
        == 200
    )
    assert client.post("/password/reset", json={"username": username}).status_code == 200
    code = moto_reset_code(pool, username)
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
    request_lines = _request_lines(logged)
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


def test_the_request_line_is_one_json_line_on_stderr(
    make_app: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    client = make_app().test_client()
    capsys.readouterr()
    client.get("/nowhere", headers={"X-Request-Id": "client-1"})
    (line,) = _request_lines(capsys.readouterr().err)
    assert list(line) == [
        "time",
        "level",
        "logger",
        "message",
        "requestId",
        "clientRequestId",
        "method",
        "path",
        "status",
        "latencyMs",
        "errorCode",
        "cognitoError",
    ]
    assert line["time"].endswith("Z") and len(line["time"]) == len("2026-01-01T00:00:00.000Z")
    assert line["level"] == "INFO" and line["message"] == "request"
    assert isinstance(line["latencyMs"], float)
    assert line["clientRequestId"] == "client-1" and line["requestId"] != "client-1"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/nowhere", 404)
    assert line["errorCode"] == "NotFound" and line["cognitoError"] is None


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_the_request_line_is_a_log_record_like_any_other(
    make_app: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """An operator's own handler gets it; our handler, quietened, writes none."""
    client = make_app().test_client()
    app_logger = logging.getLogger("proxy_app")
    (ours,) = [h for h in app_logger.handlers if isinstance(h, StderrHandler)]
    extra = _Collect()
    app_logger.addHandler(extra)
    ours.setLevel(logging.WARNING)
    try:
        capsys.readouterr()
        client.get("/nowhere")
    finally:
        ours.setLevel(logging.NOTSET)
        app_logger.removeHandler(extra)
    assert _request_lines(capsys.readouterr().err) == []
    (record,) = [r for r in extra.records if r.name == "proxy_app.request"]
    assert record.getMessage() == "request" and record.__dict__["status"] == 404
