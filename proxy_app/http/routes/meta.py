"""Health and the OpenAPI document."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from flask.blueprints import BlueprintSetupState

from proxy_app.core.errors import ServiceFailure
from proxy_app.http import context
from proxy_app.http.endpoint import endpoint
from proxy_app.http.openapi import build_spec
from proxy_app.http.problems import ApiError, from_failure, upstream_unavailable, validation_failed
from proxy_app.http.schemas.meta import DeepHealthResponse

log = logging.getLogger("proxy_app.health")
meta = Blueprint("meta", __name__)

_DEEP = {
    "name": "deep",
    "in": "query",
    "required": False,
    "description": "true: also call Cognito (DescribeUserPoolClient, at most once per 5 s; "
    "calls in between share the last outcome) and report the JWKS cache; 503 when Cognito "
    "does not answer.",
    "schema": {"type": "boolean"},
    "example": True,
}


# How long one deep check's outcome is served: a flood of deep checks (the route needs
# no credentials) costs Cognito at most one DescribeUserPoolClient per interval.
DEEP_HEALTH_CACHE_SECONDS = 5.0


class DeepHealthCache:
    """The last deep check's outcome (success or failure), shared for
    DEEP_HEALTH_CACHE_SECONDS; one check runs at a time and the others wait for it."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._checked_at: float | None = None
        self._latency_ms = 0.0
        self._failure: ApiError | None = None

    def latency_ms(self, check: Callable[[], None]) -> float:
        """Run `check` unless a fresh outcome is cached; return its latency or raise its 503."""
        with self._lock:
            now = self.clock()
            if self._checked_at is None or now - self._checked_at >= DEEP_HEALTH_CACHE_SECONDS:
                self._latency_ms, self._failure = _timed(check)
                self._checked_at = self.clock()
            if self._failure is not None:
                # A fresh copy each time: re-raising one instance would grow its traceback.
                raise dataclasses.replace(self._failure, headers=dict(self._failure.headers))
            return self._latency_ms


def _timed(check: Callable[[], None]) -> tuple[float, ApiError | None]:
    started = time.perf_counter()
    try:
        check()
    except ServiceFailure as failure:
        error = from_failure(failure)
        log.warning(
            "deep health check failed",
            extra={"requestId": g.request_id, "cognitoError": error.cognito_code or error.code},
        )
        return 0.0, dataclasses.replace(
            upstream_unavailable(),
            detail=f"Cognito failed the health check ({error.code}).",
            headers={"Retry-After": error.headers.get("Retry-After", "1")},
            cognito_code=error.cognito_code,
        )
    return round((time.perf_counter() - started) * 1000, 1), None


@meta.record_once
def _add_deep_health_cache(state: BlueprintSetupState) -> None:
    state.app.extensions["deep_health"] = DeepHealthCache()


@meta.get("/health")
@endpoint("meta", response=DeepHealthResponse, upstream=False, parameters=[_DEEP])
def health() -> dict[str, Any]:
    """Say that the service is up; with deep=true, that Cognito answers too."""
    if not _deep():
        return {"status": "ok"}
    cache: DeepHealthCache = current_app.extensions["deep_health"]
    return {
        "status": "ok",
        "cognito": {"reachable": True, "latencyMs": cache.latency_ms(context.gateway().ping)},
        "jwks": context.verifier().jwks.state(),
    }


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
