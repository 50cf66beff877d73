"""Health and the OpenAPI document."""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request

from proxy_app import context
from proxy_app.errors import ApiError, from_failure, validation_failed
from proxy_app.failures import ServiceFailure
from proxy_app.openapi import build_spec, documented
from proxy_app.responses import json_response
from proxy_app.schemas import DeepHealthResponse

log = logging.getLogger("proxy_app.health")
meta = Blueprint("meta", __name__)

_DEEP = {
    "name": "deep",
    "in": "query",
    "required": False,
    "description": "true: also call Cognito (DescribeUserPoolClient) and report the JWKS "
    "cache; 503 when Cognito does not answer.",
    "schema": {"type": "boolean"},
}


@meta.get("/health")
@documented("meta", response=DeepHealthResponse, upstream=False, parameters=[_DEEP])
def health() -> Any:
    """Say that the service is up; with deep=true, that Cognito answers too."""
    if not _deep():
        return json_response(DeepHealthResponse, {"status": "ok"})
    started = time.perf_counter()
    try:
        context.gateway().ping()
    except ServiceFailure as failure:
        error = from_failure(failure)
        log.warning(
            "deep health check failed",
            extra={"requestId": g.request_id, "cognitoError": error.cognito_code or error.code},
        )
        raise ApiError(
            503,
            "UpstreamUnavailable",
            "Upstream unavailable",
            f"Cognito failed the health check ({error.code}).",
            headers={"Retry-After": error.headers.get("Retry-After", "1")},
            cognito_code=error.cognito_code,
        ) from None
    body = {
        "status": "ok",
        "cognito": {
            "reachable": True,
            "latencyMs": round((time.perf_counter() - started) * 1000, 1),
        },
        "jwks": context.verifier().jwks.state(),
    }
    return json_response(DeepHealthResponse, body)


def _deep() -> bool:
    raw = request.args.get("deep")
    if raw is None or raw == "false":
        return False
    if raw == "true":
        return True
    raise validation_failed({"deep": ["Must be true or false."]})


@meta.get("/openapi.json")
def openapi() -> Any:
    """Serve the OpenAPI 3 document of every route."""
    spec = current_app.extensions.get("openapi_spec")
    if spec is None:
        spec = current_app.extensions["openapi_spec"] = build_spec(current_app)
    return jsonify(spec)
