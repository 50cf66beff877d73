"""Schemathesis hooks for tests/test_fuzz.py's `st run` (loaded through SCHEMATHESIS_HOOKS).

Two rules of the API join values that OpenAPI cannot join, so the document states them in
words: a member given both in the body and as a header must have the same value there,
and a request carries one token. `before_call` makes each positive (schema-valid) case
follow them, as a client reading the document would; negative cases go out as generated.
It also gives a positive case on a token route a real token, of a user it makes in the pool
under test (FUZZ_* variables; a new one once a call may have ended the tokens), so that such
cases reach the code behind the token check instead of all ending in 401.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import uuid
from typing import Any

import boto3
import schemathesis
from schemathesis import GenerationMode

PASSWORD = "Fuzz-Passw0rd!"
TOKEN_HEADERS = ("authorization", "idtoken", "accesstoken")
TOKEN_MEMBERS = ("idToken", "accessToken")
# A user's tokens serve case after case until a call may have ended them.
ENDING = {"DELETE /admin/user", "POST /signout", "POST /password/change"}
_tokens: dict[str, str] | None = None


@schemathesis.check
def problem_json(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every error is problem+json with the status in the body and a stable code."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type == "application/problem+json", f"error as {content_type!r}"
    body = response.json()
    assert body["status"] == response.status_code, body
    missing = {"type", "title", "status", "detail", "code", "requestId"} - set(body)
    assert not missing, f"problem lacks {sorted(missing)}"
    assert "Traceback" not in response.text
    return True


@schemathesis.hook
def before_call(ctx: Any, case: Any, **kwargs: Any) -> None:
    if case.meta is None:
        return
    body = case.body if isinstance(case.body, dict) else {}
    headers = case.headers if case.headers is not None else {}
    if case.meta.generation.mode == GenerationMode.POSITIVE:
        if case.operation.definition.raw.get("security"):
            _one_real_token(body, headers)
        # A client sends each member once: in the body, or else as a header.
        for header in [h for h in headers if h.lower() in {m.lower() for m in body}]:
            headers.pop(header)
    else:
        # A required member missing from the body is what makes the case negative: do not
        # let its header alternative make it whole again.
        missing = {name.lower() for name in _required_members(case)} - {m.lower() for m in body}
        for header in [h for h in headers if h.lower() in missing]:
            headers.pop(header)
    case.headers = headers


def _required_members(case: Any) -> list[str]:
    content = case.operation.definition.raw.get("requestBody", {}).get("content", {})
    reference = content.get("application/json", {}).get("schema", {}).get("$ref", "")
    if not reference:
        return []
    name = reference.rsplit("/", 1)[-1]
    component = case.operation.schema.raw_schema["components"]["schemas"][name]
    return list(component.get("required", []))


@schemathesis.hook
def after_call(ctx: Any, case: Any, response: Any) -> None:
    global _tokens
    if f"{case.method.upper()} {case.path}" in ENDING and response.status_code < 300:
        _tokens = None


def _one_real_token(body: dict[str, Any], headers: dict[str, Any]) -> None:
    """Keep the first token the case carries, as a real one of its kind; drop the others."""
    carriers = [("body", name) for name in TOKEN_MEMBERS if name in body] + [
        ("header", name) for name in headers if name.lower() in TOKEN_HEADERS
    ]
    place, name = carriers[0] if carriers else ("header", "Authorization")
    for other_place, other in carriers[1:]:
        (body if other_place == "body" else headers).pop(other)
    global _tokens
    if _tokens is None:
        _tokens = _fresh_tokens()
    tokens = _tokens
    if name.lower() == "idtoken":
        value = tokens["IdToken"]
    elif name.lower() == "authorization":
        value = f"Bearer {tokens['AccessToken']}"
    else:
        value = tokens["AccessToken"]
    (body if place == "body" else headers)[name] = value


def _fresh_tokens() -> dict[str, str]:
    """Sign in a new user of the pool under test (made straight in the emulator)."""
    cognito = boto3.client(
        "cognito-idp", region_name="us-east-1", endpoint_url=os.environ["FUZZ_ENDPOINT"]
    )
    pool, client = os.environ["FUZZ_POOL_ID"], os.environ["FUZZ_CLIENT_ID"]
    username = f"fuzz-{uuid.uuid4().hex[:12]}@example.com"
    cognito.admin_create_user(
        UserPoolId=pool,
        Username=username,
        UserAttributes=[{"Name": "email", "Value": username}],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(
        UserPoolId=pool, Username=username, Password=PASSWORD, Permanent=True
    )
    parameters = {"USERNAME": username, "PASSWORD": PASSWORD}
    secret = os.environ.get("FUZZ_CLIENT_SECRET")
    if secret:
        digest = hmac.new(secret.encode(), (username + client).encode(), hashlib.sha256)
        parameters["SECRET_HASH"] = base64.b64encode(digest.digest()).decode()
    answer = cognito.admin_initiate_auth(
        UserPoolId=pool,
        ClientId=client,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters=parameters,
    )
    return answer["AuthenticationResult"]  # type: ignore[no-any-return]
