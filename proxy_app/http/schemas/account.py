"""The signed-in user's own account: profile, password change, attribute verification."""

from __future__ import annotations

from marshmallow import fields

from proxy_app.http.schemas.fields import (
    EXAMPLE_NEW_PASSWORD,
    ResponseSchema,
    one_of_field,
    password_field,
    six_digits_field,
)
from proxy_app.http.schemas.mfa import MfaSettings
from proxy_app.http.schemas.token import AccessTokenRequest

VERIFIABLE_ATTRIBUTES = ("email", "phone_number")


class PasswordChangeRequest(AccessTokenRequest):
    previousPassword = password_field("The user's current password.")
    proposedPassword = password_field(
        "The new password; the pool's policy applies.", EXAMPLE_NEW_PASSWORD
    )


class AttributeVerificationCodeRequest(AccessTokenRequest):
    attributeName = one_of_field(VERIFIABLE_ATTRIBUTES, "email or phone_number.", "email")


class AttributeVerifyRequest(AttributeVerificationCodeRequest):
    confirmationCode = six_digits_field("The code from /user/attribute/verification-code.")


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
