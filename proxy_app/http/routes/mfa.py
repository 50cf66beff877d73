"""MFA routes: a signed-in user's authenticator app (TOTP) and factors, and MFA_SETUP at sign-in."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from proxy_app.aws.cognito import unexpected_answer
from proxy_app.core.errors import CognitoRefused
from proxy_app.core.mfa import mfa_settings, preference_settings, totp_setup
from proxy_app.http import context
from proxy_app.http.inputs import load
from proxy_app.http.openapi import documented
from proxy_app.http.responses import json_response
from proxy_app.http.schemas import (
    MFA_FACTORS,
    AccessTokenRequest,
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

mfa = Blueprint("mfa", __name__)


def _account_access_token(data: dict[str, Any]) -> tuple[str, str]:
    """Verify the request's access token (with the self-service scope); give it and its user."""
    verified = context.verified_token(data, scopes=[context.ACCOUNT_SCOPE])
    return data["accessToken"], verified.username


def _issuer() -> str:
    """The issuer authenticator apps show: MFA_ISSUER_NAME, else the pool's name."""
    return context.config().mfa_issuer_name or context.gateway().pool_name()


def _answer(result: dict[str, Any], member: str, operation: str) -> str:
    """One member Cognito's answer must have (502 when it lacks it)."""
    value = result.get(member)
    if not value:
        raise unexpected_answer(operation)
    return str(value)


@mfa.post("/user/mfa/totp")
@documented("mfa", request=AccessTokenRequest, response=TotpSetupResponse, errors=(401, 403))
def set_up_totp() -> Any:
    """Start setting up an authenticator app: its secret, otpauth:// URI and QR code."""
    access_token, username = _account_access_token(load(AccessTokenRequest))
    result = context.gateway().associate_software_token(access_token=access_token)
    secret = _answer(result, "SecretCode", "AssociateSoftwareToken")
    return json_response(TotpSetupResponse, totp_setup(_issuer(), username, secret))


@mfa.post("/user/mfa/totp/verify")
@documented("mfa", request=TotpVerifyRequest, response=TotpVerifyResponse, errors=(401, 403))
def verify_totp() -> Any:
    """Confirm the authenticator app with a code it shows; TOTP can then be enabled."""
    data = load(TotpVerifyRequest)
    access_token, _ = _account_access_token(data)
    result = context.gateway().verify_software_token(
        data["code"], data.get("deviceName"), access_token=access_token
    )
    return json_response(TotpVerifyResponse, {"status": _verified(result)})


@mfa.put("/user/mfa")
@documented("mfa", request=MfaPreferenceRequest, response=MfaSettingsResponse, errors=(401, 403))
def set_mfa_preference() -> Any:
    """Enable, disable and prefer MFA factors; answer the user's settings afterwards."""
    data = load(MfaPreferenceRequest)
    access_token, _ = _account_access_token(data)
    factors = {name: data[name] for name in MFA_FACTORS if name in data}
    gateway = context.gateway()
    gateway.set_user_mfa_preference(access_token, preference_settings(factors))
    # Read back: the answer shows every factor, not only the ones this request named.
    return json_response(MfaSettingsResponse, mfa_settings(gateway.get_user(access_token)))


@mfa.post("/admin/challenge/totp")
@documented("auth", request=ChallengeTotpRequest, response=ChallengeTotpResponse, errors=(401,))
def set_up_totp_at_sign_in() -> Any:
    """Answer MFA_SETUP's first step: an authenticator app's secret, URI and QR code."""
    data = load(ChallengeTotpRequest)
    result = context.gateway().associate_software_token(session=data["session"])
    secret = _answer(result, "SecretCode", "AssociateSoftwareToken")
    session = _answer(result, "Session", "AssociateSoftwareToken")
    body = {**totp_setup(_issuer(), data.get("username"), secret), "session": session}
    return json_response(ChallengeTotpResponse, body)


@mfa.post("/admin/challenge/totp/verify")
@documented(
    "auth",
    request=ChallengeTotpVerifyRequest,
    response=ChallengeTotpVerifyResponse,
    errors=(401,),
)
def verify_totp_at_sign_in() -> Any:
    """Confirm the authenticator app during MFA_SETUP; answer the session for /admin/challenge."""
    data = load(ChallengeTotpVerifyRequest)
    result = context.gateway().verify_software_token(
        data["code"], data.get("deviceName"), session=data["session"]
    )
    body = {
        "status": _verified(result),
        "session": _answer(result, "Session", "VerifySoftwareToken"),
    }
    return json_response(ChallengeTotpVerifyResponse, body)


def _verified(result: dict[str, Any]) -> str:
    """VerifySoftwareToken's Status: SUCCESS, or ERROR (the code was not accepted), which
    is answered as a wrong code, never as a success."""
    status = _answer(result, "Status", "VerifySoftwareToken")
    if status != "SUCCESS":
        raise CognitoRefused("CodeMismatchException", "The code was not accepted.")
    return status
