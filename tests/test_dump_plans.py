"""Response bodies dumped by a plan made from the schema answer what marshmallow answers.

proxy_app.http.responses dumps plain dict bodies by a plan made once from each response
schema's fields, and hands any other value back to marshmallow. These tests hold every
response schema's plan to marshmallow's own dump of the same body: generated bodies of
the right shape, of wrong types, and of types the plan leaves to marshmallow.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import Schema, fields, post_dump, pre_dump

import proxy_app.http.routes  # noqa: F401  (every response schema, wherever it is declared)
from proxy_app.http.responses import dumper, json_text
from proxy_app.http.schemas import ResponseSchema, SignInResponse, TokenValidResponse, instance


def _response_schemas() -> list[type[Schema]]:
    found: list[type[Schema]] = []
    pending = list(ResponseSchema.__subclasses__())
    while pending:
        schema_class = pending.pop()
        found.append(schema_class)
        pending.extend(schema_class.__subclasses__())
    ours = {c for c in found if c.__module__.startswith("proxy_app.")}
    return sorted(ours, key=lambda c: c.__qualname__)


RESPONSE_SCHEMAS = _response_schemas()


class Text(str):
    """A str subclass: marshmallow dumps str(value), a plain str; the plan leaves it."""


class Thing:
    def __str__(self) -> str:
        return "thing"


def _outcome(dump: Any, body: Any) -> tuple[str, str]:
    """The JSON text a dump gives (types and all: 1, 1.0 and true differ), or its error."""
    try:
        return "ok", json.dumps(dump(body), sort_keys=True, default=repr)
    except Exception as exc:  # the same error from both is the same outcome
        return type(exc).__name__, str(exc)


_SCALARS = st.one_of(
    st.none(),
    st.text(max_size=4),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.builds(Text, st.text(max_size=3)),
    st.just(b"bytes"),
    st.builds(Thing),
)
_ANY = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.tuples(inner),
        st.dictionaries(st.one_of(st.text(max_size=3), st.integers()), inner, max_size=3),
    ),
    max_leaves=6,
)


def _value(field: fields.Field) -> st.SearchStrategy[Any]:  # type: ignore[type-arg]
    """A value of the field's own shape, or of any other."""
    return st.one_of(_shaped(field), _ANY)


def _shaped(field: fields.Field) -> st.SearchStrategy[Any]:  # type: ignore[type-arg]
    if isinstance(field, fields.Nested):
        return _body(type(field.schema))
    if isinstance(field, fields.List):
        return st.lists(_value(field.inner), max_size=3)
    if isinstance(field, fields.Dict):
        keys = st.one_of(st.text(max_size=3), _SCALARS)  # what a dict may have as keys
        values = _value(field.value_field) if field.value_field else _ANY
        return st.dictionaries(keys, values, max_size=3)
    if isinstance(field, fields.Integer):
        return st.integers()
    if isinstance(field, fields.Float):
        return st.floats()
    if isinstance(field, fields.Boolean):
        return st.booleans()
    return st.text(max_size=6)


def _body(schema_class: type[Schema]) -> st.SearchStrategy[dict[str, Any]]:
    optional = {name: _value(field) for name, field in instance(schema_class).fields.items()}
    optional["notAField"] = _ANY
    return st.fixed_dictionaries({}, optional=optional)


def test_every_response_schema_is_dumped_by_a_plan() -> None:
    assert len(RESPONSE_SCHEMAS) >= 20
    unplanned = [c.__name__ for c in RESPONSE_SCHEMAS if dumper(c) == instance(c).dump]
    assert unplanned == []


@pytest.mark.parametrize("schema_class", RESPONSE_SCHEMAS, ids=lambda c: c.__name__)
@settings(max_examples=150, deadline=None, database=None)
@given(data=st.data())
def test_a_plan_dumps_what_marshmallow_dumps(schema_class: type[Schema], data: Any) -> None:
    body = data.draw(st.one_of(_body(schema_class), _ANY))
    assert _outcome(dumper(schema_class), body) == _outcome(instance(schema_class).dump, body)


@pytest.mark.parametrize(
    ("schema_class", "body"),
    [
        (SignInResponse, {"idToken": Text("id"), "expiresIn": 60}),
        (SignInResponse, {"expiresIn": True, "tokenType": None}),
        (SignInResponse, {"expiresIn": 60.0}),
        (SignInResponse, {"challengeParameters": {1: 2, None: None}}),
        (TokenValidResponse, {"groups": ("a", "b"), "claims": {"nested": {"x": [1]}}}),
        (TokenValidResponse, {"scopes": ["a", Thing()], "valid": "yes"}),
        (TokenValidResponse, [("valid", True)]),
    ],
    ids=[
        "str-subclass",
        "bool-as-integer",
        "float-as-integer",
        "dict-keys",
        "tuple",
        "object-in-list",
        "not-a-dict",
    ],
)
def test_values_the_plan_leaves_to_marshmallow(schema_class: type[Schema], body: Any) -> None:
    assert _outcome(dumper(schema_class), body) == _outcome(instance(schema_class).dump, body)


def test_a_planned_answer_is_byte_equal_to_marshmallows() -> None:
    body = {"idToken": "i.d.t", "accessToken": "a.c.t", "refreshToken": "r", "expiresIn": 3600,
            "tokenType": "Bearer"}  # fmt: skip
    expected = json.dumps(instance(SignInResponse).dump(body), sort_keys=True)
    assert json_text(SignInResponse, body) == expected


class _Hooked(ResponseSchema):
    name = fields.String()

    @pre_dump
    def _upper(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {"name": data["name"].upper()}


class _PostHooked(ResponseSchema):
    name = fields.String()

    @post_dump
    def _tagged(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {**data, "tag": 1}


class _Defaulted(ResponseSchema):
    name = fields.String(dump_default="nobody")


class _Keyed(ResponseSchema):
    name = fields.String(data_key="fullName", attribute="full")


class _Computed(ResponseSchema):
    name = fields.Function(lambda body: "computed")


class _TextField(fields.String):
    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return "changed"


class _Subclassed(ResponseSchema):
    name = _TextField()


class _Plain(Schema):
    name = fields.String()


@pytest.mark.parametrize(
    ("schema_class", "planned"),
    [
        (_Hooked, False),
        (_PostHooked, False),
        (_Defaulted, False),
        (_Computed, False),
        (_Subclassed, False),
        (_Plain, False),
        (_Keyed, True),
    ],
)
def test_a_schema_the_plan_cannot_follow_is_dumped_by_marshmallow(
    schema_class: type[Schema], planned: bool
) -> None:
    assert (dumper(schema_class) != instance(schema_class).dump) is planned
    for body in ({"name": "ada", "full": "Ada L"}, {}, {"full": "x"}):
        assert _outcome(dumper(schema_class), body) == _outcome(instance(schema_class).dump, body)
