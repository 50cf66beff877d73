"""Password reset routes."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, g

from proxy_app.core.errors import CognitoRefused
from proxy_app.http import context
from proxy_app.http.inputs import load
from proxy_app.http.openapi import documented
from proxy_app.http.problems import account_state_hidden
from proxy_app.http.responses import json_response
from proxy_app.http.schemas import (
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


@password.post("/password/reset")
@documented("password", request=UsernameRequest, response=PasswordResetResponse)
def reset_password() -> Any:
    """Start a password reset; the answer is the same whether the user exists or not."""
    data = load(UsernameRequest)
    migration = context.migration()
    try:
        # Migration may send the code itself (None), or name the user the store's row
        # names (`ALICE` typed, `alice` in the store).
        username = data["username"]
        target = username if migration is None else migration.prepare_reset(username)
        if target is not None:
            context.gateway().forgot_password(target)
    except CognitoRefused as error:
        if error.code not in _HIDDEN:
            raise
        log.info(
            "password reset not started",
            extra={"requestId": g.request_id, "cognitoError": error.code},
        )
    body = {"codeDeliveryDetails": None, "message": RESET_MESSAGE}
    return json_response(PasswordResetResponse, body)


@password.post("/password/confirm")
@documented("password", request=PasswordConfirmRequest, response=PasswordConfirmResponse)
def confirm_password() -> Any:
    """Set a new password with the code from /password/reset."""
    data = load(PasswordConfirmRequest)
    with account_state_hidden():
        context.gateway().confirm_forgot_password(
            data["username"], data["password"], data["confirmationCode"]
        )
    migration = context.migration()
    if migration is not None:
        # The account has a password of its own now: a legacy one never completes it.
        migration.reset_confirmed(data["username"])
    return json_response(PasswordConfirmResponse, {"passwordReset": True})
