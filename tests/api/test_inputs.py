"""Bad input for every field of every route: missing, empty, too long, wrong type, ..."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import PASSWORD, problem
from flask.testing import FlaskClient

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
    from proxy_app.http.schemas import SignUpRequest, UpdateAttributeRequest

    # An address has lines; names have accents, other scripts and joined emoji (U+200D).
    value = "1 Rue de l'Église\n75001 Paris\tFrance, زهرة, 👩\u200d💻"
    loaded = SignUpRequest().load(
        {"username": "ada", "password": PASSWORD, "attributes": {"address": value}}
    )
    assert loaded["attributes"] == {"address": value}
    update = {"idToken": TOKEN, "attributeName": "address", "attributeValue": value}
    assert UpdateAttributeRequest().load(update)["attributeValue"] == value
