"""Health and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify

from proxy_app.openapi import build_spec, documented
from proxy_app.responses import json_response
from proxy_app.schemas import HealthResponse

meta = Blueprint("meta", __name__)


@meta.get("/health")
@documented("meta", response=HealthResponse, upstream=False)
def health() -> Any:
    """Say that the service is up."""
    return json_response(HealthResponse, {"status": "ok"})


@meta.get("/openapi.json")
def openapi() -> Any:
    """Serve the OpenAPI 3 document of every route."""
    spec = current_app.extensions.get("openapi_spec")
    if spec is None:
        spec = current_app.extensions["openapi_spec"] = build_spec(current_app)
    return jsonify(spec)
