"""Hostile input, credential headers, security headers and CORS.

Anti-enumeration lives in test_enumeration.py.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import Pool, User, problem
from flask import Flask
from flask.testing import FlaskClient
from lambda_events import make_event, response_json

ORIGIN = "https://app.example.com"


class TestHeaderAbuse:
    def test_huge_credential_header_is_400(self, client: FlaskClient) -> None:
        response = client.post(
            "/admin/signin", headers={"username": "ada", "password": "p" * 100_000}
        )
        assert "password" in problem(response, 400, "ValidationFailed")["errors"]

    def test_huge_token_header_is_401_malformed(self, client: FlaskClient) -> None:
        response = client.get("/token/valid", headers={"idToken": "e" * 100_000})
        assert problem(response, 401, "InvalidToken")["reason"] == "malformed"

    def test_numbers_where_strings_belong(self, client: FlaskClient) -> None:
        response = client.post("/admin/signin", json={"username": 42, "password": 3.14})
        errors = problem(response, 400, "ValidationFailed")["errors"]
        assert set(errors) == {"username", "password"}

    def test_json_content_type_with_a_form_body_is_malformed_json(
        self, client: FlaskClient
    ) -> None:
        response = client.post(
            "/admin/signin", data="username=ada&password=x", content_type="application/json"
        )
        problem(response, 400, "MalformedJson")

    @pytest.mark.parametrize(
        ("content_type", "status"),
        [
            ("application/json", 400),
            ("application/json; charset=utf-8", 400),
            ("Application/JSON", 400),
            ("application/merge-patch+json", 400),
            ("application/jsonx", 415),
            ("application/json-seq", 415),
            ("text/json", 415),
            ("text/plain; type=application/json", 415),
        ],
    )
    def test_only_json_media_types_are_read(
        self, client: FlaskClient, content_type: str, status: int
    ) -> None:
        # 400: read as JSON, then refused for its missing password.
        response = client.post(
            "/admin/signin", data='{"username": "ada"}', content_type=content_type
        )
        body = problem(
            response, status, "ValidationFailed" if status == 400 else "UnsupportedMediaType"
        )
        assert status == 415 or "password" in body["errors"]

    def test_text_content_type_with_a_json_body_is_415(self, client: FlaskClient) -> None:
        response = client.post(
            "/admin/signin", data='{"username": "ada"}', content_type="text/plain"
        )
        problem(response, 415, "UnsupportedMediaType")


@pytest.fixture
def lambda_handler(pool: Pool, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("COGNITO_USER_POOL_ID", pool.id)
    monkeypatch.setenv("COGNITO_APP_CLIENT_ID", pool.client_id)
    monkeypatch.setenv("COGNITO_ENDPOINT_URL", pool.endpoint)
    sys.modules.pop("wsgi", None)
    yield importlib.import_module("wsgi").handler
    sys.modules.pop("wsgi", None)


class TestThroughLambdaEvents:
    """What real HTTP servers would refuse first, API Gateway can still deliver."""

    def test_crlf_in_a_header_value_is_400(self, lambda_handler: Any) -> None:
        event = make_event(
            "apigateway-v1",
            method="POST",
            path="/password/reset",
            headers={"username": "ada\r\nX-Injected: yes"},
        )
        response = lambda_handler(event, None)
        assert response["statusCode"] == 400
        assert "username" in response_json(response)["errors"]

    @pytest.mark.parametrize("kind", ["apigateway-v1", "alb"])
    def test_a_credential_header_sent_twice_is_400(
        self, lambda_handler: Any, user: User, kind: str
    ) -> None:
        event = make_event(
            kind,
            method="POST",
            path="/admin/signin",
            headers={"username": user.username, "password": user.password},
        )
        if kind == "alb":
            event["multiValueHeaders"] = {k: [v] for k, v in event.pop("headers").items()}
        event["multiValueHeaders"]["password"] = [user.password, "other-Passw0rd"]
        response = lambda_handler(event, None)
        assert response["statusCode"] == 400
        assert "password" in response_json(response)["errors"]

    def test_json_body_with_a_bom_is_400(self, lambda_handler: Any) -> None:
        event = make_event(
            "apigateway-v2",
            method="POST",
            path="/password/reset",
            body='\ufeff{"username": "ada"}',
        )
        response = lambda_handler(event, None)
        assert response["statusCode"] == 400
        assert response_json(response)["code"] == "MalformedJson"


class TestCredentialHeadersOff:
    @pytest.fixture
    def strict(self, make_app: Any) -> FlaskClient:
        client: FlaskClient = make_app(accept_credential_headers=False).test_client()
        return client

    @pytest.mark.parametrize(
        ("path", "method", "field"),
        [
            ("/admin/signin", "POST", "password"),
            ("/signup", "POST", "password"),
            ("/password/confirm", "POST", "confirmationCode"),
            ("/admin/refresh", "POST", "refreshToken"),
            ("/token/valid", "GET", "idToken"),
            ("/token/valid", "GET", "accessToken"),
            ("/admin/user", "DELETE", "idToken"),
        ],
    )
    def test_credentials_in_custom_headers_are_refused_by_name(
        self, strict: FlaskClient, path: str, method: str, field: str
    ) -> None:
        response = strict.open(path, method=method, headers={field: "value"})
        errors = problem(response, 400, "ValidationFailed")["errors"]
        assert field in errors
        assert "JSON body" in errors[field][0]

    def test_json_body_and_bearer_still_work(self, strict: FlaskClient, user: User) -> None:
        signed_in = strict.post(
            "/admin/signin",
            headers={"username": user.username},
            json={"password": user.password},
        )
        assert signed_in.status_code == 200
        bearer = {"Authorization": f"Bearer {signed_in.json['accessToken']}"}
        assert strict.get("/token/valid", headers=bearer).status_code == 200


class TestSecurityHeaders:
    @pytest.mark.parametrize(
        ("method", "path", "status"),
        [
            ("GET", "/health", 200),
            ("GET", "/openapi.json", 200),
            ("POST", "/admin/signin", 400),
            ("GET", "/token/valid", 401),
            ("GET", "/nowhere", 404),
            ("PUT", "/signup", 405),
            ("OPTIONS", "/signup", 200),
        ],
    )
    def test_on_every_response(
        self, client: FlaskClient, method: str, path: str, status: int
    ) -> None:
        response = client.open(path, method=method)
        assert response.status_code == status
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Request-Id"]

    def test_on_responses_that_carry_tokens(
        self, tokens: dict[str, Any], client: FlaskClient, user: User
    ) -> None:
        response = client.post(
            "/admin/signin", json={"username": user.username, "password": user.password}
        )
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Pragma"] == "no-cache"


class TestCors:
    @pytest.fixture
    def cors_app(self, make_app: Any) -> Flask:
        app: Flask = make_app(cors_allowed_origins=(ORIGIN,))
        return app

    def test_preflight_from_an_allowed_origin(self, cors_app: Flask) -> None:
        response = cors_app.test_client().options(
            "/admin/signin",
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type, username, password",
            },
        )
        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert "POST" in response.headers["Access-Control-Allow-Methods"]
        allowed = response.headers["Access-Control-Allow-Headers"].lower()
        assert {"content-type", "username", "password"} <= {h.strip() for h in allowed.split(",")}
        assert "Access-Control-Allow-Credentials" not in response.headers

    def test_actual_request_from_an_allowed_origin(self, cors_app: Flask) -> None:
        response = cors_app.test_client().get("/health", headers={"Origin": ORIGIN})
        assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert "X-Request-Id" in response.headers["Access-Control-Expose-Headers"]

    def test_other_origins_get_no_cors_headers(self, cors_app: Flask) -> None:
        client = cors_app.test_client()
        for origin in ("https://evil.example.com", "https://app.example.com.evil.net", "null"):
            preflight = client.options(
                "/admin/signin",
                headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
            )
            assert "Access-Control-Allow-Origin" not in preflight.headers
            actual = client.get("/health", headers={"Origin": origin})
            assert "Access-Control-Allow-Origin" not in actual.headers

    def test_without_configuration_no_origin_is_allowed(self, client: FlaskClient) -> None:
        response = client.get("/health", headers={"Origin": ORIGIN})
        assert "Access-Control-Allow-Origin" not in response.headers
