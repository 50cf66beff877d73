"""Password reset: the code, then the new password."""

from __future__ import annotations

from marshmallow import fields

from proxy_app.http.schemas.auth import CodeDeliveryDetails
from proxy_app.http.schemas.fields import (
    EXAMPLE_NEW_PASSWORD,
    RequestSchema,
    ResponseSchema,
    code_field,
    password_field,
    username_field,
)


class PasswordConfirmRequest(RequestSchema):
    username = username_field()
    password = password_field("The new password; the pool's policy applies.", EXAMPLE_NEW_PASSWORD)
    confirmationCode = code_field()


class PasswordResetResponse(ResponseSchema):
    codeDeliveryDetails = fields.Nested(CodeDeliveryDetails, allow_none=True, required=True)
    message = fields.String(required=True)


class PasswordConfirmResponse(ResponseSchema):
    passwordReset = fields.Boolean(required=True)
