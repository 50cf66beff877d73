"""GET /openapi.json: generated from the schemas, covering every route."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

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
    # username and password may come as headers instead, so the body does not require them.
    assert "required" not in schemas["SignUpRequest"]
    assert "header" in schemas["SignUpRequest"]["properties"]["password"]["description"]
    assert schemas["SignUpRequest"]["properties"]["username"]["maxLength"] == 128
    assert schemas["SignUpRequest"]["additionalProperties"] is False
    signin = spec["paths"]["/admin/signin"]["post"]
    headers = {p["name"] for p in signin["parameters"] if p["in"] == "header"}
    assert headers == {"username", "password"}
    assert set(signin["responses"]) >= {"200", "400", "401", "429", "502", "503"}
    problem = signin["responses"]["401"]["content"]["application/problem+json"]["schema"]
    assert problem == {"$ref": "#/components/schemas/Problem"}
