"""The signed-in user's own account: profile, password change, sign-out, revocation,
attribute verification."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, Response

from proxy_app.aws.cognito import unexpected_answer
from proxy_app.http import context
from proxy_app.http.inputs import load
from proxy_app.http.openapi import documented
from proxy_app.http.problems import validation_failed
from proxy_app.http.responses import json_response
from proxy_app.http.schemas import (
    AttributeVerificationCodeRequest,
    AttributeVerifyRequest,
    CodeDeliveryResponse,
    PasswordChangeRequest,
    RefreshRequest,
    TokenRequest,
    UserResponse,
)
from proxy_app.tokens.verifier import VerifiedToken

account = Blueprint("account", __name__)

# Cognito's factor names, as the API spells them.
MFA_FACTORS = {"SOFTWARE_TOKEN_MFA": "totp", "SMS_MFA": "sms", "EMAIL_OTP": "email"}


@account.get("/user")
@documented("account", request=TokenRequest, response=UserResponse, errors=(401, 403))
def get_user() -> Any:
    """Describe the token's user: attributes, MFA settings, status."""
    data = load(TokenRequest)
    if data.get("idToken"):
        verified = context.account_token(data)
        answer = context.gateway().admin_get_user(verified.username)
    else:
        verified = context.self_service_token(data)
        answer = context.gateway().get_user(verified.raw)
    return json_response(UserResponse, _profile(answer))


@account.post("/password/change")
@documented("account", request=PasswordChangeRequest, status=204, errors=(401, 403))
def change_password() -> Any:
    """Change the password of the access token's user, who knows the current one."""
    data = load(PasswordChangeRequest)
    verified = context.self_service_token(data)
    context.gateway().change_password(
        verified.raw, data["previousPassword"], data["proposedPassword"]
    )
    return Response(status=204)


@account.post("/signout")
@documented("account", request=TokenRequest, status=204, errors=(401, 403))
def sign_out() -> Any:
    """End every session of the token's user; its refresh tokens stop working."""
    data = load(TokenRequest)
    verified = context.account_token(data)
    records = context.records()
    if records is not None:
        # Recorded first: refusing tokens of a sign-out that then fails is the safe side.
        now = time.time()
        records.record_sign_out(verified.sub, now)
    if verified.token_use == "access":  # noqa: S105 - not a secret
        context.gateway().global_sign_out(verified.raw)
    else:
        context.gateway().admin_user_global_sign_out(verified.username)
    return Response(status=204)


@account.post("/token/revoke")
@documented("account", request=RefreshRequest, status=204, errors=(401,))
def revoke_token() -> Any:
    """End the session of a refresh token, and the tokens issued in it."""
    data = load(RefreshRequest)
    records = context.records()
    if records is not None:
        origin_jti = _session_of(data["refreshToken"], data.get("username"))
        records.record_revoked_session(origin_jti)
    context.gateway().revoke_token(data["refreshToken"])
    return Response(status=204)


@account.post("/user/attribute/verification-code")
@documented(
    "account",
    request=AttributeVerificationCodeRequest,
    response=CodeDeliveryResponse,
    errors=(401, 403),
)
def attribute_verification_code() -> Any:
    """Send a code to verify the token's user's email or phone number."""
    data = load(AttributeVerificationCodeRequest)
    verified = context.self_service_token(data)
    answer = context.gateway().get_user_attribute_verification_code(
        verified.raw, data["attributeName"]
    )
    details = answer.get("CodeDeliveryDetails") or {}
    body = {
        "codeDeliveryDetails": {
            "destination": details.get("Destination"),
            "deliveryMedium": details.get("DeliveryMedium"),
            "attributeName": details.get("AttributeName"),
        }
    }
    return json_response(CodeDeliveryResponse, body)


@account.post("/user/attribute/verify")
@documented("account", request=AttributeVerifyRequest, status=204, errors=(401, 403))
def verify_attribute() -> Any:
    """Mark the token's user's email or phone number verified with the code sent."""
    data = load(AttributeVerifyRequest)
    verified = context.self_service_token(data)
    context.gateway().verify_user_attribute(
        verified.raw, data["attributeName"], data["confirmationCode"]
    )
    return Response(status=204)


def _session_of(refresh_token: str, username: str | None) -> str:
    """Find a refresh token's session (`origin_jti`): refresh tokens are opaque, so
    refresh once and read it from the new id token, which carries the same one."""
    gateway = context.gateway()
    if gateway.needs_secret_hash and username is None:
        raise validation_failed({"username": ["Needed to revoke with a client secret."]})
    tokens = gateway.refresh(refresh_token, username).get("AuthenticationResult") or {}
    id_token: VerifiedToken = context.verifier().verify(str(tokens.get("IdToken", "")), "id")
    origin_jti = id_token.claims.get("origin_jti")
    if not isinstance(origin_jti, str):
        raise unexpected_answer("InitiateAuth")
    return origin_jti


def _profile(answer: dict[str, Any]) -> dict[str, Any]:
    """Shape GetUser's or AdminGetUser's answer as the API's user."""
    attributes = {a["Name"]: a.get("Value", "") for a in answer.get("UserAttributes", [])}
    enabled = answer.get("UserMFASettingList") or []
    preferred = answer.get("PreferredMfaSetting")
    return {
        "username": answer.get("Username", ""),
        "sub": attributes.get("sub", ""),
        "attributes": attributes,
        "mfa": {
            "enabled": [MFA_FACTORS.get(name, name) for name in enabled],
            "preferred": MFA_FACTORS.get(preferred, preferred) if preferred else None,
        },
        # GetUser says neither; it answers only for an enabled user's live token.
        "status": answer.get("UserStatus"),
        "enabled": answer.get("Enabled", True),
    }
