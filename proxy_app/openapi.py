"""The OpenAPI 3 document, generated from the routes' marshmallow schemas with apispec."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask
from marshmallow import Schema

from proxy_app.errors import COGNITO_ERRORS

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
HEADER_FIELD_NOTE = "Required: in the JSON body or as the request header of the same name."


@dataclass(frozen=True)
class Operation:
    """What the OpenAPI document says of one view."""

    summary: str
    request: type[Schema] | None
    response: type[Schema] | None
    status: int
    errors: Sequence[int]
    tag: str
    upstream: bool
    parameters: Sequence[dict[str, Any]]


def documented(
    tag: str,
    *,
    request: type[Schema] | None = None,
    response: type[Schema] | None = None,
    status: int = 200,
    errors: Sequence[int] = (),
    upstream: bool = True,
    parameters: Sequence[dict[str, Any]] = (),
) -> Callable[[F], F]:
    """Attach the request/response schemas of a view, for the OpenAPI document.

    `upstream` views call Cognito, so they may answer any status of the Cognito error table;
    `parameters` are extra OpenAPI parameters (query strings) of the view.
    """

    def attach(view: F) -> F:
        summary = (view.__doc__ or "").strip().splitlines()[0] if view.__doc__ else ""
        view.openapi = Operation(  # type: ignore[attr-defined]
            summary, request, response, status, tuple(errors), tag, upstream, tuple(parameters)
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
    requests: dict[tuple[str, str], type[Schema]] = {}
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
        if operation.request is not None:
            for method in methods:
                requests[rule.rule, method.lower()] = operation.request
    document = spec.to_dict()
    for (path, method), schema_class in requests.items():
        _header_fields_optional_in_body(document, path, method, schema_class)
    return document


def _header_fields_optional_in_body(
    document: dict[str, Any], path: str, method: str, schema_class: type[Schema]
) -> None:
    """A field that may come as a header is not required in the body: say so instead."""
    body = document["paths"][path][method]["requestBody"]["content"]["application/json"]
    name = body["schema"]["$ref"].rsplit("/", 1)[-1]
    component = document["components"]["schemas"][name]
    required = component.pop("required", [])
    in_headers = {n for n, f in schema_class().fields.items() if f.metadata.get("header")}
    body_only = [n for n in required if n not in in_headers]
    if body_only:
        component["required"] = body_only
    for field_name in required:
        if field_name in in_headers:
            prop = component["properties"][field_name]
            prop["description"] = f"{prop.get('description', '')} {HEADER_FIELD_NOTE}".strip()


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
    statuses = {*operation.errors, *COMMON_ERRORS}
    if operation.upstream:
        statuses.update(rule.status for rule in COGNITO_ERRORS.values())
    for status in sorted(statuses):
        responses[str(status)] = {"description": _STATUS_TEXT[status], "content": problem}
    result: dict[str, Any] = {
        "summary": operation.summary,
        "tags": [operation.tag],
        "responses": responses,
    }
    if operation.parameters:
        result["parameters"] = list(operation.parameters)
    if operation.request is not None:
        result["parameters"] = result.get("parameters", []) + _header_parameters(operation.request)
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
