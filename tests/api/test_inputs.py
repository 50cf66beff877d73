"""Bad input for every field of every route: missing, empty, too long, wrong type, text
that is not valid Unicode, a trailing newline a pattern must not let through, ..."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from apig_wsgi import make_lambda_handler
from flask import Flask
from flask.testing import FlaskClient

from proxy_app.aws.cognito import SecretHashError, secret_hash
from proxy_app.config import Config, ConfigError
from proxy_app.core.errors import CognitoInputRefused
from proxy_app.http.problems import from_failure
from tests.support.app import problem
from tests.support.cognito import PASSWORD, Pool, unique_username
from tests.support.lambda_events import make_event, response_json

TOKEN = "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"

# route -> (method, a valid body, {field: maximum length or None})
ROUTES: dict[str, tuple[str, dict[str, Any], dict[str, int | None]]] = {
    "/signup": (
        "POST",
        {"username": "ada", "password": PASSWORD},
        {"username": 128, "password": 256},
    ),
    "/confirmsignup": (
        "POST",
        {"username": "ada", "confirmationCode": "123456"},
        {"username": 128, "confirmationCode": 2048},
    ),
    "/resendcode": ("POST", {"username": "ada"}, {"username": 128}),
    "/admin/signin": (
        "POST",
        {"username": "ada", "password": PASSWORD},
        {"username": 128, "password": 256},
    ),
    "/admin/refresh": ("POST", {"refreshToken": "abc.def"}, {"refreshToken": 8192}),
    "/admin/challenge": (
        "POST",
        {
            "username": "ada",
            "challengeName": "SMS_MFA",
            "session": "s" * 20,
            "responses": {"SMS_MFA_CODE": "1"},
        },
        {"username": 128, "challengeName": 32, "session": 2048},
    ),
    "/password/reset": ("POST", {"username": "ada"}, {"username": 128}),
    "/password/confirm": (
        "POST",
        {"username": "ada", "password": PASSWORD, "confirmationCode": "1"},
        {"username": 128, "password": 256, "confirmationCode": 2048},
    ),
    "/admin/user/attribute": (
        "POST",
        {"idToken": TOKEN, "attributeName": "name", "attributeValue": "x"},
        {"attributeName": 32, "attributeValue": 2048},
    ),
}

CASES = [
    (route, field, limit)
    for route, (_, _, fields) in ROUTES.items()
    for field, limit in fields.items()
]
IDS = [f"{route}:{field}" for route, field, _ in CASES]


def _send(client: FlaskClient, route: str, body: Any, **kwargs: Any) -> Any:
    method = ROUTES[route][0] if route in ROUTES else "POST"
    return client.open(route, method=method, json=body, **kwargs)


def _expect_field_error(response: Any, field: str) -> None:
    body = problem(response, 400, "ValidationFailed")
    assert field in body["errors"], body


@pytest.mark.parametrize(("route", "field", "limit"), CASES, ids=IDS)
class TestEveryField:
    def test_missing(self, client: FlaskClient, route: str, field: str, limit: int) -> None:
        body = dict(ROUTES[route][1])
        body.pop(field)
        _expect_field_error(_send(client, route, body), field)

    def test_empty(self, client: FlaskClient, route: str, field: str, limit: int) -> None:
        body = {**ROUTES[route][1], field: ""}
        _expect_field_error(_send(client, route, body), field)

    def test_too_long(self, client: FlaskClient, route: str, field: str, limit: int) -> None:
        body = {**ROUTES[route][1], field: "a" * (limit + 1)}
        _expect_field_error(_send(client, route, body), field)

    @pytest.mark.parametrize("wrong", [123, 1.5, True, None, ["a"], {"a": "b"}])
    def test_wrong_type(
        self, client: FlaskClient, route: str, field: str, limit: int, wrong: Any
    ) -> None:
        body = {**ROUTES[route][1], field: wrong}
        _expect_field_error(_send(client, route, body), field)

    def test_control_characters(
        self, client: FlaskClient, route: str, field: str, limit: int
    ) -> None:
        body = {**ROUTES[route][1], field: "a\u0000b\r\nc"}
        _expect_field_error(_send(client, route, body), field)

    def test_body_and_header_disagree(
        self, client: FlaskClient, route: str, field: str, limit: int
    ) -> None:
        body = dict(ROUTES[route][1])
        response = _send(client, route, body, headers={field: "different-value"})
        _expect_field_error(response, field)

    def test_header_not_utf8(self, client: FlaskClient, route: str, field: str, limit: int) -> None:
        body = dict(ROUTES[route][1])
        body.pop(field)
        # Header bytes 0xff 0xfe reach WSGI as latin-1 text; they are not UTF-8.
        response = _send(client, route, body, headers={field: "\xff\xfe"})
        _expect_field_error(response, field)


@pytest.mark.parametrize("route", sorted(ROUTES))
class TestEveryBody:
    def test_invalid_json(self, client: FlaskClient, route: str) -> None:
        response = client.open(
            route, method=ROUTES[route][0], data=b'{"username": ', content_type="application/json"
        )
        problem(response, 400, "MalformedJson")

    @pytest.mark.parametrize("document", [b"[]", b'"text"', b"42", b"null"])
    def test_json_that_is_not_an_object(
        self, client: FlaskClient, route: str, document: bytes
    ) -> None:
        response = client.open(
            route, method=ROUTES[route][0], data=document, content_type="application/json"
        )
        problem(response, 400, "MalformedJson")

    def test_unknown_member(self, client: FlaskClient, route: str) -> None:
        body = {**ROUTES[route][1], "isAdmin": True}
        _expect_field_error(_send(client, route, body), "isAdmin")

    def test_body_over_16_kib(self, client: FlaskClient, route: str) -> None:
        body = {**ROUTES[route][1], "padding": "x" * 16500}
        problem(_send(client, route, body), 413, "PayloadTooLarge")

    def test_body_that_is_not_json(self, client: FlaskClient, route: str) -> None:
        response = client.open(
            route,
            method=ROUTES[route][0],
            data="username=ada",
            content_type="application/x-www-form-urlencoded",
        )
        problem(response, 415, "UnsupportedMediaType")


@pytest.mark.parametrize(
    ("label", "data"),
    [
        ("utf-8 BOM", b'\xef\xbb\xbf{"username": "ada"}'),
        ("latin-1 bytes", b'{"username": "caf\xe9"}'),
        ("duplicate member", b'{"username": "ada", "username": "eve"}'),
        ("NaN", b'{"username": NaN}'),
        ("1000 levels deep", b'{"username": ' + b"[" * 1000 + b"]" * 1000 + b"}"),
        ("100000 levels deep", b"[" * 16000),
        ("trailing garbage", b'{"username": "ada"} x'),
    ],
)
def test_malformed_bodies_are_400(client: FlaskClient, label: str, data: bytes) -> None:
    response = client.post("/password/reset", data=data, content_type="application/json")
    assert response.status_code in (400, 413), label
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] in ("MalformedJson", "ValidationFailed", "PayloadTooLarge")


def test_signup_attributes_bad_forms(client: FlaskClient) -> None:
    base = {"username": "ada", "password": PASSWORD}
    for attributes in (
        "name=ada",
        ["name"],
        {"name": 5},
        {"": "x"},
        {"a" * 33: "x"},
        {"name": "x" * 2049},
        {"na me": "x"},
        {"name": "line\u0000break"},
        {f"attr{i}": "x" for i in range(51)},
    ):
        response = client.post("/signup", json={**base, "attributes": attributes})
        body = problem(response, 400, "ValidationFailed")
        assert any(key.startswith("attributes") for key in body["errors"]), attributes


def test_tokens_too_long_are_refused_as_invalid(client: FlaskClient) -> None:
    huge = "a" * 9000 + "." + "b" * 10 + "." + "c"
    for headers in ({"idToken": huge}, {"Authorization": f"Bearer {huge}"}):
        response = client.get("/token/valid", headers=headers)
        assert problem(response, 401, "InvalidToken")["reason"] == "malformed"


@pytest.mark.parametrize("wrong", [123, True, ["a"], {"a": "b"}])
def test_tokens_of_the_wrong_type(client: FlaskClient, wrong: Any) -> None:
    response = client.delete("/admin/user", json={"idToken": wrong})
    _expect_field_error(response, "idToken")


def test_empty_token_is_refused(client: FlaskClient) -> None:
    _expect_field_error(client.delete("/admin/user", json={"idToken": ""}), "idToken")


def test_errors_name_fields_without_echoing_values(client: FlaskClient) -> None:
    response = client.post("/admin/signin", json={"username": "ada", "password": ["s3cret-value"]})
    _expect_field_error(response, "password")
    assert "s3cret-value" not in response.get_data(as_text=True)


def test_json_body_with_charset_and_problem_type_is_accepted(client: FlaskClient) -> None:
    response = client.post(
        "/password/reset",
        data=json.dumps({"username": "ada"}),
        content_type="application/json; charset=utf-8",
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "character",
    ["\u009b", "\u0085", "\u0080", "\u202e", "\u202a", "\u2066", "\u2069", "\u200e", "\u200f"],
    ids=["CSI", "NEL", "PAD", "RLO", "LRE", "LRI", "PDI", "LRM", "RLM"],
)
def test_attribute_values_with_c1_or_bidi_controls_are_refused_like_other_controls(
    client: FlaskClient, character: str
) -> None:
    value = f"Ada{character}31m Lovelace"
    refused = ["Must not contain control characters."]
    signup = client.post(
        "/signup", json={"username": "ada", "password": PASSWORD, "attributes": {"name": value}}
    )
    assert problem(signup, 400, "ValidationFailed")["errors"] == {"attributes.name.value": refused}
    update = client.post(
        "/admin/user/attribute",
        json={"idToken": TOKEN, "attributeName": "name", "attributeValue": value},
    )
    assert problem(update, 400, "ValidationFailed")["errors"] == {"attributeValue": refused}
    challenge = client.post(
        "/admin/challenge",
        json={
            "username": "ada",
            "challengeName": "NEW_PASSWORD_REQUIRED",
            "session": "s" * 20,
            "responses": {"NEW_PASSWORD": PASSWORD, "userAttributes.name": value},
        },
    )
    assert problem(challenge, 400, "ValidationFailed")["errors"] == {
        "responses.userAttributes.name.value": refused
    }


def test_attribute_values_keep_lines_and_every_other_character() -> None:
    from proxy_app.http.schemas.auth import SignUpRequest
    from proxy_app.http.schemas.user import UpdateAttributeRequest

    # An address has lines; names have accents, other scripts and joined emoji (U+200D).
    value = "1 Rue de l'Église\n75001 Paris\tFrance, زهرة, 👩\u200d💻"
    loaded = SignUpRequest().load(
        {"username": "ada", "password": PASSWORD, "attributes": {"address": value}}
    )
    assert loaded["attributes"] == {"address": value}
    update = {"idToken": TOKEN, "attributeName": "address", "attributeValue": value}
    assert UpdateAttributeRequest().load(update)["attributeValue"] == value


LONE_SURROGATE = "\ud800"


SESSION = "s" * 40


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


class TestLoneSurrogates:
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


def test_a_body_over_the_limit_is_413_whatever_its_members(client: FlaskClient) -> None:
    # Found: a schema-violating body (too long a password) over 16 KiB answers 413, not 400;
    # both refuse it, and 413 is documented on every route.
    response = client.post(
        "/signup",
        json={
            "username": unique_username(),
            "password": "p" * 300,
            "attributes": {"k": "ý" * 9000},
        },
    )
    problem(response, 413, "PayloadTooLarge")


def test_an_empty_header_that_contradicts_the_body_is_refused(client: FlaskClient) -> None:
    # Seen by the fuzzer (schema-valid, yet 400): the contract refuses a field given
    # differently in the body and a header, even when the header is empty.
    response = client.post(
        "/admin/signin",
        headers={"username": ""},
        json={"username": "0", "password": PASSWORD},
    )
    body = problem(response, 400, "ValidationFailed")
    assert "username" in body["errors"]
