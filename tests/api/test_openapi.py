"""GET /openapi.json: generated from the schemas, covering every route."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from proxy_app import create_app
from proxy_app.config import Config
from proxy_app.http.problems import COGNITO_ERRORS
from proxy_app.http.schemas.auth import SignUpRequest
from tests.support.app import problem

ROUTES = {
    ("/signup", "post"),
    ("/confirmsignup", "post"),
    ("/resendcode", "post"),
    ("/admin/signin", "post"),
    ("/admin/refresh", "post"),
    ("/admin/challenge", "post"),
    ("/token/valid", "get"),
    ("/password/reset", "post"),
    ("/password/confirm", "post"),
    ("/admin/user/attribute", "post"),
    ("/admin/user", "delete"),
    ("/health", "get"),
    # The signed-in user's own account (proxy_app/routes/account.py).
    ("/user", "get"),
    ("/password/change", "post"),
    ("/signout", "post"),
    ("/token/revoke", "post"),
    ("/user/attribute/verification-code", "post"),
    ("/user/attribute/verify", "post"),
    ("/user/mfa/totp", "post"),
    ("/user/mfa/totp/verify", "post"),
    ("/user/mfa", "put"),
    ("/admin/challenge/totp", "post"),
    ("/admin/challenge/totp/verify", "post"),
}


def test_documents_every_route(client: FlaskClient, app: Flask) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"].startswith("3.")
    documented = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert documented == ROUTES
    served = {
        (rule.rule, method.lower())
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS") and rule.endpoint != "meta.openapi"
    }
    assert served == ROUTES


def test_request_and_response_schemas_come_from_marshmallow(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").json
    schemas = spec["components"]["schemas"]
    assert sorted(schemas["SignUpRequest"]["required"]) == ["password", "username"]
    assert schemas["SignUpRequest"]["properties"]["username"]["maxLength"] == 128
    assert schemas["SignUpRequest"]["additionalProperties"] is False
    signin = spec["paths"]["/admin/signin"]["post"]
    # The members may all come as headers instead, so the body itself is optional.
    assert signin["requestBody"]["required"] is False
    headers = {p["name"]: p for p in signin["parameters"] if p["in"] == "header"}
    assert set(headers) == {"username", "password"}
    assert headers["username"]["required"] is False
    assert "Alternative to the JSON member" in headers["username"]["description"]
    body_username = dict(schemas["SignInRequest"]["properties"]["username"])
    body_username.pop("description")
    body_username.pop("example")  # test_examples_do_not_fight_each_other
    assert headers["username"]["schema"] == body_username
    assert set(signin["responses"]) >= {"200", "400", "401", "429", "502", "503"}
    problem = signin["responses"]["401"]["content"]["application/problem+json"]["schema"]
    assert problem == {"$ref": "#/components/schemas/Problem"}


def test_patterns_read_the_same_in_python_and_ecma() -> None:
    # No shorthand class (\\s, \\d, \\w): Python and ECMA-262 give them different sets.
    spec = (
        create_app(
            Config(user_pool_id="us-east-1_docs", app_client_id="docs", endpoint_url="http://x:9")
        )
        .test_client()
        .get("/openapi.json")
        .json
    )
    text = json.dumps(spec)
    patterns = re.findall(r'"pattern": "((?:[^"\\\\]|\\\\.)*)"', text)
    assert patterns
    for pattern in patterns:
        assert not re.search(r"\\\\[sSdDwW]", pattern), pattern


def test_username_pattern_refuses_what_validation_refuses() -> None:
    pattern = re.compile(SignUpRequest().fields["username"].validate[1].regex.pattern)
    for refused in ["a b", "a\tb", "a\u00a0b", "a\u3000b", "a\x7fb", "a\u2028b", ""]:
        assert pattern.fullmatch(refused) is None, repr(refused)
    for taken in ["ada@example.com", "José", "用户"]:
        assert pattern.fullmatch(taken), taken


def test_the_document_follows_the_configuration(make_app: Callable[..., Flask]) -> None:
    app = make_app(writable_attributes=frozenset({"name", "tier"}), accept_credential_headers=False)
    spec = app.test_client().get("/openapi.json").json
    schemas = spec["components"]["schemas"]
    assert schemas["UpdateAttributeRequest"]["properties"]["attributeName"]["enum"] == [
        "name",
        "tier",
    ]
    attributes = schemas["SignUpRequest"]["properties"]["attributes"]
    assert set(attributes["properties"]) == {"name", "tier"}
    assert attributes["additionalProperties"] is False
    assert attributes["maxProperties"] == 50
    answers = schemas["ChallengeRequest"]["properties"]["responses"]["properties"]
    assert {"NEW_PASSWORD", "userAttributes.name", "userAttributes.tier"} <= set(answers)
    # Credentials are refused in custom headers: the document offers only the username one.
    signin = spec["paths"]["/admin/signin"]["post"]
    assert [p["name"] for p in signin["parameters"]] == ["username"]
    user = spec["paths"]["/user"]["get"]
    assert user["security"] == [{"bearer": []}, {}]
    assert "parameters" not in user


def test_every_request_body_has_an_example_its_schema_loads(
    client: FlaskClient, app: Flask
) -> None:
    """Each operation that takes members shows an example of them (named once, in the
    schemas' metadata), and the API's own validation takes it as it stands."""
    document = client.get("/openapi.json").get_json()
    requests = {
        (rule.rule, method.lower()): view.openapi.request
        for rule in app.url_map.iter_rules()
        if getattr(view := app.view_functions[rule.endpoint], "openapi", None) is not None
        and view.openapi.request is not None
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert len(requests) > 15
    for (path, method), schema_class in requests.items():
        if method == "get":
            continue  # no body: test_a_get_documents_no_body
        example = document["paths"][path][method]["requestBody"]["content"]["application/json"][
            "example"
        ]
        assert schema_class().validate(example) == {}, (path, example)
    health = document["paths"]["/health"]["get"]["parameters"]
    assert all("example" in parameter for parameter in health)


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {path}", operation


def test_a_get_documents_no_body(client: FlaskClient) -> None:
    """A browser's fetch refuses a GET with a body, so Swagger UI's "Try it out" could
    not send one: a GET's members are documented as headers (and Bearer) only."""
    document = _document(client)
    gets = {name: op for name, op in _operations(document) if name.startswith("GET ")}
    assert {name for name, op in gets.items() if "requestBody" in op} == set()
    for name in ("GET /user", "GET /token/valid"):
        headers = [p["name"] for p in gets[name]["parameters"] if p["in"] == "header"]
        assert headers == ["idToken", "accessToken"], name
        assert gets[name]["security"] == [{"bearer": []}, {}], name


def test_examples_do_not_fight_each_other(client: FlaskClient) -> None:
    """Swagger UI sends every filled field. A header field filled with an example would go
    beside the body's member (400 when only the body was edited) or Authorize's token
    (400, two different tokens); a body example with a token, beside Authorize's too. So
    header parameters carry no example, and body examples no token, but a body example
    there always is (else Swagger UI makes one up with a placeholder in every member)."""
    document = _document(client)
    for name, operation in _operations(document):
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "header":
                continue
            assert not {"example", "examples"} & set(parameter), (name, parameter["name"])
            assert not {"example", "examples"} & set(parameter["schema"]), (name, parameter)
        if "requestBody" in operation:
            media = operation["requestBody"]["content"]["application/json"]
            assert "example" in media, name
            assert not {"idToken", "accessToken"} & set(media["example"]), name
    tokens = document["components"]["schemas"]["TokenRequest"]["properties"]
    assert all("example" not in member for member in tokens.values())


def _document(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json  # type: ignore[assignment]
    return document


def test_the_document_is_valid_openapi_and_names_every_route(client: FlaskClient) -> None:
    document = _document(client)
    validate(document)
    app_routes = {
        (method, rule.rule)
        for rule in client.application.url_map.iter_rules()
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
        if rule.endpoint not in ("static", "meta.openapi")
    }
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    assert documented == app_routes


def test_routes_that_call_cognito_document_every_status_of_the_error_table(
    client: FlaskClient,
) -> None:
    # Found: POST /confirmsignup for an unknown user answered an undocumented 401.
    statuses = {str(rule.status) for rule in COGNITO_ERRORS.values()} | {"503"}
    paths = _document(client)["paths"]
    for path, method in [
        ("/signup", "post"),
        ("/confirmsignup", "post"),
        ("/resendcode", "post"),
        ("/admin/signin", "post"),
        ("/admin/refresh", "post"),
        ("/password/reset", "post"),
        ("/password/confirm", "post"),
        ("/admin/user/attribute", "post"),
        ("/admin/user", "delete"),
    ]:
        assert statuses <= set(paths[path][method]["responses"]), (path, method)


def test_confirming_an_unknown_user_answers_a_documented_status(client: FlaskClient) -> None:
    # Seed: this request once answered 401 (NotAuthorized), which the document did not
    # list. The contract answers an unknown user as a wrong code, and documents it.
    response = client.post(
        "/confirmsignup", json={"confirmationCode": "ERROR", "username": "ERROR"}
    )
    problem(response, 400, "CodeMismatch")
    documented = _document(client)["paths"]["/confirmsignup"]["post"]["responses"]
    assert "400" in documented


def test_a_body_is_optional_where_headers_can_carry_its_members(client: FlaskClient) -> None:
    # Found: a `username` header with no body is accepted (as the contract says) while the
    # document called the body required. The body schema lists `username` as required
    # (as a client sending JSON must), the body itself is optional.
    operation = _document(client)["paths"]["/password/reset"]["post"]
    assert operation["requestBody"]["required"] is False
    assert [p["name"] for p in operation["parameters"]] == ["username"]
    response = client.post("/password/reset", headers={"username": "QVK"})
    assert response.status_code == 200
