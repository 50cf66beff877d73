"""Success responses: dumped through a schema, never hand-built JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any

from flask import Response
from marshmallow import Schema, fields, missing
from marshmallow.decorators import POST_DUMP, PRE_DUMP

from proxy_app.aws.cognito import unexpected_answer
from proxy_app.http.schemas import ResponseSchema, instance

# What flask.json.dumps writes (sorted keys, ASCII), from one encoder built once: a
# dumped body holds JSON types only, so Flask's `default` for dates and the like is not
# needed, and json.dumps with arguments would build a new encoder for every answer.
_ENCODER = json.JSONEncoder(sort_keys=True)


def json_response(schema_class: type[Schema], body: dict[str, Any], status: int = 200) -> Response:
    """Dump a body through its schema and answer it as JSON."""
    return json_text_response(json_text(schema_class, body), status)


def json_text(schema_class: type[Schema], body: dict[str, Any]) -> str:
    """A body dumped through its schema, as JSON text."""
    return _ENCODER.encode(dumper(schema_class)(body))


# --- Dumping by a plan made once from the schema -----------------------------------
# A response schema's dump walks marshmallow's per-field machinery (accessor, default,
# _serialize) for bodies that are plain dicts of str, int, bool, lists and dicts. A plan
# made once from the same schema's fields does what that machinery does for those
# values, and hands anything else (a str subclass, a tuple, an object) back to
# marshmallow for the whole body. The schemas stay the one description: OpenAPI is
# generated from them, and tests/test_dump_plans.py checks plan against marshmallow.

Convert = Callable[[Any], Any]


class _Unplanned(Exception):
    """A value the plan does not cover: marshmallow dumps the whole body instead."""


@cache
def dumper(schema_class: type[Schema]) -> Callable[[Any], Any]:
    """What dumps a body through this schema: its plan, or marshmallow's dump."""
    schema = instance(schema_class)
    plan = _plan(schema)
    if plan is None:
        return schema.dump

    def dump(body: Any) -> Any:
        try:
            return plan(body)
        except _Unplanned:
            return schema.dump(body)

    return dump


def _plan(schema: Schema) -> Convert | None:
    """A dump of this schema for a dict body, or None if the schema is not plain enough."""
    plain_schema = (
        isinstance(schema, ResponseSchema)
        and type(schema).get_attribute is ResponseSchema.get_attribute
        and not schema.many
        and schema.only is None
        and not schema.exclude
        and not schema._hooks[PRE_DUMP]
        and not schema._hooks[POST_DUMP]
    )
    if not plain_schema:
        return None
    steps = []
    for name, field in schema.dump_fields.items():
        convert = _converter(field)
        if convert is None or field.dump_default is not missing:
            return None
        attribute = name if field.attribute is None else field.attribute
        key = name if field.data_key is None else field.data_key
        steps.append((attribute, key, convert))
    planned = tuple(steps)

    def dump(body: Any) -> dict[str, Any]:
        if type(body) is not dict:
            raise _Unplanned
        answer = {}
        for attribute, key, convert in planned:
            value = body.get(attribute, missing)
            if value is not missing:
                answer[key] = None if value is None else convert(value)
        return answer

    return dump


def _converter(field: fields.Field) -> Convert | None:  # type: ignore[type-arg]
    """What the field's _serialize does to a value other than None, for the plain cases."""
    kind = type(field)
    if not field._CHECK_ATTRIBUTE:
        return None
    if kind is fields.Boolean:
        return _same  # marshmallow dumps a Boolean's value as it is
    if kind is fields.String:
        return _exactly(str)
    if isinstance(field, fields.Number):
        number = _NUMBERS.get(kind)
        return None if number is None or field.as_string else _exactly(number)
    if isinstance(field, fields.Nested):
        return _plan(field.schema) if kind is fields.Nested and not field.many else None
    if isinstance(field, fields.List):
        return _list_of(field.inner) if kind is fields.List else None
    if isinstance(field, fields.Dict):
        return _dict_of(field.key_field, field.value_field) if kind is fields.Dict else None
    return None


# The number fields a plan covers, and the one type each dumps unchanged.
_NUMBERS: dict[type, type] = {fields.Integer: int, fields.Float: float}


def _same(value: Any) -> Any:
    return value


def _exactly(kind: type) -> Convert:
    def convert(value: Any) -> Any:
        if type(value) is not kind:
            raise _Unplanned
        return value

    return convert


def _list_of(inner: fields.Field) -> Convert | None:  # type: ignore[type-arg]
    each = _converter(inner)
    if each is None:
        return None

    def convert(value: Any) -> list[Any]:
        if type(value) is not list:
            raise _Unplanned
        return [None if item is None else each(item) for item in value]

    return convert


def _dict_of(
    key_field: fields.Field | None,  # type: ignore[type-arg]
    value_field: fields.Field | None,  # type: ignore[type-arg]
) -> Convert | None:
    keys = _same if key_field is None else _converter(key_field)
    values = _same if value_field is None else _converter(value_field)
    if keys is None or values is None:
        return None

    def convert(value: Any) -> dict[Any, Any]:
        if type(value) is not dict:
            raise _Unplanned
        return {
            None if k is None else keys(k): None if v is None else values(v)
            for k, v in value.items()
        }

    return convert


def json_text_response(text: str, status: int = 200) -> Response:
    """Answer JSON text that json_text made."""
    return Response(text, status=status, mimetype="application/json")


def code_delivery(details: dict[str, Any] | None) -> dict[str, Any] | None:
    """Translate Cognito's CodeDeliveryDetails to the API's names."""
    if not details:
        return None
    return {
        "destination": details.get("Destination"),
        "deliveryMedium": details.get("DeliveryMedium"),
        "attributeName": details.get("AttributeName"),
    }


def tokens_or_challenge(result: dict[str, Any], operation: str) -> dict[str, Any]:
    """Translate an InitiateAuth answer: tokens, or the challenge to answer next."""
    tokens = result.get("AuthenticationResult")
    if tokens:
        if not tokens.get("IdToken") or not tokens.get("AccessToken"):
            raise unexpected_answer(operation)
        body = {
            "idToken": tokens["IdToken"],
            "accessToken": tokens["AccessToken"],
            "expiresIn": tokens.get("ExpiresIn", 3600),
            "tokenType": tokens.get("TokenType", "Bearer"),
        }
        if tokens.get("RefreshToken"):
            body["refreshToken"] = tokens["RefreshToken"]
        return body
    if result.get("ChallengeName"):
        return {
            "challengeName": result["ChallengeName"],
            "session": result.get("Session", ""),
            "challengeParameters": result.get("ChallengeParameters") or {},
        }
    raise unexpected_answer(operation)
