"""wsgi.handler with API Gateway REST (v1), HTTP API (v2) and ALB events; API Gateway's
request id keys the log line."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from apig_wsgi import make_lambda_handler
from flask import Flask
from flask.testing import FlaskClient

from tests.support.app import problem
from tests.support.cognito import Pool, User
from tests.support.lambda_events import FORMATS, make_event, response_header, response_json

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@pytest.fixture
def handler(pool: Pool, monkeypatch: pytest.MonkeyPatch) -> Iterator[Handler]:
    """Import wsgi the way Lambda does: configuration from the environment."""
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "cognito-proxy-test")
    monkeypatch.setenv("REGION_NAME", "us-east-1")
    monkeypatch.setenv("COGNITO_USER_POOL_ID", pool.id)
    monkeypatch.setenv("COGNITO_APP_CLIENT_ID", pool.client_id)
    monkeypatch.setenv("COGNITO_ENDPOINT_URL", pool.endpoint)
    sys.modules.pop("wsgi", None)
    module = importlib.import_module("wsgi")
    yield module.handler
    sys.modules.pop("wsgi", None)


@pytest.mark.parametrize("kind", FORMATS)
def test_health(handler: Handler, kind: str) -> None:
    response = handler(make_event(kind, method="GET", path="/health"), None)
    assert response["statusCode"] == 200
    assert response_json(response) == {"status": "ok"}


@pytest.mark.parametrize("kind", FORMATS)
def test_sign_in_with_original_headers_then_verify(handler: Handler, user: User, kind: str) -> None:
    signed_in = handler(
        make_event(
            kind,
            method="POST",
            path="/admin/signin",
            headers={"username": user.username, "password": user.password},
        ),
        None,
    )
    assert signed_in["statusCode"] == 200
    assert response_header(signed_in, "Cache-Control") == "no-store"
    tokens = response_json(signed_in)
    valid = handler(
        make_event(kind, method="GET", path="/token/valid", headers={"idToken": tokens["idToken"]}),
        None,
    )
    assert valid["statusCode"] == 200
    assert response_json(valid)["username"] == user.username


@pytest.mark.parametrize("kind", FORMATS)
def test_json_body_and_errors(handler: Handler, kind: str) -> None:
    response = handler(
        make_event(
            kind,
            method="POST",
            path="/admin/signin",
            body={"username": "nobody@example.com", "password": "Wr0ng-password"},
        ),
        None,
    )
    assert response["statusCode"] == 401
    assert response_header(response, "Content-Type") == "application/problem+json"
    assert response_json(response)["code"] == "NotAuthorized"


@pytest.mark.parametrize("kind", FORMATS)
def test_unknown_route_is_problem_json(handler: Handler, kind: str) -> None:
    response = handler(make_event(kind, method="GET", path="/nope"), None)
    assert response["statusCode"] == 404
    assert response_json(response)["code"] == "NotFound"


def test_request_id_comes_from_api_gateway(handler: Handler) -> None:
    response = handler(make_event("apigateway-v1", method="GET", path="/nope"), None)
    assert response_json(response)["requestId"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"


@pytest.mark.parametrize("kind", FORMATS)
def test_unicode_header_values_pass_through(
    handler: Handler, user: User, cognito: Any, kind: str
) -> None:
    signed_in = handler(
        make_event(
            kind,
            method="POST",
            path="/admin/signin",
            body={"username": user.username, "password": user.password},
        ),
        None,
    )
    id_token = response_json(signed_in)["idToken"]
    response = handler(
        make_event(
            kind,
            method="POST",
            path="/admin/user/attribute",
            headers={"idToken": id_token, "attributeName": "name", "attributeValue": "Zoë"},
        ),
        None,
    )
    assert response["statusCode"] == 200
    found = cognito.admin_get_user(UserPoolId=user.pool.id, Username=user.username)
    assert {"Name": "name", "Value": "Zoë"} in found["UserAttributes"]


@pytest.mark.parametrize("kind", FORMATS)
def test_the_original_prod_stage_prefix_is_served(handler: Handler, kind: str) -> None:
    response = handler(make_event(kind, method="GET", path="/Prod/health"), None)
    assert response["statusCode"] == 200
    assert response_json(response) == {"status": "ok"}
    other = handler(make_event(kind, method="GET", path="/Production/health"), None)
    assert other["statusCode"] == 404


def _request_lines(logged: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in logged.splitlines() if '"proxy_app.request"' in line]


class TestApiGatewayRequestIdsKeyTheLog:
    """Sharp edge: API Gateway's id keys the log line; a client's id is only recorded."""

    @pytest.fixture
    def handler(self, app: Flask) -> Any:
        return make_lambda_handler(app)

    def test_http_api_request_id_is_the_request_id(
        self, handler: Any, capsys: pytest.CaptureFixture[str]
    ) -> None:
        event = make_event(
            "apigateway-v2", method="GET", path="/nowhere", headers={"X-Request-Id": "mine-1"}
        )
        assert event["requestContext"]["requestId"] == "JKJaXmPLvHcESHA="
        capsys.readouterr()
        response = handler(event, None)
        assert response_json(response)["requestId"] == "JKJaXmPLvHcESHA="
        assert response_header(response, "X-Request-Id") == "JKJaXmPLvHcESHA="
        (line,) = _request_lines(capsys.readouterr().err)
        assert line["requestId"] == "JKJaXmPLvHcESHA="
        assert line["clientRequestId"] == "mine-1"

    def test_rest_api_request_id_is_the_request_id(
        self, handler: Any, capsys: pytest.CaptureFixture[str]
    ) -> None:
        capsys.readouterr()
        response = handler(make_event("apigateway-v1", method="GET", path="/health"), None)
        assert response_header(response, "X-Request-Id") == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
        (line,) = _request_lines(capsys.readouterr().err)
        assert line["requestId"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
        assert line["clientRequestId"] is None

    def test_a_client_request_id_is_not_the_log_key(
        self, client: FlaskClient, capsys: pytest.CaptureFixture[str]
    ) -> None:
        capsys.readouterr()
        response = client.get("/nowhere", headers={"X-Request-Id": "abc-123"})
        body = problem(response, 404, "NotFound")
        assert body["requestId"] != "abc-123"
        assert response.headers["X-Request-Id"] == body["requestId"]
        (line,) = _request_lines(capsys.readouterr().err)
        assert line["requestId"] == body["requestId"]
        assert line["clientRequestId"] == "abc-123"

    @pytest.mark.parametrize("where", ["context", "header"])
    def test_an_id_with_a_trailing_newline_is_not_taken(
        self, handler: Any, capsys: pytest.CaptureFixture[str], where: str
    ) -> None:
        event = make_event("apigateway-v1", method="GET", path="/health")
        if where == "context":
            event["requestContext"]["requestId"] = "abc-123\n"
        else:
            event["headers"]["X-Request-Id"] = "abc-123\n"
            event["multiValueHeaders"]["X-Request-Id"] = ["abc-123\n"]
        capsys.readouterr()
        response = handler(event, None)
        assert response["statusCode"] == 200
        (line,) = _request_lines(capsys.readouterr().err)
        assert "\n" not in line["requestId"]
        assert line["requestId"] == response_header(response, "X-Request-Id")
        assert line["clientRequestId"] is None
