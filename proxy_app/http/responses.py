"""Success responses: dumped through a schema, never hand-built JSON."""

from __future__ import annotations

from typing import Any

from flask import Response
from marshmallow import Schema

from proxy_app.http.schemas import instance


def json_response(schema_class: type[Schema], body: dict[str, Any], status: int = 200) -> Response:
    """Dump a body through its schema and answer it as JSON, ending in a newline (as
    Flask's jsonify does: a shell prompt after `curl` starts on a line of its own)."""
    text = instance(schema_class).dumps(body)
    return Response(f"{text}\n", status=status, mimetype="application/json")
