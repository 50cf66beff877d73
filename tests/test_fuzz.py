"""Property-based fuzzing of every route in the OpenAPI document, with schemathesis.

Each documented operation gets examples, boundary (coverage) cases and random positive and
negative cases, sent through the WSGI app against the session's moto server. Every answer
must be documented, match its schema, never be a 5xx, and every error must be problem+json.

`positive_data_acceptance` is off on purpose: the contract answers 400 to schema-valid
input in documented cases (a password the pool's policy refuses, the same field given
differently in the body and a header, Cognito's own InvalidParameter).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from botocore.awsrequest import AWSResponse
from conftest import Pool
from fake_cognito import error_answer
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from proxy_app import create_app
from proxy_app.config import Config

MAX_EXAMPLES = 100

_CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {"enabled": False},
            # 413 is how a body over 16 KiB is refused, whatever its members say.
            "negative_data_rejection": {
                "expected-statuses": [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 429]
            },
        }
    }
)
# The document does not depend on the pool: build it once, from an app that never connects.
_DOCUMENT_APP = create_app(
    Config(user_pool_id="us-east-1_docs", app_client_id="docs", endpoint_url="http://127.0.0.1:9")
)
schema = schemathesis.openapi.from_wsgi("/openapi.json", _DOCUMENT_APP, config=_CONFIG)
CASES: Counter[str] = Counter()


def _answer_like_cognito(cognito: Any, pool: Pool) -> Any:
    """Answer the calls moto gets wrong as Cognito does (stubbed): ResendConfirmationCode
    is not implemented by moto, ConfirmForgotPassword for an unknown user is
    ResourceNotFound there but UserNotFound in Cognito, and so is VerifySoftwareToken with
    an unknown session (NotAuthorized in Cognito; the fuzzer's sessions are all unknown)."""

    def handler(model: Any, params: dict[str, Any], **_: Any) -> Any:
        if model.name == "VerifySoftwareToken" and "Session" in json.loads(params["body"]):
            return error_answer("NotAuthorizedException", "Invalid session for the user.")
        if model.name not in ("ResendConfirmationCode", "ConfirmForgotPassword"):
            return None
        username = json.loads(params["body"])["Username"]
        try:
            cognito.admin_get_user(UserPoolId=pool.id, Username=username)
        except cognito.exceptions.UserNotFoundException:
            return error_answer("UserNotFoundException", "User does not exist.")
        if model.name == "ConfirmForgotPassword":
            return None
        http = AWSResponse("http://cognito.invalid", 200, {}, None)
        details = {"Destination": "u***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
        return http, {"CodeDeliveryDetails": details, "ResponseMetadata": {"HTTPStatusCode": 200}}

    return handler


@pytest.fixture(scope="module", params=["no-secret", "secret"])
def fuzz_app(
    request: pytest.FixtureRequest, pool: Pool, secret_pool: Pool, cognito: Any
) -> Iterator[Flask]:
    """The app on a pool whose client has no secret, then on one whose client has one
    (every username then goes through SECRET_HASH)."""
    target = secret_pool if request.param == "secret" else pool
    app = create_app(target.config())
    app.testing = True
    events = app.extensions["cognito_gateway"].client.meta.events
    events.register("before-call.cognito-idp", _answer_like_cognito(cognito, target))
    CASES.clear()
    yield app
    print(
        f"\nschemathesis cases ({request.param}): {sum(CASES.values())} "
        f"{dict(sorted(CASES.items()))}"
    )


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


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    # CI replays the same cases every run, so a landing is never blocked by chance;
    # local runs explore new ones (and keep failures in .hypothesis/ to replay).
    derandomize=bool(os.environ.get("CI")),
)
def test_every_documented_route_survives_fuzzing(case: Any, fuzz_app: Flask) -> None:
    CASES[f"{case.method} {case.path}"] += 1
    case.call_and_validate(app=fuzz_app, additional_checks=[problem_json])
