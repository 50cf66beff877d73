"""Sign-up, confirmation and sign-in routes."""

from __future__ import annotations

import hmac
import logging
import re
from typing import Any

from flask import Blueprint, g, request

from proxy_app.config import AUTOCONFIRM_SECRET_HEADER
from proxy_app.core.attributes import check_writable
from proxy_app.core.errors import CognitoRefused, ServiceFailure
from proxy_app.http import bodies, context
from proxy_app.http.endpoint import endpoint
from proxy_app.http.problems import account_state_hidden, forbidden, validation_failed
from proxy_app.http.schemas.auth import (
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
@endpoint("auth", request=SignUpRequest, response=SignUpResponse, status=201, errors=(403, 409))
def sign_up(data: dict[str, Any]) -> dict[str, Any]:
    """Create a user (and confirm it when AUTOCONFIRM_USER is true)."""
    trusted = _from_trusted_backend()
    attributes: dict[str, str] = data["attributes"]
    check_writable(attributes, context.config().writable_attributes)
    attributes = _with_email_from_username(data["username"], attributes)
    migration = context.migration()
    if migration is not None:
        # A legacy user's name is taken, as Cognito answers for its own users.
        migration.refuse_legacy_name(data["username"])
    gateway = context.gateway()
    result = gateway.sign_up(data["username"], data["password"], attributes)
    confirmed = result.confirmed
    if context.config().autoconfirm_user and not confirmed:
        _confirm_or_roll_back(data["username"], verify_email=trusted and "email" in attributes)
        confirmed = True
    return {
        "userSub": result.sub,
        "userConfirmed": confirmed,
        "codeDeliveryDetails": bodies.code_delivery(result.delivery),
    }


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
        raise forbidden(
            "bad_autoconfirm_secret",
            f"The {AUTOCONFIRM_SECRET_HEADER} header does not match this service's secret.",
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
@endpoint("auth", request=ConfirmSignUpRequest, response=ConfirmedResponse)
def confirm_sign_up(data: dict[str, Any]) -> dict[str, Any]:
    """Confirm a sign-up with the code Cognito sent."""
    with account_state_hidden():
        context.gateway().confirm_sign_up(data["username"], data["confirmationCode"])
    return {"confirmed": True}


@auth.post("/resendcode")
@endpoint("auth", request=UsernameRequest, response=CodeDeliveryResponse)
def resend_code(data: dict[str, Any]) -> dict[str, Any]:
    """Send the sign-up confirmation code again."""
    delivery = context.gateway().resend_confirmation_code(data["username"])
    return {"codeDeliveryDetails": bodies.code_delivery(delivery)}


@auth.post("/admin/signin")
@endpoint("auth", request=SignInRequest, response=SignInResponse, errors=(401, 403))
def sign_in(data: dict[str, Any]) -> dict[str, Any]:
    """Sign in with username and password; answer tokens or a challenge."""
    migration = context.migration()
    if migration is not None:
        result = migration.sign_in(data["username"], data["password"])
    else:
        result = context.gateway().sign_in(data["username"], data["password"])
    return bodies.sign_in(result)


@auth.post("/admin/challenge")
@endpoint("auth", request=ChallengeRequest, response=SignInResponse, errors=(401, 403))
def answer_challenge(data: dict[str, Any]) -> dict[str, Any]:
    """Answer a sign-in challenge (a new password, an MFA code); answer tokens or the next."""
    responses: dict[str, str] = data["responses"]
    prefix = "userAttributes."
    check_writable(
        (name[len(prefix) :] for name in responses if name.startswith(prefix)),
        context.config().writable_attributes,
    )
    result = context.gateway().respond_to_challenge(
        data["username"], data["challengeName"], data["session"], responses
    )
    return bodies.sign_in(result)


@auth.post("/admin/refresh")
@endpoint("auth", request=RefreshRequest, response=SignInResponse, errors=(401,))
def refresh(data: dict[str, Any]) -> dict[str, Any]:
    """Trade a refresh token for new id and access tokens."""
    gateway = context.gateway()
    username = data.get("username")
    if gateway.needs_secret_hash and username is None:
        raise validation_failed(
            {"username": ["Required: the app client has a secret, so refresh needs the user."]}
        )
    # A wrong username fails SECRET_HASH as a wrong secret would: the gateway answers it
    # as the caller's mistake (401), where every other route logs the operator's (500).
    return bodies.sign_in(gateway.refresh(data["refreshToken"], username))
