"""The OpenAPI 3 document, generated from the routes' marshmallow schemas with apispec."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask
from marshmallow import Schema

F = TypeVar("F", bound=Callable[..., Any])

TITLE = "cognito-proxy"
VERSION = "1.0.0"
_STATUS_TEXT = {
    400: "Invalid input",
    401: "Not authorized or invalid token",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    429: "Too many requests",
    500: "Internal error",
    502: "Cognito failed",
    503: "Cognito unavailable",
}
COMMON_ERRORS = (400, 413, 415, 429, 500, 502, 503)


@dataclass(frozen=True)
class Operation:
    """What the OpenAPI document says of one view."""

    summary: str
    request: type[Schema] | None
    response: type[Schema] | None
    status: int
    errors: Sequence[int]
    tag: str


def documented(
    tag: str,
    *,
    request: type[Schema] | None = None,
    response: type[Schema] | None = None,
    status: int = 200,
    errors: Sequence[int] = (),
) -> Callable[[F], F]:
    """Attach the request/response schemas of a view, for the OpenAPI document."""

    def attach(view: F) -> F:
        summary = (view.__doc__ or "").strip().splitlines()[0] if view.__doc__ else ""
        view.openapi = Operation(  # type: ignore[attr-defined]
            summary, request, response, status, tuple(errors), tag
        )
        return view

    return attach


def build_spec(app: Flask) -> dict[str, Any]:
    """Build the OpenAPI document of every documented route of the app."""
    from apispec import APISpec
    from apispec.ext.marshmallow import MarshmallowPlugin

    from proxy_app.schemas import Problem

    spec = APISpec(
        title=TITLE,
        version=VERSION,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "A plain HTTP API in front of an Amazon Cognito user pool."},
    )
    spec.components.schema("Problem", schema=Problem)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions[rule.endpoint]
        operation: Operation | None = getattr(view, "openapi", None)
        if operation is None:
            continue
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        spec.path(
            path=rule.rule,
            operations={method.lower(): _operation(operation) for method in methods},
        )
    return spec.to_dict()


def _operation(operation: Operation) -> dict[str, Any]:
    problem = {"application/problem+json": {"schema": "Problem"}}
    responses: dict[str | int, Any] = {}
    if operation.response is None:
        responses[str(operation.status)] = {"description": "Done"}
    else:
        responses[str(operation.status)] = {
            "description": "Success",
            "content": {"application/json": {"schema": operation.response}},
        }
    for status in sorted({*operation.errors, *COMMON_ERRORS}):
        responses[str(status)] = {"description": _STATUS_TEXT[status], "content": problem}
    result: dict[str, Any] = {
        "summary": operation.summary,
        "tags": [operation.tag],
        "responses": responses,
    }
    if operation.request is not None:
        result["parameters"] = _header_parameters(operation.request)
        result["requestBody"] = {
            "required": False,
            "description": "Fields as a JSON object; each string field may instead be sent "
            "as a request header of the same name (the original service's way).",
            "content": {"application/json": {"schema": operation.request}},
        }
    return result


def _header_parameters(schema_class: type[Schema]) -> list[dict[str, Any]]:
    parameters = []
    for name, field in schema_class().fields.items():
        if not field.metadata.get("header"):
            continue
        parameters.append(
            {
                "name": name,
                "in": "header",
                "required": False,
                "description": field.metadata.get("description", ""),
                "schema": {"type": "string"},
            }
        )
    return parameters
