"""What every schema is built from: the base schemas, the fields' builders and validators,
the limits, and the examples the OpenAPI document shows."""

from __future__ import annotations

import re
from functools import cache
from typing import Any, ClassVar

from marshmallow import RAISE, Schema, ValidationError, fields, validate

# Lone surrogates: JSON's "\ud800" escape decodes to one, and it cannot be encoded as
# UTF-8 (SECRET_HASH, boto3, logs); valid pairs are joined into one code point already.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Character classes spelled out, without shorthands such as \s: the OpenAPI document shows
# these patterns, and ECMA-262 (its regex dialect) and Python would read \s differently.
_CONTROLS = r"\x00-\x1f\x7f"
_CONTROLS_BUT_LINES = r"\x00-\x08\x0b-\x1f\x7f"
# C1 controls (CSI, OSC, ...) and the bidirectional controls that reorder the text after
# them: an attribute value is shown to other people (an admin's terminal, a page).
_C1_AND_BIDI = r"\x80-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
_SPACES = (
    r"\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"  # Python's \s, less controls
)
_TEXT = re.compile(rf"^[^{_CONTROLS}]*$")
ATTRIBUTE_TEXT = re.compile(rf"^[^{_CONTROLS_BUT_LINES}{_C1_AND_BIDI}]*$")
NO_SPACE = re.compile(rf"^[^{_CONTROLS}{_SPACES}]+$")
TOKEN_CHARS = re.compile(r"^[A-Za-z0-9._=+/-]+$")
ATTRIBUTE_NAME = re.compile(r"^[A-Za-z0-9_:.-]+$")
SIX_DIGITS = re.compile(r"^[0-9]{6}$")
CONTROL_ERROR = "Must not contain control characters."

MAX_USERNAME = 128
MAX_PASSWORD = 256
MAX_CODE = 2048
MAX_REFRESH_TOKEN = 8192
MAX_ATTRIBUTE_NAME = 32
MAX_ATTRIBUTE_VALUE = 2048
MAX_ATTRIBUTES = 50
MIN_SESSION = 20
MAX_SESSION = 2048
# Examples the OpenAPI document shows (and schemathesis's examples phase sends).
EXAMPLE_USERNAME = "ada@example.com"
EXAMPLE_PASSWORD = "Analytical-Engine-1843"  # noqa: S105 - a documented example
EXAMPLE_NEW_PASSWORD = "Difference-Engine-1822"  # noqa: S105 - a documented example
EXAMPLE_CODE = "123456"
EXAMPLE_SESSION = "AYABeB6Kx2r1mXn0-example-session-of-admin-signin"
EXAMPLE_REFRESH_TOKEN = "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.example-refresh-token"  # noqa: S105


@cache
def instance(schema_class: type[Schema]) -> Schema:
    """One shared instance per schema class: schemas hold no request state, and
    building one deep-copies every field."""
    return schema_class()


class RequestSchema(Schema):
    """Base of request schemas: unknown members are refused.

    OPENAPI_RULES are JSON Schema keywords the OpenAPI document adds to the schema, for
    the rules that join members, which the schema's validators enforce.
    """

    OPENAPI_RULES: ClassVar[dict[str, Any]] = {}

    class Meta:
        unknown = RAISE


class ResponseSchema(Schema):
    """Base of response schemas: what they dump is a dict a view built, read by key.

    marshmallow's own reading also takes objects and dotted names, and falls back to an
    attribute for a missing key (a member named `items` would dump dict.items); a third
    of a dump's time, spent on bodies that are all plain dicts.
    """

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        return obj.get(attr, default)


class Text(fields.String):
    """A string that is valid Unicode: no lone surrogate, whatever else it may hold."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text: str = super()._deserialize(value, attr, data, **kwargs)
        if _SURROGATE.search(text):
            raise ValidationError("Not valid Unicode.")
        return text


class StrictBoolean(fields.Boolean):
    """A JSON true or false, nothing that merely looks like one ("true", 1)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        # Not truthy={True}: 1 == True, so a set of True would take 1 too.
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class FullMatch(validate.Regexp):
    """Regexp that must match the whole value (marshmallow's matches a prefix, and `$`
    accepts a trailing newline); the OpenAPI document still shows the pattern."""

    def __call__(self, value: Any) -> Any:
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


def no_control() -> FullMatch:
    """Any text but control characters."""
    return FullMatch(_TEXT, error=CONTROL_ERROR)


def attribute_value() -> FullMatch:
    """An attribute's value: lines, but no other control character (C1 and bidi too)."""
    return FullMatch(ATTRIBUTE_TEXT, error=CONTROL_ERROR)


def text_field(
    max_length: int | None,
    *,
    min_length: int = 1,
    required: bool = True,
    credential: bool = False,
    pattern: re.Pattern[str] | None = None,
    pattern_error: str = "Has characters that are not allowed.",
    description: str = "",
    names: str | None = None,
    example: str | None = None,
) -> fields.String:
    """A string field that may also arrive as a request header of the same name.

    Its one pattern says which characters it takes (no control characters, whatever
    else), so that the OpenAPI document shows every rule.
    """
    validators: list[Any] = [validate.Length(min=min_length, max=max_length)]
    if pattern is None:
        validators.append(no_control())
    else:
        validators.append(FullMatch(pattern, error=pattern_error))
    metadata: dict[str, Any] = {
        "header": True,
        "credential": credential,
        "description": description,
    }
    if example is not None:
        metadata["example"] = example  # the OpenAPI document's example of the member
    if names is not None:
        metadata["names"] = names  # the OpenAPI document lists the names the app allows
    return Text(required=required, validate=validators, metadata=metadata)


def username_field(required: bool = True) -> fields.String:
    """The user's name in the pool."""
    return text_field(
        MAX_USERNAME,
        required=required,
        pattern=NO_SPACE,
        pattern_error="Must not contain white space.",
        description="The user's name in the pool (often an email address).",
        example=EXAMPLE_USERNAME,
    )


def password_field(description: str, example: str = EXAMPLE_PASSWORD) -> fields.String:
    """A password (a credential)."""
    return text_field(MAX_PASSWORD, credential=True, description=description, example=example)


def code_field() -> fields.String:
    """A code Cognito sent."""
    return text_field(
        MAX_CODE,
        credential=True,
        pattern=NO_SPACE,
        pattern_error="Must not contain white space.",
        description="The code Cognito sent to the user.",
        example=EXAMPLE_CODE,
    )


def six_digits_field(description: str) -> fields.String:
    """A 6-digit code: an authenticator's, or one sent to verify an attribute."""
    return text_field(
        6,
        min_length=6,
        credential=True,
        pattern=SIX_DIGITS,
        pattern_error="Must be 6 digits.",
        description=description,
        example=EXAMPLE_CODE,
    )


def session_field(description: str) -> fields.String:
    """A sign-in session, from a challenge."""
    return text_field(
        MAX_SESSION,
        min_length=MIN_SESSION,
        credential=True,
        pattern=NO_SPACE,
        pattern_error="Not a session.",
        description=description,
        example=EXAMPLE_SESSION,
    )


def jwt_field(description: str) -> fields.String:
    """An id or access token (optional: a route's schema names which it needs).

    No example: the document's token comes from Authorize, and a made-up one sent beside
    it would be refused as a second, different token.
    """
    # Length is the verifier's business: it refuses oversized tokens as InvalidToken.
    metadata: dict[str, Any] = {"header": True, "credential": True, "description": description}
    return Text(required=False, validate=[validate.Length(min=1)], metadata=metadata)


def one_of_field(choices: tuple[str, ...], description: str, example: str) -> fields.String:
    """A name from a fixed list, which may also come as a header."""
    return Text(
        required=True,
        validate=validate.OneOf(choices),
        metadata={
            "header": True,
            "credential": False,
            "description": description,
            "example": example,
        },
    )
