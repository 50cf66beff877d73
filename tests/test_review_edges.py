"""Issue 8, the adversarial review of the running service: one class per item.

Each class is named after the item it guards, and each failed on the code the review ran
against (items 5, 6, 7, 9 and the sharp edges). The per-route throttles of the packaged
template are checked in test_deploy_package.py, next to the one packaging run.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from apig_wsgi import make_lambda_handler
from conftest import Pool, problem, unique_username
from fake_cognito import FakeCognito
from flask import Flask
from flask.testing import FlaskClient
from lambda_events import make_event, response_header, response_json
from threaded import concurrent_statuses
from tokenkit import b64, claims_for, jwks_server, mint
from werkzeug.serving import make_server

from proxy_app.aws.cognito import SecretHashError, secret_hash
from proxy_app.config import Config, ConfigError
from proxy_app.core.errors import CognitoInputRefused
from proxy_app.http.inputs import MAX_BODY_BYTES
from proxy_app.http.problems import from_failure
from proxy_app.http.routes.meta import DEEP_HEALTH_CACHE_SECONDS
from proxy_app.tokens.verifier import UNKNOWN_KID_REFETCH_SECONDS, JwksCache, TokenVerifier

LONE_SURROGATE = "\ud800"
SESSION = "s" * 40


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def _request_lines(logged: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in logged.splitlines() if '"proxy_app.request"' in line]


# Every route that computes SECRET_HASH from the username it is given.
SECRET_HASH_ROUTES = [
    ("/signup", {"password": "Str0ng-Passw0rd!"}),
    ("/confirmsignup", {"confirmationCode": "123456"}),
    ("/resendcode", {}),
    ("/admin/signin", {"password": "Str0ng-Passw0rd!"}),
    ("/admin/refresh", {"refreshToken": "eyJraWQiOiJ4In0.e30.sig"}),
    ("/password/reset", {}),
    ("/password/confirm", {"password": "Str0ng-Passw0rd!", "confirmationCode": "123456"}),
    (
        "/admin/challenge",
        {
            "challengeName": "NEW_PASSWORD_REQUIRED",
            "session": SESSION,
            "responses": {"NEW_PASSWORD": "N3w-Passw0rd!"},
        },
    ),
]


class TestUnauthenticated500s:
    """Item 5: a lone surrogate or a time beyond float range is a 4xx, never a 500."""

    @pytest.mark.parametrize(("path", "fields"), SECRET_HASH_ROUTES, ids=lambda v: str(v)[:20])
    def test_lone_surrogate_username_in_the_body_is_400_with_a_client_secret(
        self, make_app: Callable[..., Flask], secret_pool: Pool, path: str, fields: dict[str, Any]
    ) -> None:
        client = make_app(secret_pool).test_client()
        response = client.post(path, json={"username": "ada" + LONE_SURROGATE, **fields})
        body = problem(response, 400, "ValidationFailed")
        assert body["errors"] == {"username": ["Not valid Unicode."]}
        assert "Traceback" not in response.get_data(as_text=True)

    @pytest.mark.parametrize("kind", ["apigateway-v1", "apigateway-v2"])
    def test_lone_surrogate_username_in_a_header_is_400_with_a_client_secret(
        self, make_app: Callable[..., Flask], secret_pool: Pool, kind: str
    ) -> None:
        # API Gateway hands header values over as JSON strings, so a "\ud800" escape
        # arrives as a lone surrogate; a WSGI server's bytes would fail UTF-8 first.
        handler = make_lambda_handler(make_app(secret_pool))
        event = make_event(
            kind,
            method="POST",
            path="/admin/signin",
            headers={"username": LONE_SURROGATE, "password": "Str0ng-Passw0rd!"},
        )
        response = handler(event, None)
        assert response["statusCode"] == 400
        assert response_json(response)["errors"] == {"username": ["Not valid Unicode."]}

    @pytest.mark.parametrize(
        "body",
        [
            {"attributes": {"name": LONE_SURROGATE}},
            {"attributes": {LONE_SURROGATE: "Ada"}},
            {"password": "Str0ng" + LONE_SURROGATE},
        ],
        ids=["attribute-value", "attribute-name", "password"],
    )
    def test_lone_surrogate_anywhere_in_the_body_is_400(
        self, client: FlaskClient, body: dict[str, Any]
    ) -> None:
        response = client.post(
            "/signup", json={"username": unique_username(), "password": "Str0ng-Passw0rd!", **body}
        )
        errors = problem(response, 400, "ValidationFailed")["errors"]
        assert ["Not valid Unicode."] in errors.values(), errors

    def test_secret_hash_refuses_unencodable_text_with_a_domain_error(self) -> None:
        with pytest.raises(SecretHashError) as raised:
            secret_hash(LONE_SURROGATE, "client", "secret")
        assert not isinstance(raised.value, UnicodeError)
        assert isinstance(raised.value, ValueError)

    def test_gateway_answers_an_unencodable_username_as_400(
        self, make_app: Callable[..., Flask], secret_pool: Pool
    ) -> None:
        """Defence in depth, for callers that skip the schemas (a CLI, a trigger)."""
        app = make_app(secret_pool)
        with pytest.raises(CognitoInputRefused) as raised:
            app.extensions["cognito_gateway"].forgot_password(LONE_SURROGATE)
        error = from_failure(raised.value)
        assert (error.status, error.code) == (400, "ValidationFailed")
        assert error.errors == {"username": ["Not valid Unicode."]}

    @pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
    def test_token_time_too_big_for_a_float_is_401_malformed(
        self, client: FlaskClient, pool: Pool, claim: str
    ) -> None:
        claims = claims_for(pool, "id", "ada@example.com", str(uuid.uuid4()))
        claims[claim] = 10**400
        response = client.get("/token/valid", headers={"idToken": mint(claims)})
        assert problem(response, 401, "InvalidToken")["reason"] == "malformed"


def _garbage_token(kid: str) -> str:
    """An unsigned token that gets as far as the key lookup: RS256, some kid."""
    return f"{b64({'alg': 'RS256', 'kid': kid})}.{b64({'sub': 'x'})}.{b64(b'not a signature')}"


class TestKeySetFetchIsRateLimitedUntilItHasSucceeded:
    """Item 6: while the key server fails, one fetch per interval, 503 meanwhile."""

    @pytest.fixture
    def clock(self) -> FakeClock:
        return FakeClock()

    def _client(self, make_app: Callable[..., Flask], url: str, clock: FakeClock) -> FlaskClient:
        app = make_app(jwks_url_override=url)
        config = app.config["PROXY"]
        app.extensions["token_verifier"] = TokenVerifier(
            config,
            jwks=JwksCache(url, config.jwks_connect_timeout, config.jwks_total_timeout, clock),
        )
        return app.test_client()

    def test_hundred_random_kids_cause_one_fetch_and_one_warning(
        self,
        make_app: Callable[..., Flask],
        pool: Pool,
        clock: FakeClock,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        with jwks_server() as keys:
            keys.status = 500
            client = self._client(make_app, keys.url, clock)
            capsys.readouterr()
            answers = [
                client.get("/token/valid", headers={"idToken": _garbage_token(uuid.uuid4().hex)})
                for _ in range(100)
            ]
            assert keys.count() == 1
            problem(answers[0], 502, "UpstreamError")  # the fetch itself: an HTTP error
            for answer in answers[1:]:
                problem(answer, 503, "UpstreamUnavailable")
                assert 1 <= int(answer.headers["Retry-After"]) <= UNKNOWN_KID_REFETCH_SECONDS
            warnings = [
                line
                for line in capsys.readouterr().err.splitlines()
                if '"proxy_app.tokens.verifier"' in line and '"WARNING"' in line
            ]
            assert len(warnings) == 1, warnings

            clock.now += UNKNOWN_KID_REFETCH_SECONDS
            again = client.get("/token/valid", headers={"idToken": _garbage_token("k")})
            problem(again, 502, "UpstreamError")
            assert keys.count() == 2
            problem(
                client.get("/token/valid", headers={"idToken": _garbage_token("k")}),
                503,
                "UpstreamUnavailable",
            )
            assert keys.count() == 2

            keys.status = 200  # the key server comes back
            clock.now += UNKNOWN_KID_REFETCH_SECONDS
            token = mint(claims_for(pool, "id", "ada@example.com", str(uuid.uuid4())))
            assert client.get("/token/valid", headers={"idToken": token}).status_code == 200
            assert client.get("/token/valid", headers={"idToken": token}).status_code == 200
            assert keys.count() == 3

    def test_a_failed_refetch_holds_back_unknown_kids_but_not_known_ones(
        self, make_app: Callable[..., Flask], pool: Pool, clock: FakeClock
    ) -> None:
        with jwks_server() as keys:
            client = self._client(make_app, keys.url, clock)
            token = mint(claims_for(pool, "id", "ada@example.com", str(uuid.uuid4())))
            assert client.get("/token/valid", headers={"idToken": token}).status_code == 200
            keys.status = 500
            clock.now += UNKNOWN_KID_REFETCH_SECONDS
            for _ in range(20):
                answer = client.get("/token/valid", headers={"idToken": _garbage_token("new")})
                assert answer.status_code in (502, 503)
                assert client.get("/token/valid", headers={"idToken": token}).status_code == 200
            assert keys.count() == 2


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


class TestDeepHealthIsNotAnAmplifier:
    """Item 9: a flood of deep checks costs Cognito one call per interval."""

    @staticmethod
    def _count_calls(app: Flask, delay: float = 0.0) -> list[int]:
        calls: list[int] = []

        def count(**_: Any) -> None:
            calls.append(1)
            if delay:
                threading.Event().wait(delay)

        client = app.extensions["cognito_gateway"].client
        client.meta.events.register("before-call.cognito-idp.DescribeUserPoolClient", count)
        return calls

    def test_fifty_deep_checks_make_one_cognito_call(self, make_app: Callable[..., Flask]) -> None:
        app = make_app()
        calls = self._count_calls(app)
        client = app.test_client()
        for _ in range(50):
            response = client.get("/health?deep=true")
            assert response.status_code == 200
            assert response.json["cognito"]["reachable"] is True
        assert len(calls) == 1

    def test_a_failure_is_cached_too_then_checked_again(
        self, make_app: Callable[..., Flask], pool: Pool
    ) -> None:
        with FakeCognito("error500", upstream=pool.endpoint) as fake:
            app = make_app(endpoint_url=fake.url, connect_timeout=0.5, read_timeout=0.5)
            clock = FakeClock()
            app.extensions["deep_health"].clock = clock
            calls = self._count_calls(app)
            client = app.test_client()
            for _ in range(50):
                problem(client.get("/health?deep=true"), 503, "UpstreamUnavailable")
            assert len(calls) == 1
            fake.switch("proxy")
            clock.now += DEEP_HEALTH_CACHE_SECONDS - 0.1
            assert client.get("/health?deep=true").status_code == 503  # still the cached failure
            clock.now += 0.1
            assert client.get("/health?deep=true").status_code == 200
            assert len(calls) == 2

    def test_concurrent_deep_checks_share_one_call(self, make_app: Callable[..., Flask]) -> None:
        app = make_app()
        calls = self._count_calls(app, delay=0.3)
        statuses = concurrent_statuses(app, lambda c: c.get("/health?deep=true").status_code)
        assert statuses == [200] * 8
        assert len(calls) == 1


class TestPatternsMatchWholeStrings:
    """Sharp edge: `$` accepts a trailing newline; every pattern must match the whole value."""

    def test_challenge_answer_name_with_a_trailing_newline_is_400(
        self, client: FlaskClient
    ) -> None:
        response = client.post(
            "/admin/challenge",
            json={
                "username": "ada@example.com",
                "challengeName": "NEW_PASSWORD_REQUIRED",
                "session": SESSION,
                "responses": {"NEW_PASSWORD\n": "N3w-Passw0rd!"},
            },
        )
        errors = problem(response, 400, "ValidationFailed")["errors"]
        assert any(name.startswith("responses") for name in errors), errors

    def test_sign_up_attribute_name_with_a_trailing_newline_is_400(
        self, client: FlaskClient
    ) -> None:
        response = client.post(
            "/signup",
            json={
                "username": unique_username(),
                "password": "Str0ng-Passw0rd!",
                "attributes": {"name\n": "Ada"},
            },
        )
        assert "attributes" in problem(response, 400, "ValidationFailed")["errors"]

    @pytest.mark.parametrize("field", ["username", "attributeName"])
    def test_a_field_with_a_trailing_newline_is_400(self, client: FlaskClient, field: str) -> None:
        body = {"idToken": "x.y.z", "attributeName": "name", "attributeValue": "Ada"}
        path = "/admin/user/attribute"
        if field == "username":
            body, path = {"username": "ada@example.com"}, "/password/reset"
        body[field] += "\n"
        assert field in problem(client.post(path, json=body), 400, "ValidationFailed")["errors"]

    @pytest.mark.parametrize(
        ("field", "value"),
        [("region", "us-east-1\n"), ("user_pool_id", "us-east-1_AbCdEf123\n")],
    )
    def test_configuration_with_a_trailing_newline_is_refused(self, field: str, value: str) -> None:
        with pytest.raises(ConfigError):
            Config(
                **{"user_pool_id": "us-east-1_AbCdEf123", "app_client_id": "abc", field: value}
            ).validate()


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
