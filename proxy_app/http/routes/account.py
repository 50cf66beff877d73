"""The signed-in user's own account: profile, password change, sign-out, revocation,
attribute verification."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from proxy_app.http import bodies, context
from proxy_app.http.endpoint import endpoint
from proxy_app.http.schemas.account import (
    AttributeVerificationCodeRequest,
    AttributeVerifyRequest,
    PasswordChangeRequest,
    UserResponse,
)
from proxy_app.http.schemas.auth import CodeDeliveryResponse, RefreshRequest
from proxy_app.http.schemas.token import TokenRequest

account = Blueprint("account", __name__)


@account.get("/user")
@endpoint("account", request=TokenRequest, response=UserResponse, errors=(401, 403))
def get_user(data: dict[str, Any]) -> dict[str, Any]:
    """Describe the token's user: attributes, MFA settings, status."""
    if data.get("idToken"):
        verified = context.account_token(data)
        found = context.gateway().admin_get_user(verified.username)
    else:
        verified = context.self_service_token(data)
        found = context.gateway().get_user(verified.raw)
    return bodies.user(found)


@account.post("/password/change")
@endpoint("account", request=PasswordChangeRequest, errors=(401, 403))
def change_password(data: dict[str, Any]) -> None:
    """Change the password of the access token's user, who knows the current one."""
    verified = context.self_service_token(data)
    context.gateway().change_password(
        verified.raw, data["previousPassword"], data["proposedPassword"]
    )


@account.post("/signout")
@endpoint("account", request=TokenRequest, errors=(401, 403))
def sign_out(data: dict[str, Any]) -> None:
    """End every session of the token's user; its refresh tokens stop working."""
    context.accounts().sign_out(context.account_token(data))


@account.post("/token/revoke")
@endpoint("account", request=RefreshRequest, errors=(401,))
def revoke_token(data: dict[str, Any]) -> None:
    """End the session of a refresh token, and the tokens issued in it."""
    context.accounts().revoke(data["refreshToken"], data.get("username"))


@account.post("/user/attribute/verification-code")
@endpoint(
    "account",
    request=AttributeVerificationCodeRequest,
    response=CodeDeliveryResponse,
    errors=(401, 403),
)
def attribute_verification_code(data: dict[str, Any]) -> dict[str, Any]:
    """Send a code to verify the token's user's email or phone number."""
    verified = context.self_service_token(data)
    delivery = context.gateway().get_user_attribute_verification_code(
        verified.raw, data["attributeName"]
    )
    return {"codeDeliveryDetails": bodies.code_delivery(delivery)}


@account.post("/user/attribute/verify")
@endpoint("account", request=AttributeVerifyRequest, errors=(401, 403))
def verify_attribute(data: dict[str, Any]) -> None:
    """Mark the token's user's email or phone number verified with the code sent."""
    verified = context.self_service_token(data)
    context.gateway().verify_user_attribute(
        verified.raw, data["attributeName"], data["confirmationCode"]
    )
