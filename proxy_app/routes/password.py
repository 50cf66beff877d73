"""Password reset routes."""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Blueprint, g

from proxy_app import context
from proxy_app.errors import ApiError, internal_error, unknown_user_answered_as
from proxy_app.inputs import load
from proxy_app.openapi import documented
from proxy_app.responses import json_response
from proxy_app.schemas import (
    PasswordConfirmRequest,
    PasswordConfirmResponse,
    PasswordResetResponse,
    UsernameRequest,
)

log = logging.getLogger("proxy_app.password")
password = Blueprint("password", __name__)

RESET_MESSAGE = "If the account exists, a confirmation code has been sent to it."
# Cognito answers these only for accounts that exist but cannot be reset; answering
# them differently from success would tell a caller which usernames exist.
_HIDDEN = {"UserNotFoundException", "InvalidParameterException", "NotAuthorizedException"}
# Not hidden: Cognito's NotAuthorized about the app client itself (a wrong or missing
# secret). Hiding it would make every reset look successful while no code is sent.
_CLIENT_MISCONFIGURED = re.compile(
    r"secret ?hash|secret was not received|\bclient\b.*\bdoes not exist", re.IGNORECASE
)


@password.post("/password/reset")
@documented("password", request=UsernameRequest, response=PasswordResetResponse)
def reset_password() -> Any:
    """Start a password reset; the answer is the same whether the user exists or not."""
    data = load(UsernameRequest)
    try:
        context.gateway().forgot_password(data["username"])
    except ApiError as error:
        if error.cognito_code not in _HIDDEN:
            raise
        # The gateway raises from inside its `except ClientError`, so the context holds
        # Cognito's answer; its message tells a refused account from a refused client.
        answer = getattr(error.__context__, "response", None) or {}
        message = str(answer.get("Error", {}).get("Message") or "")
        if _CLIENT_MISCONFIGURED.search(message):
            log.error(
                "configuration error: Cognito refuses the app client (check "
                "COGNITO_APP_CLIENT_ID and COGNITO_APP_CLIENT_SECRET)",
                extra={"requestId": g.request_id, "cognitoError": error.cognito_code},
            )
            raise internal_error() from None
        log.info(
            "password reset not started",
            extra={"requestId": g.request_id, "cognitoError": error.cognito_code},
        )
    body = {"codeDeliveryDetails": None, "message": RESET_MESSAGE}
    return json_response(PasswordResetResponse, body)


@password.post("/password/confirm")
@documented("password", request=PasswordConfirmRequest, response=PasswordConfirmResponse)
def confirm_password() -> Any:
    """Set a new password with the code from /password/reset."""
    data = load(PasswordConfirmRequest)
    with unknown_user_answered_as("CodeMismatchException"):
        context.gateway().confirm_forgot_password(
            data["username"], data["password"], data["confirmationCode"]
        )
    return json_response(PasswordConfirmResponse, {"passwordReset": True})
