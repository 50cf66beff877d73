"""Sign-up, confirmation and sign-in routes."""

from __future__ import annotations

import hmac
import logging
import re
from typing import Any

from flask import Blueprint, g, request

from proxy_app.aws.cognito import unexpected_answer
from proxy_app.config import AUTOCONFIRM_SECRET_HEADER
from proxy_app.core.errors import CognitoRefused, ServiceFailure
from proxy_app.http import context
from proxy_app.http.attributes import check_writable
from proxy_app.http.inputs import load
from proxy_app.http.openapi import documented
from proxy_app.http.problems import ApiError, account_state_hidden, validation_failed
from proxy_app.http.responses import code_delivery, json_response, tokens_or_challenge
from proxy_app.http.schemas import (
    ChallengeRequest,
    CodeDeliveryResponse,
    ConfirmedResponse,
    ConfirmSignUpRequest,
    RefreshRequest,
    SignInRequest,
    SignInResponse,
    SignUpRequest,
    SignUpResponse,
    UsernameRequest,
)

log = logging.getLogger("proxy_app.auth")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
auth = Blueprint("auth", __name__)


@auth.post("/signup")
@documented("auth", request=SignUpRequest, response=SignUpResponse, status=201, errors=(403, 409))
def sign_up() -> Any:
    """Create a user (and confirm it when AUTOCONFIRM_USER is true)."""
    data = load(SignUpRequest)
    trusted = _from_trusted_backend()
    attributes: dict[str, str] = data["attributes"]
    check_writable(attributes)
    attributes = _with_email_from_username(data["username"], attributes)
    migration = context.migration()
    if migration is not None:
        # A legacy user's name is taken, as Cognito answers for its own users.
        migration.refuse_legacy_name(data["username"])
    gateway = context.gateway()
    result = gateway.sign_up(data["username"], data["password"], attributes)
    confirmed = bool(result.get("UserConfirmed"))
    if context.config().autoconfirm_user and not confirmed:
        _confirm_or_roll_back(data["username"], verify_email=trusted and "email" in attributes)
        confirmed = True
    body = {
        "userSub": result.get("UserSub") or "",
        "userConfirmed": confirmed,
        "codeDeliveryDetails": code_delivery(result.get("CodeDeliveryDetails")),
    }
    return json_response(SignUpResponse, body, 201)


def _with_email_from_username(username: str, attributes: dict[str, str]) -> dict[str, str]:
    """Send an email-address username as the `email` attribute too, unless one is given.

    The original service's sign-up sends only a username (an email address) and a
    password, against pools that need an email to confirm and to reset passwords.
    """
    if "email" in attributes or not _EMAIL.fullmatch(username):
        return attributes
    if "email" not in context.config().writable_attributes:
        return attributes
    return {**attributes, "email": username}


def _from_trusted_backend() -> bool:
    """Say whether the sign-up presents AUTOCONFIRM_SECRET; refuse (403) a wrong one.

    Only the trusted backend the original's auto-confirm was made for (one migrating its
    users) may have an email marked verified: anyone else could claim an address they do
    not own, and lock its owner out.
    """
    presented = request.headers.get(AUTOCONFIRM_SECRET_HEADER)
    if presented is None:
        return False
    expected = context.config().autoconfirm_secret
    if expected is None or not hmac.compare_digest(
        presented.encode("utf-8", "replace"), expected.encode("utf-8")
    ):
        raise ApiError(
            403,
            "Forbidden",
            "Forbidden",
            f"The {AUTOCONFIRM_SECRET_HEADER} header does not match this service's secret.",
            reason="bad_autoconfirm_secret",
        )
    return True


def _confirm_or_roll_back(username: str, *, verify_email: bool) -> None:
    """Confirm a new user; if that fails, delete it so the same sign-up can be retried."""
    gateway = context.gateway()
    try:
        gateway.admin_confirm_sign_up(username)
        if verify_email:
            gateway.update_attributes(username, {"email_verified": "true"})
    except Exception as error:
        log.warning(
            "auto-confirm failed; removing the new user",
            extra={
                "requestId": g.request_id,
                "cognitoError": error.code
                if isinstance(error, CognitoRefused)
                else type(error).__name__,
            },
        )
        try:
            gateway.delete_user(username)
        except ServiceFailure as cleanup:
            log.error(
                "could not remove the half-made user; remove it by hand",
                extra={"requestId": g.request_id, "cognitoError": type(cleanup).__name__},
            )
        raise


@auth.post("/confirmsignup")
@documented("auth", request=ConfirmSignUpRequest, response=ConfirmedResponse)
def confirm_sign_up() -> Any:
    """Confirm a sign-up with the code Cognito sent."""
    data = load(ConfirmSignUpRequest)
    with account_state_hidden():
        context.gateway().confirm_sign_up(data["username"], data["confirmationCode"])
    return json_response(ConfirmedResponse, {"confirmed": True})


@auth.post("/resendcode")
@documented("auth", request=UsernameRequest, response=CodeDeliveryResponse)
def resend_code() -> Any:
    """Send the sign-up confirmation code again."""
    data = load(UsernameRequest)
    result = context.gateway().resend_confirmation_code(data["username"])
    body = {"codeDeliveryDetails": code_delivery(result.get("CodeDeliveryDetails"))}
    return json_response(CodeDeliveryResponse, body)


@auth.post("/admin/signin")
@documented("auth", request=SignInRequest, response=SignInResponse, errors=(401, 403))
def sign_in() -> Any:
    """Sign in with username and password; answer tokens or a challenge."""
    data = load(SignInRequest)
    migration = context.migration()
    if migration is not None:
        result = migration.sign_in(data["username"], data["password"])
    else:
        result = context.gateway().sign_in(data["username"], data["password"])
    return json_response(SignInResponse, tokens_or_challenge(result, "AdminInitiateAuth"))


@auth.post("/admin/challenge")
@documented("auth", request=ChallengeRequest, response=SignInResponse, errors=(401, 403))
def answer_challenge() -> Any:
    """Answer a sign-in challenge (a new password, an MFA code); answer tokens or the next."""
    data = load(ChallengeRequest)
    responses: dict[str, str] = data["responses"]
    prefix = "userAttributes."
    check_writable(name[len(prefix) :] for name in responses if name.startswith(prefix))
    result = context.gateway().respond_to_challenge(
        data["username"], data["challengeName"], data["session"], responses
    )
    return json_response(SignInResponse, tokens_or_challenge(result, "AdminRespondToAuthChallenge"))


@auth.post("/admin/refresh")
@documented("auth", request=RefreshRequest, response=SignInResponse, errors=(401,))
def refresh() -> Any:
    """Trade a refresh token for new id and access tokens."""
    data = load(RefreshRequest)
    gateway = context.gateway()
    username = data.get("username")
    if gateway.needs_secret_hash and username is None:
        raise validation_failed(
            {"username": ["Required: the app client has a secret, so refresh needs the user."]}
        )
    # A wrong username fails SECRET_HASH as a wrong secret would: the gateway answers it
    # as the caller's mistake (401), where every other route logs the operator's (500).
    result = gateway.refresh(data["refreshToken"], username)
    body = tokens_or_challenge(result, "InitiateAuth")
    if "idToken" not in body:
        raise unexpected_answer("InitiateAuth")
    return json_response(SignInResponse, body)
