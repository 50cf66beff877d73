"""Build API Gateway v1, v2 and ALB events from the samples in tests/events/."""

from __future__ import annotations

import copy
import json
from typing import Any

from tests.support import EVENTS

FORMATS = ("apigateway-v1", "apigateway-v2", "alb")
_SAMPLES = {name: json.loads((EVENTS / f"{name}.json").read_text()) for name in FORMATS}


def make_event(
    kind: str,
    *,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: Any = None,
) -> dict[str, Any]:
    """Return an event of this kind for one request (body: a dict is sent as JSON)."""
    event = copy.deepcopy(_SAMPLES[kind])
    headers = dict(headers or {})
    text = None
    if body is not None:
        text = body if isinstance(body, str) else json.dumps(body)
        headers.setdefault("Content-Type", "application/json")
    if kind == "apigateway-v1":
        event["httpMethod"] = event["requestContext"]["httpMethod"] = method
        event["path"] = path
        event["headers"].update(headers)
        for name, value in headers.items():
            event["multiValueHeaders"][name] = [value]
    elif kind == "apigateway-v2":
        event["requestContext"]["http"]["method"] = method
        event["requestContext"]["http"]["path"] = event["rawPath"] = path
        event["headers"].update({name.lower(): value for name, value in headers.items()})
    else:
        event["httpMethod"] = method
        event["path"] = path
        event["headers"].update({name.lower(): value for name, value in headers.items()})
    event["body"] = text if text is not None else ("" if kind == "alb" else None)
    return event


def response_json(response: dict[str, Any]) -> Any:
    """The JSON body of a Lambda proxy response."""
    return json.loads(response["body"]) if response.get("body") else None


def response_header(response: dict[str, Any], name: str) -> str | None:
    """One header of a Lambda proxy response, whichever way it was returned."""
    for key, value in (response.get("headers") or {}).items():
        if key.lower() == name.lower():
            return str(value)
    for key, values in (response.get("multiValueHeaders") or {}).items():
        if key.lower() == name.lower():
            return str(values[-1])
    return None
