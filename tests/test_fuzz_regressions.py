"""Seeds of failures the fuzzer found, kept as plain regression tests."""

from __future__ import annotations

from typing import Any

from conftest import PASSWORD, problem, unique_username
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from proxy_app.http.problems import COGNITO_ERRORS


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
