"""MFA: a signed-in user's authenticator app (TOTP) and factors, and MFA_SETUP at sign-in."""

from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import ValidationError, fields, validates_schema

from proxy_app.http.schemas.fields import (
    RequestSchema,
    ResponseSchema,
    StrictBoolean,
    session_field,
    six_digits_field,
    text_field,
    username_field,
)
from proxy_app.http.schemas.token import AccessTokenRequest

MAX_DEVICE_NAME = 64
MFA_FACTORS = ("totp", "sms", "email")


def _totp_code() -> fields.String:
    return six_digits_field("The 6-digit code the authenticator app shows now.")


def _device_name() -> fields.String:
    return text_field(
        MAX_DEVICE_NAME,
        required=False,
        description="A name for the authenticator, such as 'phone' (optional).",
        example="phone",
    )


class TotpVerifyRequest(AccessTokenRequest):
    code = _totp_code()
    deviceName = _device_name()


class ChallengeTotpRequest(RequestSchema):
    session = session_field("The MFA_SETUP challenge's session from /admin/signin.")
    username = username_field(required=False)


class ChallengeTotpVerifyRequest(RequestSchema):
    session = session_field("The session from /admin/challenge/totp.")
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


class MfaSettings(ResponseSchema):
    enabled = fields.List(fields.String(), required=True)
    preferred = fields.String(required=True, allow_none=True)


MfaSettingsResponse = MfaSettings  # PUT /user/mfa answers the same shape as GET /user's `mfa`


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
