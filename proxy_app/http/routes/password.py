"""Password reset routes."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, g

from proxy_app.core.errors import CognitoRefused
from proxy_app.http import context
from proxy_app.http.endpoint import endpoint
from proxy_app.http.problems import account_state_hidden
from proxy_app.http.schemas.auth import UsernameRequest
from proxy_app.http.schemas.password import (
    PasswordConfirmRequest,
    PasswordConfirmResponse,
    PasswordResetResponse,
)

log = logging.getLogger("proxy_app.password")
password = Blueprint("password", __name__)

RESET_MESSAGE = "If the account exists, a confirmation code has been sent to it."
# Cognito answers these only for accounts that exist but cannot be reset; answering
# them differently from success would tell a caller which usernames exist.
_HIDDEN = {"UserNotFoundException", "InvalidParameterException", "NotAuthorizedException"}


@password.post("/password/reset")
@endpoint("password", request=UsernameRequest, response=PasswordResetResponse)
def reset_password(data: dict[str, Any]) -> dict[str, Any]:
    """Start a password reset; the answer is the same whether the user exists or not."""
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
    return {"codeDeliveryDetails": None, "message": RESET_MESSAGE}


@password.post("/password/confirm")
@endpoint("password", request=PasswordConfirmRequest, response=PasswordConfirmResponse)
def confirm_password(data: dict[str, Any]) -> dict[str, Any]:
    """Set a new password with the code from /password/reset."""
    with account_state_hidden():
        context.gateway().confirm_forgot_password(
            data["username"], data["password"], data["confirmationCode"]
        )
    migration = context.migration()
    if migration is not None:
        # The account has a password of its own now: a legacy one never completes it.
        migration.reset_confirmed(data["username"])
    return {"passwordReset": True}
