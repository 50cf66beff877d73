"""Sign-up, confirmation, sign-in, challenges and refresh."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from marshmallow import ValidationError, fields, validate, validates_schema

from proxy_app.http.schemas.fields import (
    ATTRIBUTE_NAME,
    ATTRIBUTE_TEXT,
    CONTROL_ERROR,
    EXAMPLE_NEW_PASSWORD,
    EXAMPLE_REFRESH_TOKEN,
    MAX_ATTRIBUTE_NAME,
    MAX_ATTRIBUTE_VALUE,
    MAX_ATTRIBUTES,
    MAX_PASSWORD,
    MAX_REFRESH_TOKEN,
    TOKEN_CHARS,
    FullMatch,
    RequestSchema,
    ResponseSchema,
    Text,
    attribute_value,
    code_field,
    no_control,
    one_of_field,
    password_field,
    session_field,
    text_field,
    username_field,
)

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


class SignUpRequest(RequestSchema):
    username = username_field()
    password = password_field("The new user's password; the pool's policy applies.")
    attributes = fields.Dict(
        keys=Text(validate=[validate.Length(min=1, max=MAX_ATTRIBUTE_NAME)]),
        values=Text(validate=[validate.Length(max=MAX_ATTRIBUTE_VALUE), attribute_value()]),
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
            if not ATTRIBUTE_NAME.fullmatch(name):
                raise ValidationError(f"Not an attribute name: {name[:40]!r}.", "attributes")


class ConfirmSignUpRequest(RequestSchema):
    username = username_field()
    confirmationCode = code_field()


class UsernameRequest(RequestSchema):
    username = username_field()


class SignInRequest(RequestSchema):
    username = username_field()
    password = password_field("The user's password.")


class ChallengeRequest(RequestSchema):
    username = username_field()
    challengeName = one_of_field(CHALLENGES, "From /admin/signin.", "NEW_PASSWORD_REQUIRED")
    session = session_field(
        "The session from /admin/signin (or the previous challenge; for MFA_SETUP, the one "
        "from /admin/challenge/totp/verify)."
    )
    responses = fields.Dict(
        keys=Text(validate=FullMatch(_CHALLENGE_ANSWER, error="Not an answer.")),
        values=Text(validate=[validate.Length(min=1, max=MAX_PASSWORD), no_control()]),
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
            if name.startswith("userAttributes.") and not ATTRIBUTE_TEXT.fullmatch(value):
                raise ValidationError({name: {"value": [CONTROL_ERROR]}}, "responses")


class RefreshRequest(RequestSchema):
    refreshToken = text_field(
        MAX_REFRESH_TOKEN,
        credential=True,
        pattern=TOKEN_CHARS,
        pattern_error="Not a refresh token.",
        description="The refresh token from sign-in.",
        example=EXAMPLE_REFRESH_TOKEN,
    )
    username = username_field(required=False)


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
