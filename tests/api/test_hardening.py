"""Hostile input, credential headers, security headers and CORS: headers no server would
pass, bodies framed to mislead (chunked, a false Content-Length) under a real WSGI server,
encoded paths, origins matched literally, preflights that list only accepted headers.

Anti-enumeration lives in test_enumeration.py.
"""

from __future__ import annotations

import http.client
import importlib
import json
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from apig_wsgi import make_lambda_handler
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from proxy_app.config import Config, ConfigError
from proxy_app.http.inputs import MAX_BODY_BYTES
from tests.support.app import problem
from tests.support.cognito import Pool, User, unique_username
from tests.support.lambda_events import make_event, response_json

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


class TestCorsOriginsAreMatchedLiterally:
    """Item 7: exact scheme://host[:port] origins only, compared as text."""

    @pytest.mark.parametrize(
        "origin",
        [
            "https://*.example.com",
            "https://(app|www).example.com",
            "https://app.example.com/path",
            "https://user@app.example.com",
            "https://app.example.com?x=1",
            "https://app.example.com:0",
            "https://app.example.com:65536",
            "https://app.example.com:",
            "ftp://app.example.com",
            "https://app_1.example.com",
            "https://[::1",
        ],
    )
    def test_anything_but_an_exact_origin_is_refused_at_start_up(self, origin: str) -> None:
        with pytest.raises(ConfigError) as raised:
            Config.from_env(
                {
                    "COGNITO_USER_POOL_ID": "us-east-1_AbCdEf123",
                    "COGNITO_APP_CLIENT_ID": "1a2b3c4d5e",
                    "CORS_ALLOWED_ORIGINS": f"https://ok.example.com,{origin}",
                }
            )
        assert raised.value.variable == "CORS_ALLOWED_ORIGINS"
        assert "CORS_ALLOWED_ORIGINS" in str(raised.value)

    @pytest.mark.parametrize(
        "origin",
        [
            "https://app.example.com",
            "http://localhost:3000",
            "http://[::1]:8080",
            "http://10.0.0.7",
        ],
    )
    def test_exact_origins_are_accepted(self, origin: str) -> None:
        Config(cors_allowed_origins=(origin,)).validate()

    @pytest.mark.parametrize(
        ("configured", "allowed", "refused"),
        [
            (
                "https://app.example.com",
                ["https://app.example.com", "https://APP.example.com"],
                [
                    "https://app.example.com.evil.net",
                    "https://Xapp.example.com",
                    "https://appXexample.com",
                ],
            ),
            # Brackets are regular-expression syntax to flask-cors: [::1] would match "1".
            ("http://[::1]:8080", ["http://[::1]:8080"], ["http://1:8080", "http://[::1]:80800"]),
        ],
    )
    def test_only_the_configured_origin_gets_cors_headers(
        self,
        make_app: Callable[..., Flask],
        configured: str,
        allowed: list[str],
        refused: list[str],
    ) -> None:
        client = make_app(cors_allowed_origins=(configured,)).test_client()
        for origin in allowed:
            response = client.get("/health", headers={"Origin": origin})
            assert response.headers.get("Access-Control-Allow-Origin") == origin, origin
        for origin in refused:
            preflight = client.options(
                "/admin/signin",
                headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
            )
            assert "Access-Control-Allow-Origin" not in preflight.headers, origin
            actual = client.get("/health", headers={"Origin": origin})
            assert "Access-Control-Allow-Origin" not in actual.headers, origin


@pytest.fixture
def served(app: Flask) -> Iterator[tuple[str, int]]:
    """The app under werkzeug's own WSGI server, on 127.0.0.1 and a free port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", server.port
    finally:
        server.shutdown()
        thread.join(10)


def _post_chunked(address: tuple[str, int], path: str, body: bytes) -> tuple[int, Any]:
    connection = http.client.HTTPConnection(*address, timeout=10)
    try:
        # An iterable body without Content-Length goes out as Transfer-Encoding: chunked.
        chunks = (body[i : i + 4096] for i in range(0, len(body), 4096))
        connection.request("POST", path, body=chunks, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


class TestChunkedBodyOverTheLimit:
    """Sharp edge: a chunked body over 16 KiB was cut to 16 KiB and accepted."""

    def test_chunked_body_over_the_limit_is_413(self, served: tuple[str, int]) -> None:
        # Valid JSON in the first 16 KiB, padding after it: cut there, it would pass.
        member = json.dumps({"username": unique_username()}).encode()
        body = member + b" " * (MAX_BODY_BYTES + 4096 - len(member))
        status, answer = _post_chunked(served, "/password/reset", body)
        assert status == 413
        assert answer["code"] == "PayloadTooLarge"

    def test_chunked_body_at_the_limit_is_read_whole(self, served: tuple[str, int]) -> None:
        member = json.dumps({"username": unique_username()}).encode()
        body = member + b" " * (MAX_BODY_BYTES - len(member))
        status, answer = _post_chunked(served, "/password/reset", body)
        assert status == 200, answer


def _post_raw(address: tuple[str, int], head: bytes, body: bytes) -> tuple[int, Any]:
    """Send a request's bytes as they are, then half-close: nothing more will come."""
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(head + b"\r\n\r\n" + body)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), json.loads(rest.partition(b"\r\n\r\n")[2])


def _head(length: str) -> bytes:
    return (
        "POST /password/reset HTTP/1.1\r\nHost: localhost\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\nConnection: close"
    ).encode()


class TestAnnouncedLength:
    """A body with a Content-Length is read to that length, and no further, by the app."""

    def test_the_announced_body_is_read_whole(self, served: tuple[str, int]) -> None:
        body = json.dumps({"username": unique_username()}).encode()
        status, answer = _post_raw(served, _head(str(len(body))), body)
        assert status == 200, answer

    def test_bytes_past_the_announced_length_are_not_read_as_body(
        self, served: tuple[str, int]
    ) -> None:
        body = json.dumps({"username": unique_username()}).encode()
        # Cut at the announced length, the body is not JSON.
        status, answer = _post_raw(served, _head(str(len(body) - 2)), body)
        assert (status, answer["code"]) == (400, "MalformedJson")

    def test_a_body_shorter_than_announced_is_400(self, served: tuple[str, int]) -> None:
        body = json.dumps({"username": unique_username()}).encode()
        status, answer = _post_raw(served, _head(str(len(body) + 10)), body)
        assert status == 400
        assert answer["code"] == "MalformedRequest" and "Traceback" not in json.dumps(answer)

    def test_an_announced_length_over_the_limit_is_413_unread(
        self, served: tuple[str, int]
    ) -> None:
        status, answer = _post_raw(served, _head(str(MAX_BODY_BYTES + 1)), b"{}")
        assert (status, answer["code"]) == (413, "PayloadTooLarge")

    @pytest.mark.parametrize(
        ("length", "code"),
        [
            # werkzeug takes a length it cannot read as none: no body, so no username.
            ("\u0661\u0662", "ValidationFailed"),
            ("+12", "ValidationFailed"),
            # It reads "12 " as 12: the body is cut there.
            ("12 ", "MalformedJson"),
        ],
        ids=["arabic", "plus", "space"],
    )
    def test_a_length_that_is_not_plain_digits_is_left_to_werkzeug(
        self, served: tuple[str, int], length: str, code: str
    ) -> None:
        status, answer = _post_raw(served, _head(length), b'{"username": "a"}')
        assert (status, answer["code"]) == (400, code), answer


CREDENTIAL_HEADERS = {"password", "confirmationcode", "refreshtoken", "idtoken", "accesstoken"}


PLAIN_HEADERS = {"content-type", "authorization", "x-request-id", "username", "attributename"}


class TestPreflightListsOnlyAcceptedHeaders:
    """Sharp edge: with ACCEPT_CREDENTIAL_HEADERS=false, preflights listed them anyway."""

    @pytest.mark.parametrize("accept", [True, False])
    def test_preflight_allows_credential_headers_only_when_accepted(
        self, make_app: Callable[..., Flask], accept: bool
    ) -> None:
        origin = "https://app.example.com"
        app = make_app(cors_allowed_origins=(origin,), accept_credential_headers=accept)
        response = app.test_client().options(
            "/admin/signin",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": ", ".join(
                    sorted(CREDENTIAL_HEADERS | PLAIN_HEADERS)
                ),
            },
        )
        assert response.headers["Access-Control-Allow-Origin"] == origin
        allowed = {
            name.strip().lower()
            for name in response.headers["Access-Control-Allow-Headers"].split(",")
        }
        expected = PLAIN_HEADERS | (CREDENTIAL_HEADERS if accept else set())
        assert allowed == expected


class TestEncodedPathsCannotDodgeRouteThrottles:
    """The per-route throttles (serverless.yml) hold only if a route has one spelling:
    `/sign%75p` would be matched by `ANY /{proxy+}` and then decoded to `/signup`."""

    @pytest.mark.parametrize("path", ["/sign%75p", "/Prod/password/rese%74", "/password%2Freset"])
    def test_a_percent_encoded_path_is_404_through_the_http_api(
        self, app: Flask, path: str
    ) -> None:
        event = make_event(
            "apigateway-v2", method="POST", path=path, body={"username": unique_username()}
        )
        response = make_lambda_handler(app)(event, None)
        assert response["statusCode"] == 404
        assert response_json(response)["code"] == "NotFound"

    def test_a_percent_encoded_path_is_404_under_a_wsgi_server(self, client: FlaskClient) -> None:
        response = client.post("/password/rese%74", json={"username": unique_username()})
        problem(response, 404, "NotFound")
        assert client.post("/password/reset", json={"username": "x"}).status_code == 200
