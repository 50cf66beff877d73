"""One way to read a request's fields: a JSON body or the original custom headers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from io import BytesIO
from typing import Any

from flask import current_app, g, request
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import ClientDisconnected

from proxy_app.http import codes
from proxy_app.http.problems import problem, validation_failed
from proxy_app.http.schemas import instance

MAX_BODY_BYTES = 16 * 1024
JSON_TYPES = ("application/json",)


def load(schema_class: type[Schema]) -> dict[str, Any]:
    """Load the request's input through a schema: body members and headers, merged."""
    schema = instance(schema_class)
    current = request._get_current_object()  # type: ignore[attr-defined]
    body = _json_body()
    merged: dict[str, Any] = dict(body)
    errors: dict[str, list[str]] = {}
    accept_headers = current_app.config["PROXY"].accept_credential_headers
    headers = _Headers(current.environ)
    for name, credential in _header_fields(schema_class):
        try:
            value = headers.value(name)
        except ValueError as exc:
            errors[name] = [str(exc)]
            continue
        if value is None:
            continue
        if credential and not accept_headers and not headers.is_bearer(name):
            errors[name] = [
                "Credentials are not accepted in custom headers here; "
                "send them in the JSON body or as Authorization: Bearer."
            ]
            continue
        if name in body and body[name] != value:
            errors[name] = ["Given in the body and in a header with different values."]
            continue
        merged[name] = value
    if errors:
        raise validation_failed(errors)
    try:
        return schema.load(merged)  # type: ignore[no-any-return]
    except ValidationError as exc:
        raise validation_failed(_flatten(exc.messages)) from None


@cache
def _header_fields(schema_class: type[Schema]) -> tuple[tuple[str, bool], ...]:
    """The schema's fields that may come as headers, and whether each is a credential."""
    return tuple(
        (name, bool(field.metadata.get("credential")))
        for name, field in instance(schema_class).fields.items()
        if field.metadata.get("header")
    )


class _Headers:
    """A request's field headers, read from its WSGI environ (case-insensitive)."""

    def __init__(self, environ: dict[str, Any]) -> None:
        self.environ = environ
        self.event = environ.get("apig_wsgi.full_event")

    def raw(self, name: str) -> str | None:
        return self.environ.get("HTTP_" + name.upper().replace("-", "_"))

    def is_bearer(self, name: str) -> bool:
        return name == "accessToken" and self.raw("accessToken") is None

    def value(self, name: str) -> str | None:
        """A field's header value, decoded; Authorization: Bearer for accessToken."""
        self._refuse_repeated(name)
        raw = self.raw(name)
        if name == "accessToken":
            bearer = self._bearer_token()
            if raw is not None and bearer is not None and self._decode(raw) != bearer:
                raise ValueError("Given in the accessToken and Authorization headers differently.")
            if raw is None:
                return bearer
        if raw is None:
            return None
        return self._decode(raw)

    def _refuse_repeated(self, name: str) -> None:
        """Refuse a field header sent twice, where the event still shows each copy.

        WSGI servers and API Gateway's HTTP API join repeated headers with commas, which
        cannot be told from a value with a comma; REST API and ALB events keep them apart.
        """
        event = self.event
        if not event or not isinstance(event.get("multiValueHeaders"), dict):
            return
        lowered = name.lower()
        copies = sum(
            len(values or [])
            for header, values in event["multiValueHeaders"].items()
            if header.lower() == lowered
        )
        if copies > 1:
            raise ValueError("Given more than once.")

    def _bearer_token(self) -> str | None:
        authorization = self.raw("Authorization")
        if authorization is None:
            return None
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self._decode(token.strip())

    def _decode(self, value: str) -> str:
        """Undo WSGI's latin-1 decoding of header bytes: headers carry UTF-8."""
        if self.event is not None:
            # apig-wsgi passes API Gateway's header strings through as they are.
            return value
        try:
            return value.encode("latin-1").decode("utf-8")
        except UnicodeError:
            raise ValueError("Header value is not valid UTF-8.") from None


def _json_body() -> dict[str, Any]:
    """Parse the body as a JSON object; no body is an empty object."""
    data = _body_bytes()
    if len(data) > MAX_BODY_BYTES:
        raise problem(413, codes.PAYLOAD_TOO_LARGE, "The request body is larger than allowed.")
    if not data.strip():
        return {}
    # "application/json" as it is, what nearly every client sends, needs no parsing.
    if request.environ.get("CONTENT_TYPE") not in JSON_TYPES and not _is_json(request.mimetype):
        raise problem(
            415,
            codes.UNSUPPORTED_MEDIA_TYPE,
            "Send the body as JSON with Content-Type: application/json.",
        )
    try:
        text = data.decode("utf-8")
        value = _DECODER.decode(text)
    except (UnicodeError, ValueError, RecursionError):
        raise problem(400, codes.MALFORMED_JSON, "The body is not valid UTF-8 JSON.") from None
    if not isinstance(value, dict):
        raise problem(400, codes.MALFORMED_JSON, "The body must be a JSON object.")
    return value


def _is_json(mimetype: str) -> bool:
    return mimetype in JSON_TYPES or mimetype.endswith("+json")


def _body_bytes() -> bytes:
    """Read the body, and at least one byte past the limit when there is more.

    With a Content-Length, Flask refuses a body over MAX_CONTENT_LENGTH itself. A streamed
    (chunked) body has none, and werkzeug silently stops reading at that limit: the first
    16 KiB of a larger body would pass as the whole of it.
    """
    environ = request.environ
    terminated = environ.get("wsgi.input_terminated")
    length = environ.get("CONTENT_LENGTH")
    if length and length.isascii() and length.isdigit() and int(length) <= MAX_BODY_BYTES:
        return _announced_body(environ, int(length))
    if request.content_length is not None or not terminated:
        return request.get_data(cache=True)  # refuses a longer one, or a bad length
    cached = g.get("streamed_body")
    if cached is None:
        # The server ends this stream at the body's end (that is what the flag says).
        stream = request.environ["wsgi.input"]
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_BODY_BYTES:
            chunk = stream.read(MAX_BODY_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        cached = g.streamed_body = b"".join(chunks)
    return cached  # type: ignore[no-any-return]


def _announced_body(environ: dict[str, Any], length: int) -> bytes:
    """Read a body of the length its Content-Length announced, within the limit.

    What werkzeug's get_data reads then, without its stream wrappers (a tenth of a
    sign-in's own time); a shorter body is refused as werkzeug refuses it. The body is
    put back as a fresh stream, for anything that reads it again.
    """
    data: bytes = environ["wsgi.input"].read(length)
    if len(data) != length:
        raise ClientDisconnected()
    environ["wsgi.input"] = BytesIO(data)
    return data


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate member")
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# Built once: json.loads with arguments builds a decoder for every body. (A leading BOM,
# which json.loads names, is refused here too: it is not where JSON may start.)
_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_no_constants)


def _flatten(messages: Mapping[str, Any] | list[Any], prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into {field: [messages]}."""
    if isinstance(messages, list):
        return {prefix or "_schema": [str(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        # A refused member name may hold a lone surrogate: never echo one back.
        text = str(key).encode("utf-8", "replace").decode("utf-8")
        name = f"{prefix}.{text}" if prefix else text
        if isinstance(value, dict):
            flat.update(_flatten(value, name))
        else:
            flat[name] = [str(m) for m in value] if isinstance(value, list) else [str(value)]
    return flat
