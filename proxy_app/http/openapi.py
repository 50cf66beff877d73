"""The OpenAPI 3 document, generated from the routes' marshmallow schemas with apispec."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask
from marshmallow import Schema

from proxy_app.http.problems import COGNITO_ERRORS

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
DESCRIPTION = (
    "A plain HTTP API in front of an Amazon Cognito user pool.\n\n"
    "Each request member may instead come as the request header of the same name (the "
    "original service's way; header names are case-insensitive, values UTF-8). A member "
    "the body schema requires is required in one of the two places; given in both, the "
    "values must be equal. Unknown members are refused, and a body over 16 KiB is 413. "
    "A GET is documented with headers only, since a browser sends no body with one.\n\n"
    "Trying it out here: the routes that take a token read it from **Authorize** (the "
    "`accessToken` that `/admin/signin` answers, sent as `Authorization: Bearer`). The "
    "header fields start empty, and an empty one is not sent: give each value once, in "
    "the JSON body or in its header field."
)
BODY_NOTE = (
    "Members as a JSON object. Each string member may instead come as the request header "
    "of the same name (see the header parameters); the body is then optional."
)
HEADER_NOTE = (
    "Alternative to the JSON member `{name}` (required in one of the two places when the "
    "body schema requires it); if both are given they must be equal."
)
GET_HEADER_NOTE = "`{name}` as a request header (a browser sends no body with a GET)."
# What a browser's fetch (Swagger UI's "Try it out") refuses to send a body with: the
# document gives these no body, only the header parameters.
BODILESS_METHODS = frozenset({"get", "head"})
BEARER = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": "An access token from sign-in. Alternatives: the accessToken (or, where "
    "the route takes one, idToken) member or header; send one token only.",
}


@dataclass(frozen=True)
class Operation:
    """What the OpenAPI document says of one view (endpoint.endpoint attaches it)."""

    summary: str
    request: type[Schema] | None
    response: type[Schema] | None
    status: int
    errors: Sequence[int]
    tag: str
    upstream: bool
    parameters: Sequence[dict[str, Any]]


def build_spec(app: Flask) -> dict[str, Any]:
    """Build the OpenAPI document of every documented route of the app.

    The document states the rules the app enforces with its configuration: the attributes
    WRITABLE_ATTRIBUTES lets a user set, and the credential headers only where
    ACCEPT_CREDENTIAL_HEADERS takes them.
    """
    from apispec import APISpec
    from apispec.ext.marshmallow import MarshmallowPlugin

    from proxy_app.http.schemas.meta import Problem

    spec = APISpec(
        title=TITLE,
        version=VERSION,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": DESCRIPTION},
    )
    spec.components.schema("Problem", schema=Problem)
    spec.components.security_scheme("bearer", BEARER)
    requests: dict[tuple[str, str], type[Schema]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions[rule.endpoint]
        operation: Operation | None = getattr(view, "openapi", None)
        if operation is None:
            continue
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        spec.path(
            path=rule.rule,
            operations={method.lower(): _operation(operation, method) for method in methods},
        )
        if operation.request is not None:
            for method in methods:
                requests[rule.rule, method.lower()] = operation.request
    for schema_class in set(requests.values()):
        # A schema only a GET takes is referenced by no body: its members' rules are
        # still shown, as a component its header parameters follow.
        if _component_name(schema_class) not in spec.components.schemas:
            spec.components.schema(_component_name(schema_class), schema=schema_class)
    document = spec.to_dict()
    config = app.config["PROXY"]
    components = document["components"]["schemas"]
    for schema_class in _with_nested(set(requests.values())):
        _document_rules(components[_component_name(schema_class)], schema_class, config)
    for (path, method), schema_class in requests.items():
        operation_document = document["paths"][path][method]
        _document_inputs(operation_document, components, schema_class, config)
    return document


def _with_nested(schema_classes: set[type[Schema]]) -> set[type[Schema]]:
    """The request schemas and the schemas nested in them."""
    from marshmallow import fields

    found = set(schema_classes)
    for schema_class in schema_classes:
        for field in schema_class().fields.values():
            if isinstance(field, fields.Nested) and isinstance(field.nested, type):
                found.add(field.nested)
    return found


def _component_name(schema_class: type[Schema]) -> str:
    name = schema_class.__name__
    return name[: -len("Schema")] if name.endswith("Schema") else name


def _document_rules(component: dict[str, Any], schema_class: type[Schema], config: Any) -> None:
    """Add what marshmallow cannot tell apispec: names the configuration allows, and rules
    that join members (the schema class's OPENAPI_RULES)."""
    from proxy_app.http.schemas.auth import ANSWER_NAMES

    writable = sorted(config.writable_attributes)
    for name, field in schema_class().fields.items():
        prop = component["properties"][name]
        if prop.get("type") == "object":
            # apispec gives a Length validator of a Dict as a string's minLength/maxLength.
            for length, count in (("minLength", "minProperties"), ("maxLength", "maxProperties")):
                if length in prop:
                    prop[count] = prop.pop(length)
        names = field.metadata.get("names")
        if names == "writable":
            prop["enum"] = writable
        elif names in ("writable-keys", "answer-keys"):
            values = prop.pop("additionalProperties", {"type": "string"})
            keys = (
                writable
                if names == "writable-keys"
                else [*ANSWER_NAMES, *(f"userAttributes.{a}" for a in writable)]
            )
            prop["properties"] = {key: dict(values) for key in keys}
            prop["additionalProperties"] = False
    component.update(getattr(schema_class, "OPENAPI_RULES", {}))


def _document_inputs(
    operation: dict[str, Any],
    components: dict[str, Any],
    schema_class: type[Schema],
    config: Any,
) -> None:
    """Document where each member may come from: the JSON body (whose schema lists the
    required ones), or the request header of the same name, the original service's way.

    Header parameters carry no example: Swagger UI fills a field with its example and
    sends it, beside the body's member or Authorize's token, which then disagree.
    """
    component = components[_component_name(schema_class)]
    fields = schema_class().fields
    body = operation.get("requestBody")
    if body is not None:
        # Not required: the members may all come as headers instead.
        body["required"] = False
    parameters = operation.setdefault("parameters", [])
    for name, field in fields.items():
        if not field.metadata.get("header"):
            continue
        if field.metadata.get("credential") and not config.accept_credential_headers:
            continue
        schema = {
            k: v
            for k, v in component["properties"][name].items()
            if k not in ("description", "example")
        }
        note = HEADER_NOTE if body is not None else GET_HEADER_NOTE
        parameters.append(
            {
                "name": name,
                "in": "header",
                # Without a body, the header is the one place a required member can come.
                "required": body is None and field.required,
                "description": f"{note.format(name=name)} "
                f"{field.metadata.get('description', '')}".strip(),
                "schema": schema,
            }
        )
    if not parameters:
        del operation["parameters"]
    if body is not None:
        # Always one, if empty: without it Swagger UI would make up a body from the
        # schema, with a placeholder in every member.
        body["content"]["application/json"]["example"] = request_example(schema_class)
    if "accessToken" in fields:
        # One of: Authorization: Bearer, the accessToken or idToken member or header.
        operation["security"] = [{"bearer": []}, {}]


def request_example(schema_class: type[Schema]) -> dict[str, Any]:
    """A request body made of the members' documented examples (field metadata `example`)."""
    fields = schema_class().fields
    return {name: f.metadata["example"] for name, f in fields.items() if "example" in f.metadata}


def _operation(operation: Operation, method: str) -> dict[str, Any]:
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
    if operation.request is not None and method.lower() not in BODILESS_METHODS:
        result["requestBody"] = {
            "description": BODY_NOTE,
            "content": {"application/json": {"schema": operation.request}},
        }
    return result
