"""The API's names for the core's models: what a response schema dumps."""

from __future__ import annotations

from typing import Any

from proxy_app.core.models import CodeDelivery, MfaSettings, SignInResult, Tokens, User


def code_delivery(delivery: CodeDelivery | None) -> dict[str, Any] | None:
    """Where a code went, as `codeDeliveryDetails` (null when Cognito sent none)."""
    if delivery is None:
        return None
    return {
        "destination": delivery.destination,
        "deliveryMedium": delivery.medium,
        "attributeName": delivery.attribute,
    }


def sign_in(result: SignInResult) -> dict[str, Any]:
    """Tokens, or the challenge to answer next."""
    if isinstance(result, Tokens):
        body: dict[str, Any] = {
            "idToken": result.id_token,
            "accessToken": result.access_token,
            "expiresIn": result.expires_in,
            "tokenType": result.token_type,
        }
        if result.refresh_token:
            body["refreshToken"] = result.refresh_token
        return body
    return {
        "challengeName": result.name,
        "session": result.session,
        "challengeParameters": result.parameters,
    }


def mfa(settings: MfaSettings) -> dict[str, Any]:
    """A user's MFA factors."""
    return {"enabled": list(settings.enabled), "preferred": settings.preferred}


def user(account: User) -> dict[str, Any]:
    """A user's profile: attributes, MFA settings, status."""
    return {
        "username": account.username,
        "sub": account.sub,
        "attributes": account.attributes,
        "mfa": mfa(account.mfa),
        "status": account.status,
        "enabled": account.enabled,
    }
