"""MFA routes: a signed-in user's authenticator app (TOTP) and factors, and MFA_SETUP at sign-in."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from proxy_app.core.errors import unexpected_answer
from proxy_app.core.mfa import totp_setup
from proxy_app.http import bodies, context
from proxy_app.http.endpoint import endpoint
from proxy_app.http.schemas.mfa import (
    MFA_FACTORS,
    ChallengeTotpRequest,
    ChallengeTotpResponse,
    ChallengeTotpVerifyRequest,
    ChallengeTotpVerifyResponse,
    MfaPreferenceRequest,
    MfaSettingsResponse,
    TotpSetupResponse,
    TotpVerifyRequest,
    TotpVerifyResponse,
)
from proxy_app.http.schemas.token import AccessTokenRequest

mfa = Blueprint("mfa", __name__)


def _account_access_token(data: dict[str, Any]) -> tuple[str, str]:
    """Verify the request's access token (with the self-service scope); give it and its user."""
    verified = context.verified_token(data, scopes=[context.ACCOUNT_SCOPE])
    return data["accessToken"], verified.username


def _issuer() -> str:
    """The issuer authenticator apps show: MFA_ISSUER_NAME, else the pool's name."""
    return context.config().mfa_issuer_name or context.gateway().pool_name()


@mfa.post("/user/mfa/totp")
@endpoint("mfa", request=AccessTokenRequest, response=TotpSetupResponse, errors=(401, 403))
def set_up_totp(data: dict[str, Any]) -> dict[str, Any]:
    """Start setting up an authenticator app: its secret, otpauth:// URI and QR code."""
    access_token, username = _account_access_token(data)
    setup = context.gateway().associate_software_token(access_token=access_token)
    return totp_setup(_issuer(), username, setup.secret)


@mfa.post("/user/mfa/totp/verify")
@endpoint("mfa", request=TotpVerifyRequest, response=TotpVerifyResponse, errors=(401, 403))
def verify_totp(data: dict[str, Any]) -> dict[str, Any]:
    """Confirm the authenticator app with a code it shows; TOTP can then be enabled."""
    access_token, _ = _account_access_token(data)
    verified = context.gateway().verify_software_token(
        data["code"], data.get("deviceName"), access_token=access_token
    )
    return {"status": verified.status}


@mfa.put("/user/mfa")
@endpoint("mfa", request=MfaPreferenceRequest, response=MfaSettingsResponse, errors=(401, 403))
def set_mfa_preference(data: dict[str, Any]) -> dict[str, Any]:
    """Enable, disable and prefer MFA factors; answer the user's settings afterwards."""
    access_token, _ = _account_access_token(data)
    factors = {name: data[name] for name in MFA_FACTORS if name in data}
    gateway = context.gateway()
    gateway.set_user_mfa_preference(access_token, factors)
    # Read back: the answer shows every factor, not only the ones this request named.
    return bodies.mfa(gateway.get_user(access_token).mfa)


@mfa.post("/admin/challenge/totp")
@endpoint("auth", request=ChallengeTotpRequest, response=ChallengeTotpResponse, errors=(401,))
def set_up_totp_at_sign_in(data: dict[str, Any]) -> dict[str, Any]:
    """Answer MFA_SETUP's first step: an authenticator app's secret, URI and QR code."""
    setup = context.gateway().associate_software_token(session=data["session"])
    if not setup.session:
        raise unexpected_answer("AssociateSoftwareToken")
    return {**totp_setup(_issuer(), data.get("username"), setup.secret), "session": setup.session}


@mfa.post("/admin/challenge/totp/verify")
@endpoint(
    "auth",
    request=ChallengeTotpVerifyRequest,
    response=ChallengeTotpVerifyResponse,
    errors=(401,),
)
def verify_totp_at_sign_in(data: dict[str, Any]) -> dict[str, Any]:
    """Confirm the authenticator app during MFA_SETUP; answer the session for /admin/challenge."""
    verified = context.gateway().verify_software_token(
        data["code"], data.get("deviceName"), session=data["session"]
    )
    if not verified.session:
        raise unexpected_answer("VerifySoftwareToken")
    return {"status": verified.status, "session": verified.session}
