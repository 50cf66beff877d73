"""The error corridor: every Cognito exception in the table, HTTP errors, hidden 500s."""

from __future__ import annotations

import logging
import socket
from typing import Any

import pytest
from conftest import PASSWORD, problem, stubbed_error
from flask import Flask
from flask.testing import FlaskClient

from proxy_app.errors import COGNITO_ERRORS

SIGN_IN = {"username": "someone", "password": PASSWORD}


@pytest.mark.parametrize("cognito_error", sorted(COGNITO_ERRORS))
def test_every_cognito_exception_maps_to_its_status_and_code_stubbed(
    app: Flask, cognito_error: str
) -> None:
    rule = COGNITO_ERRORS[cognito_error]
    secret_message = "arn:aws:iam::123456789012:role/internal-detail"
    response = stubbed_error(
        app, "admin_initiate_auth", cognito_error, "/admin/signin", SIGN_IN, secret_message
    )
    problem(response, rule.status, rule.code)
    if rule.detail is not None:
        assert secret_message not in response.get_data(as_text=True)
    assert ("Retry-After" in response.headers) == (rule.status == 429)


def test_an_unlisted_cognito_exception_is_502_without_its_message_stubbed(app: Flask) -> None:
    response = stubbed_error(
        app,
        "admin_initiate_auth",
        "BrandNewException",
        "/admin/signin",
        SIGN_IN,
        "internal: table cognito-users-prod",
    )
    problem(response, 502, "UpstreamError")
    assert "cognito-users-prod" not in response.get_data(as_text=True)


def test_unknown_route_is_404_problem_json(client: FlaskClient) -> None:
    problem(client.get("/no/such/route"), 404, "NotFound")


def test_wrong_method_is_405_problem_json_with_allow(client: FlaskClient) -> None:
    response = client.get("/admin/signin")
    problem(response, 405, "MethodNotAllowed")
    assert "POST" in response.headers["Allow"]


def test_body_over_16_kib_is_413(client: FlaskClient) -> None:
    response = client.post(
        "/signup",
        data=b'{"username": "' + b"a" * 17000 + b'"}',
        content_type="application/json",
    )
    problem(response, 413, "PayloadTooLarge")


def test_unexpected_failure_is_500_with_request_id_and_cause_only_in_the_log(
    app: Flask, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def explode(*_: Any, **__: Any) -> Any:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(app.extensions["cognito_gateway"], "sign_in", explode)
    response = app.test_client().post(
        "/admin/signin", json={"username": "someone", "password": PASSWORD}
    )
    body = problem(response, 500, "InternalError")
    assert "hunter2" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert response.headers["X-Request-Id"] == body["requestId"]
    logged = capsys.readouterr().err
    assert body["requestId"] in logged
    assert "RuntimeError" in logged


def test_unreachable_cognito_is_503(make_app: Any) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    app = make_app(endpoint_url=f"http://127.0.0.1:{closed_port}", connect_timeout=0.5)
    response = app.test_client().post(
        "/admin/signin", json={"username": "someone", "password": PASSWORD}
    )
    problem(response, 503, "UpstreamUnavailable")
    assert response.headers["Retry-After"]


def test_request_id_that_is_not_an_id_is_replaced(client: FlaskClient) -> None:
    response = client.get("/nowhere", headers={"X-Request-Id": "<script>"})
    assert problem(response, 404, "NotFound")["requestId"] != "<script>"


def test_no_logging_level_reveals_botocore_parameters(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app.test_client().post("/admin/signin", json={"username": "x", "password": PASSWORD})
    assert logging.getLogger("botocore").getEffectiveLevel() >= logging.WARNING
    assert PASSWORD not in caplog.text
