"""The error corridor: every Cognito exception in the table, HTTP errors, hidden 500s."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from proxy_app.aws import calls
from proxy_app.core.errors import CognitoInputRefused
from proxy_app.http.problems import COGNITO_ERRORS, from_failure
from tests.support.app import problem
from tests.support.cognito import PASSWORD, Pool
from tests.support.network import closed_port
from tests.support.stubs import stubbed_error

SIGN_IN = {"username": "someone", "password": PASSWORD}


_UPSTREAM = (502, "UpstreamError", False, False)
_THROTTLED = (429, "TooManyRequests", True, False)

# Cognito exception -> (status, code, Retry-After, Cognito's message shown in `detail`),
# written out here and not read from COGNITO_ERRORS, so a wrong row in the table fails.
EXPECTED: dict[str, tuple[int, str, bool, bool]] = {
    "NotAuthorizedException": (401, "NotAuthorized", False, False),
    "UserNotFoundException": (401, "NotAuthorized", False, False),
    "UserNotConfirmedException": (403, "UserNotConfirmed", False, False),
    "PasswordResetRequiredException": (403, "PasswordResetRequired", False, False),
    "UsernameExistsException": (409, "UsernameExists", False, False),
    "AliasExistsException": (409, "AliasExists", False, False),
    "CodeMismatchException": (400, "CodeMismatch", False, False),
    "ExpiredCodeException": (400, "ExpiredCode", False, False),
    "EnableSoftwareTokenMFAException": (400, "CodeMismatch", False, False),
    "SoftwareTokenMFANotFoundException": (400, "SoftwareTokenNotSetUp", False, False),
    "InvalidPasswordException": (400, "InvalidPassword", False, True),
    "InvalidParameterException": (400, "ValidationFailed", False, True),
    "UserLambdaValidationException": (400, "ValidationFailed", False, False),
    "TooManyRequestsException": _THROTTLED,
    "LimitExceededException": _THROTTLED,
    "TooManyFailedAttemptsException": _THROTTLED,
    "CodeDeliveryFailureException": (502, "CodeDeliveryFailed", False, False),
    "ResourceNotFoundException": _UPSTREAM,
    "InternalErrorException": _UPSTREAM,
    "InvalidLambdaResponseException": _UPSTREAM,
    "UnexpectedLambdaException": _UPSTREAM,
    "InvalidUserPoolConfigurationException": _UPSTREAM,
    "InvalidSmsRoleAccessPolicyException": _UPSTREAM,
    "InvalidSmsRoleTrustRelationshipException": _UPSTREAM,
    "InvalidEmailRoleAccessPolicyException": _UPSTREAM,
    "UserPoolAddOnNotEnabledException": _UPSTREAM,
    "AccessDeniedException": _UPSTREAM,
    "ForbiddenException": _UPSTREAM,
}


@pytest.mark.parametrize("cognito_error", sorted(EXPECTED))
def test_every_cognito_exception_maps_to_its_status_and_code_stubbed(
    app: Flask, cognito_error: str
) -> None:
    status, code, retry_after, message_shown = EXPECTED[cognito_error]
    message = "arn:aws:iam::123456789012:role/internal-detail"
    response = stubbed_error(
        app, "admin_initiate_auth", cognito_error, "/admin/signin", SIGN_IN, message
    )
    body = problem(response, status, code)
    assert (body["detail"] == message) is message_shown
    if not message_shown:
        assert message not in response.get_data(as_text=True)
    assert ("Retry-After" in response.headers) is retry_after
    if retry_after:
        assert int(response.headers["Retry-After"]) > 0


def test_the_error_table_has_no_row_without_a_literal_expectation() -> None:
    # A new row in COGNITO_ERRORS must get its own line in EXPECTED above.
    assert set(COGNITO_ERRORS) == set(EXPECTED)


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
    app = make_app(endpoint_url=f"http://127.0.0.1:{closed_port()}", connect_timeout=0.5)
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


def _request_log(logged: str) -> dict[str, Any]:
    """The one request log line among the JSON lines written to stderr."""
    lines = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line["message"] == "request"]
    assert len(requests) == 1, logged
    return requests[0]


def test_input_that_botocore_refuses_is_400_validation_failed(app: Flask) -> None:
    # Our schemas mirror botocore's rules (a session of at least 20 characters), so no
    # route lets such input through: call the gateway as a route would.
    gateway = app.extensions["cognito_gateway"]
    with pytest.raises(CognitoInputRefused) as raised:
        gateway.respond_to_challenge(
            "someone", "NEW_PASSWORD_REQUIRED", "too-short", {"NEW_PASSWORD": PASSWORD}
        )
    error = from_failure(raised.value)
    assert error.cognito_code == "ParamValidationError"
    assert (error.status, error.code) == (400, "ValidationFailed")
    assert error.errors == {"_request": ["Cognito's parameter rules refuse this input."]}


def test_no_aws_credentials_is_500_and_logged(
    make_app: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # The process's one boto3 session caches the credentials it found; start a new one.
    monkeypatch.setattr(calls, "_session", None)
    app = make_app()
    capsys.readouterr()
    response = app.test_client().post("/admin/signin", json=SIGN_IN)
    problem(response, 500, "InternalError")
    logged = capsys.readouterr().err
    assert "no AWS credentials for Cognito calls" in logged
    assert _request_log(logged)["cognitoError"] == "NoCredentialsError"


def test_any_other_botocore_failure_is_502_with_its_name_in_the_log(
    make_app: Any, pool: Pool, capsys: pytest.CaptureFixture[str]
) -> None:
    # TLS to moto's plain-HTTP server: botocore's SSLError, neither unreachable nor a
    # Cognito answer.
    app = make_app(endpoint_url=pool.endpoint.replace("http://", "https://"))
    capsys.readouterr()
    response = app.test_client().post("/admin/signin", json=SIGN_IN)
    problem(response, 502, "UpstreamError")
    assert _request_log(capsys.readouterr().err)["cognitoError"] == "SSLError"
