"""Marshmallow schemas: every request and response body of the API."""

from __future__ import annotations

import re
from functools import cache
from typing import Any, ClassVar

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

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
_ATTRIBUTE_TEXT = re.compile(rf"^[^{_CONTROLS_BUT_LINES}{_C1_AND_BIDI}]*$")
_NO_SPACE = re.compile(rf"^[^{_CONTROLS}{_SPACES}]+$")
_TOKEN_CHARS = re.compile(r"^[A-Za-z0-9._=+/-]+$")
_ATTRIBUTE_NAME = re.compile(r"^[A-Za-z0-9_:.-]+$")
_CONTROL_ERROR = "Must not contain control characters."

MAX_USERNAME = 128
MAX_PASSWORD = 256
MAX_CODE = 2048
MAX_REFRESH_TOKEN = 8192
MAX_ATTRIBUTE_NAME = 32
MAX_ATTRIBUTE_VALUE = 2048
MAX_ATTRIBUTES = 50
# Examples the OpenAPI document shows (and schemathesis's examples phase sends).
EXAMPLE_USERNAME = "ada@example.com"
EXAMPLE_PASSWORD = "Analytical-Engine-1843"  # noqa: S105 - a documented example
EXAMPLE_NEW_PASSWORD = "Difference-Engine-1822"  # noqa: S105 - a documented example
EXAMPLE_CODE = "123456"
EXAMPLE_SESSION = "AYABeB6Kx2r1mXn0-example-session-of-admin-signin"
# An access token's shape, signed by no one.
EXAMPLE_ACCESS_TOKEN = (
    "eyJraWQiOiJleGFtcGxlIiwiYWxnIjoiUlMyNTYifQ.eyJzdWIiOiJhZGEiLCJ0b2tlbl91c2UiOiJhY2Nlc3MifQ"  # noqa: S105
    ".c2lnbmF0dXJl"
)
EXAMPLE_REFRESH_TOKEN = "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.example-refresh-token"  # noqa: S105


@cache
def instance(schema_class: type[Schema]) -> Schema:
    """One shared instance per schema class: schemas hold no request state, and
    building one deep-copies every field."""
    return schema_class()


class Text(fields.String):
    """A string that is valid Unicode: no lone surrogate, whatever else it may hold."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text: str = super()._deserialize(value, attr, data, **kwargs)
        if _SURROGATE.search(text):
            raise ValidationError("Not valid Unicode.")
        return text


class FullMatch(validate.Regexp):
    """Regexp that must match the whole value (marshmallow's matches a prefix, and `$`
    accepts a trailing newline); the OpenAPI document still shows the pattern."""

    def __call__(self, value: Any) -> Any:
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


def _no_control() -> FullMatch:
    return FullMatch(_TEXT, error=_CONTROL_ERROR)


def _attribute_value() -> FullMatch:
    """An attribute's value: lines, but no other control character (C1 and bidi too)."""
    return FullMatch(_ATTRIBUTE_TEXT, error=_CONTROL_ERROR)


def _text(
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
        validators.append(_no_control())
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


def _username(required: bool = True) -> fields.String:
    return _text(
        MAX_USERNAME,
        required=required,
        pattern=_NO_SPACE,
        pattern_error="Must not contain white space.",
        description="The user's name in the pool (often an email address).",
        example=EXAMPLE_USERNAME,
    )


def _password(description: str, example: str = EXAMPLE_PASSWORD) -> fields.String:
    return _text(MAX_PASSWORD, credential=True, description=description, example=example)


def _code() -> fields.String:
    return _text(
        MAX_CODE,
        credential=True,
        pattern=_NO_SPACE,
        pattern_error="Must not contain white space.",
        description="The code Cognito sent to the user.",
        example=EXAMPLE_CODE,
    )


def _jwt(description: str, example: str | None = None) -> fields.String:
    # Length is the verifier's business: it refuses oversized tokens as InvalidToken.
    metadata: dict[str, Any] = {"header": True, "credential": True, "description": description}
    if example is not None:
        metadata["example"] = example
    return Text(required=False, validate=[validate.Length(min=1)], metadata=metadata)


class RequestSchema(Schema):
    """Base of request schemas: unknown members are refused.

    OPENAPI_RULES are JSON Schema keywords the OpenAPI document adds to the schema, for
    the rules that join members, which the schema's validators enforce.
    """

    OPENAPI_RULES: ClassVar[dict[str, Any]] = {}

    class Meta:
        unknown = RAISE


def header_fields() -> dict[str, bool]:
    """Every field a request may send as a header, and whether it carries a credential."""
    found: dict[str, bool] = {}
    pending = list(RequestSchema.__subclasses__())
    while pending:
        schema_class = pending.pop()
        pending.extend(schema_class.__subclasses__())
        for name, field in instance(schema_class).fields.items():
            if field.metadata.get("header"):
                found[name] = found.get(name, False) or bool(field.metadata.get("credential"))
    return dict(sorted(found.items()))


class SignUpRequest(RequestSchema):
    username = _username()
    password = _password("The new user's password; the pool's policy applies.")
    attributes = fields.Dict(
        keys=Text(validate=[validate.Length(min=1, max=MAX_ATTRIBUTE_NAME)]),
        values=Text(validate=[validate.Length(max=MAX_ATTRIBUTE_VALUE), _attribute_value()]),
        validate=validate.Length(max=MAX_ATTRIBUTES),
        load_default=dict,
        metadata={
            "description": 'User attributes, such as {"email": "..."} (JSON body only); '
            "those WRITABLE_ATTRIBUTES lists.",
            "names": "writable-keys",
            "example": {"name": "Ada Lovelace"},
        },
    )

    @validates_schema
    def _attribute_names(self, data: dict[str, Any], **_: Any) -> None:
        for name in data.get("attributes", {}):
            if not _ATTRIBUTE_NAME.fullmatch(name):
                raise ValidationError(f"Not an attribute name: {name[:40]!r}.", "attributes")


class ConfirmSignUpRequest(RequestSchema):
    username = _username()
    confirmationCode = _code()


class UsernameRequest(RequestSchema):
    username = _username()


class SignInRequest(RequestSchema):
    username = _username()
    password = _password("The user's password.")


CHALLENGES = (
    "NEW_PASSWORD_REQUIRED",
    "SMS_MFA",
    "SOFTWARE_TOKEN_MFA",
    "EMAIL_OTP",
    "SELECT_MFA_TYPE",
    "CUSTOM_CHALLENGE",
    "MFA_SETUP",
)
# What a caller may answer; USERNAME and SECRET_HASH are the proxy's to add.
ANSWER_NAMES = (
    "NEW_PASSWORD",
    "SMS_MFA_CODE",
    "SOFTWARE_TOKEN_MFA_CODE",
    "EMAIL_OTP_CODE",
    "MFA_TYPE",
    "ANSWER",
)
_CHALLENGE_ANSWER = re.compile(
    rf"^({'|'.join(ANSWER_NAMES)}|userAttributes\.[A-Za-z0-9_:.-]{{1,32}})$"
)
MIN_SESSION = 20
MAX_SESSION = 2048


def _session(description: str) -> fields.String:
    return _text(
        MAX_SESSION,
        min_length=MIN_SESSION,
        credential=True,
        pattern=_NO_SPACE,
        pattern_error="Not a session.",
        description=description,
        example=EXAMPLE_SESSION,
    )


class ChallengeRequest(RequestSchema):
    username = _username()
    challengeName = Text(
        required=True,
        validate=validate.OneOf(CHALLENGES),
        metadata={
            "header": True,
            "credential": False,
            "description": "From /admin/signin.",
            "example": "NEW_PASSWORD_REQUIRED",
        },
    )
    session = _session(
        "The session from /admin/signin (or the previous challenge; for MFA_SETUP, the one "
        "from /admin/challenge/totp/verify)."
    )
    responses = fields.Dict(
        keys=Text(validate=FullMatch(_CHALLENGE_ANSWER, error="Not an answer.")),
        values=Text(validate=[validate.Length(min=1, max=MAX_PASSWORD), _no_control()]),
        load_default=dict,
        validate=validate.Length(max=MAX_ATTRIBUTES),
        metadata={
            "description": 'The answers, JSON body only: {"NEW_PASSWORD": "..."}, '
            '{"SMS_MFA_CODE": "123456"}, {"userAttributes.name": "..."}; '
            "required, except for MFA_SETUP (whose answer is the verified session); "
            "userAttributes.NAME for the attributes WRITABLE_ATTRIBUTES lists.",
            "names": "answer-keys",
            "example": {"NEW_PASSWORD": EXAMPLE_NEW_PASSWORD},
        },
    )
    OPENAPI_RULES: ClassVar[dict[str, Any]] = {
        "anyOf": [
            {"properties": {"challengeName": {"enum": ["MFA_SETUP"]}}},
            {"required": ["responses"], "properties": {"responses": {"minProperties": 1}}},
        ]
    }

    @validates_schema
    def _answers_given(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("responses") and data.get("challengeName") != "MFA_SETUP":
            raise ValidationError("Missing data for required field.", "responses")

    @validates_schema
    def _attribute_answers(self, data: dict[str, Any], **_: Any) -> None:
        # Answers are passwords and codes too, which keep every character but controls;
        # an attribute's value is refused what attribute values are refused elsewhere.
        for name, value in data.get("responses", {}).items():
            if name.startswith("userAttributes.") and not _ATTRIBUTE_TEXT.fullmatch(value):
                raise ValidationError({name: {"value": [_CONTROL_ERROR]}}, "responses")


class RefreshRequest(RequestSchema):
    refreshToken = _text(
        MAX_REFRESH_TOKEN,
        credential=True,
        pattern=_TOKEN_CHARS,
        pattern_error="Not a refresh token.",
        description="The refresh token from sign-in.",
        example=EXAMPLE_REFRESH_TOKEN,
    )
    username = _username(required=False)


class TokenRequest(RequestSchema):
    idToken = _jwt("An id token from sign-in.")
    accessToken = _jwt(
        "An access token from sign-in (or Authorization: Bearer).", EXAMPLE_ACCESS_TOKEN
    )
    OPENAPI_RULES: ClassVar[dict[str, Any]] = {"not": {"required": ["idToken", "accessToken"]}}


class UpdateAttributeRequest(TokenRequest):
    attributeName = _text(
        MAX_ATTRIBUTE_NAME,
        pattern=_ATTRIBUTE_NAME,
        pattern_error="Not an attribute name.",
        description="The attribute to set, such as name: one WRITABLE_ATTRIBUTES lists.",
        names="writable",
        example="name",
    )
    attributeValue = _text(
        MAX_ATTRIBUTE_VALUE,
        pattern=_ATTRIBUTE_TEXT,
        pattern_error=_CONTROL_ERROR,
        description="Its new value.",
        example="Ada Lovelace",
    )


class PasswordConfirmRequest(RequestSchema):
    username = _username()
    password = _password("The new password; the pool's policy applies.", EXAMPLE_NEW_PASSWORD)
    confirmationCode = _code()


class ResponseSchema(Schema):
    """Base of response schemas: what they dump is a dict a view built, read by key.

    marshmallow's own reading also takes objects and dotted names, and falls back to an
    attribute for a missing key (a member named `items` would dump dict.items); a third
    of a dump's time, spent on bodies that are all plain dicts.
    """

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        return obj.get(attr, default)


class CodeDeliveryDetails(ResponseSchema):
    destination = fields.String(allow_none=True)
    deliveryMedium = fields.String(allow_none=True)
    attributeName = fields.String(allow_none=True)


class SignUpResponse(ResponseSchema):
    userSub = fields.String(required=True)
    userConfirmed = fields.Boolean(required=True)
    codeDeliveryDetails = fields.Nested(CodeDeliveryDetails, allow_none=True)


class ConfirmedResponse(ResponseSchema):
    confirmed = fields.Boolean(required=True)


class CodeDeliveryResponse(ResponseSchema):
    codeDeliveryDetails = fields.Nested(CodeDeliveryDetails, allow_none=True, required=True)


class PasswordResetResponse(ResponseSchema):
    codeDeliveryDetails = fields.Nested(CodeDeliveryDetails, allow_none=True, required=True)
    message = fields.String(required=True)


class PasswordConfirmResponse(ResponseSchema):
    passwordReset = fields.Boolean(required=True)


class SignInResponse(ResponseSchema):
    """Tokens, or a challenge to answer (then only the challenge members are present)."""

    idToken = fields.String()
    accessToken = fields.String()
    refreshToken = fields.String()
    expiresIn = fields.Integer()
    tokenType = fields.String()
    challengeName = fields.String()
    session = fields.String()
    challengeParameters = fields.Dict(keys=fields.String(), values=fields.String())


class TokenValidResponse(ResponseSchema):
    valid = fields.Boolean(required=True)
    tokenUse = fields.String(required=True)
    username = fields.String(required=True)
    sub = fields.String(required=True)
    expiresAt = fields.Integer(required=True)
    groups = fields.List(fields.String(), required=True)
    scopes = fields.List(fields.String(), required=True)
    claims = fields.Dict(required=True)


class AttributesResponse(ResponseSchema):
    attributes = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class HealthResponse(ResponseSchema):
    status = fields.String(required=True)


class Problem(ResponseSchema):
    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    code = fields.String(required=True)
    requestId = fields.String(required=True, allow_none=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    reason = fields.String()


class CognitoHealth(ResponseSchema):
    reachable = fields.Boolean(required=True)
    latencyMs = fields.Float(required=True)


class JwksHealth(ResponseSchema):
    loaded = fields.Boolean(required=True)
    keys = fields.Integer(required=True)
    fetches = fields.Integer(required=True)
    ageSeconds = fields.Float(required=True, allow_none=True)


class DeepHealthResponse(HealthResponse):
    """`/health` answers `status` only; `?deep=true` adds what it checked."""

    cognito = fields.Nested(CognitoHealth)
    jwks = fields.Nested(JwksHealth)


# --- issue 10, session and profile: /user, /password/change, /signout, /token/revoke ---

VERIFIABLE_ATTRIBUTES = ("email", "phone_number")
_SIX_DIGITS = re.compile(r"^[0-9]{6}$")

# --- The signed-in user's own account, part MFA (issue 10): TOTP set-up and preferences ---

MAX_DEVICE_NAME = 64
MFA_FACTORS = ("totp", "sms", "email")


def _totp_code() -> fields.String:
    return _text(
        6,
        min_length=6,
        credential=True,
        pattern=_SIX_DIGITS,
        pattern_error="Must be 6 digits.",
        description="The 6-digit code the authenticator app shows now.",
        example=EXAMPLE_CODE,
    )


def _device_name() -> fields.String:
    return _text(
        MAX_DEVICE_NAME,
        required=False,
        description="A name for the authenticator, such as 'phone' (optional).",
        example="phone",
    )


class StrictBoolean(fields.Boolean):
    """A JSON true or false, nothing that merely looks like one ("true", 1)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        # Not truthy={True}: 1 == True, so a set of True would take 1 too.
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class AccessTokenRequest(RequestSchema):
    accessToken = _jwt(
        "An access token from sign-in (or Authorization: Bearer).", EXAMPLE_ACCESS_TOKEN
    )


class PasswordChangeRequest(AccessTokenRequest):
    previousPassword = _password("The user's current password.")
    proposedPassword = _password(
        "The new password; the pool's policy applies.", EXAMPLE_NEW_PASSWORD
    )


class AttributeVerificationCodeRequest(AccessTokenRequest):
    attributeName = Text(
        required=True,
        validate=validate.OneOf(VERIFIABLE_ATTRIBUTES),
        metadata={
            "header": True,
            "credential": False,
            "description": "email or phone_number.",
            "example": "email",
        },
    )


class AttributeVerifyRequest(AttributeVerificationCodeRequest):
    confirmationCode = _text(
        6,
        min_length=6,
        credential=True,
        pattern=_SIX_DIGITS,
        pattern_error="Must be 6 digits.",
        description="The code from /user/attribute/verification-code.",
        example=EXAMPLE_CODE,
    )


class MfaSettings(ResponseSchema):
    enabled = fields.List(fields.String(), required=True)
    preferred = fields.String(required=True, allow_none=True)


class UserResponse(ResponseSchema):
    username = fields.String(required=True)
    sub = fields.String(required=True)
    attributes = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    mfa = fields.Nested(MfaSettings, required=True)
    status = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "With an id token; null with an access token (GetUser)."},
    )
    enabled = fields.Boolean(required=True)


class TotpVerifyRequest(AccessTokenRequest):
    code = _totp_code()
    deviceName = _device_name()


class ChallengeTotpRequest(RequestSchema):
    session = _session("The MFA_SETUP challenge's session from /admin/signin.")
    username = _username(required=False)


class ChallengeTotpVerifyRequest(RequestSchema):
    session = _session("The session from /admin/challenge/totp.")
    code = _totp_code()
    deviceName = _device_name()


class MfaFactor(RequestSchema):
    enabled = StrictBoolean(
        required=True, metadata={"description": "Turn the factor on or off.", "example": True}
    )
    preferred = StrictBoolean(
        load_default=False,
        metadata={"description": "Ask for this factor first at sign-in.", "example": True},
    )

    OPENAPI_RULES: ClassVar[dict[str, Any]] = {
        "not": {
            "required": ["enabled", "preferred"],
            "properties": {"enabled": {"enum": [False]}, "preferred": {"enum": [True]}},
        }
    }

    @validates_schema
    def _preferred_is_enabled(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("preferred") and not data.get("enabled"):
            raise ValidationError("A preferred factor must be enabled.", "preferred")


class MfaPreferenceRequest(AccessTokenRequest):
    totp = fields.Nested(
        MfaFactor,
        metadata={
            "description": "The authenticator app (TOTP).",
            "example": {"enabled": True, "preferred": True},
        },
    )
    sms = fields.Nested(MfaFactor, metadata={"description": "Codes by SMS."})
    email = fields.Nested(MfaFactor, metadata={"description": "Codes by email."})
    OPENAPI_RULES: ClassVar[dict[str, Any]] = {
        "anyOf": [{"required": [name]} for name in MFA_FACTORS],
        "not": {
            "anyOf": [
                {
                    "required": [first, second],
                    "properties": {
                        name: {
                            "required": ["preferred"],
                            "properties": {"preferred": {"enum": [True]}},
                        }
                        for name in (first, second)
                    },
                }
                for first, second in (("totp", "sms"), ("totp", "email"), ("sms", "email"))
            ]
        },
    }

    @validates_schema
    def _one_preferred(self, data: dict[str, Any], **_: Any) -> None:
        given = [name for name in MFA_FACTORS if name in data]
        if not given:
            raise ValidationError("Give at least one of totp, sms, email.", "_schema")
        if sum(1 for name in given if data[name]["preferred"]) > 1:
            raise ValidationError("At most one factor can be preferred.", "_schema")


class TotpSetupResponse(ResponseSchema):
    secretCode = fields.String(required=True)
    otpauthUri = fields.String(required=True)
    qrSvg = fields.String(required=True)


class ChallengeTotpResponse(TotpSetupResponse):
    session = fields.String(required=True)


class TotpVerifyResponse(ResponseSchema):
    status = fields.String(required=True)


class ChallengeTotpVerifyResponse(TotpVerifyResponse):
    session = fields.String(required=True)


MfaSettingsResponse = MfaSettings  # PUT /user/mfa answers the same shape as GET /user's `mfa`
