"""AWS Lambda handler for Cognito's User Migration trigger, on the legacy user sources.

Cognito calls it for a user the pool lacks: at a password sign-in
(`UserMigration_Authentication`) and at ForgotPassword (`UserMigration_ForgotPassword`).
Answering the event migrates the user; raising denies, with one message for an unknown
user and a wrong password. Needs only the LEGACY_* settings, no app client.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from proxy_app.config import Config, ConfigError
from proxy_app.legacy import LegacyError, LegacySource, LegacyUnavailable, legacy_source

log = logging.getLogger("proxy_app.triggers")

SIGN_IN = "UserMigration_Authentication"
RESET = "UserMigration_ForgotPassword"
# Cognito waits 5 s for the trigger. A SQL lookup on a cold container waits for the
# connection (PostgreSQL's driver: at least 2 s), then the statement; the hash check
# comes on top.
MAX_TIMEOUT_SECONDS = 1.5
DENIED = "Incorrect username or password."

_source: LegacySource | None = None
_source_lock = threading.Lock()


class MigrationDenied(Exception):
    """Cognito must not migrate the user (unknown, wrong password, or refused)."""


class MigrationUnavailable(Exception):
    """The legacy store could not answer in time; the sign-in fails and may be retried."""


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer a User Migration event; return any other trigger's event unchanged."""
    trigger = event.get("triggerSource")
    if trigger not in (SIGN_IN, RESET):
        return event
    source = _legacy_source()
    username = event.get("userName")
    request = event.get("request") or {}
    password = request.get("password")
    if not isinstance(username, str) or (trigger == SIGN_IN and not isinstance(password, str)):
        log.error("malformed migration event", extra={"triggerSource": trigger})
        raise MigrationDenied(DENIED)
    try:
        if isinstance(password, str) and trigger == SIGN_IN:
            user = source.authenticate(username, password)
        else:
            user = source.find(username)
    except LegacyUnavailable:
        log.warning("migration failed: legacy store unavailable", extra={"triggerSource": trigger})
        raise MigrationUnavailable("The legacy user store is unavailable.") from None
    except LegacyError:
        # Logged by the source (two rows, a malformed answer); never a guess.
        raise MigrationDenied(DENIED) from None
    if user is None:
        log.info("migration denied", extra={"triggerSource": trigger})
        raise MigrationDenied(DENIED)
    response = event.get("response") or {}
    response["userAttributes"] = dict(user.attributes)
    # The user already has an account elsewhere: no welcome message from Cognito.
    response["messageAction"] = "SUPPRESS"
    if trigger == SIGN_IN:
        # The password just checked becomes the Cognito password.
        response["finalUserStatus"] = "CONFIRMED"
    event["response"] = response
    log.info(
        "user migrated",
        extra={"triggerSource": trigger, "attributes": sorted(user.attributes)},
    )
    return event


def _legacy_source() -> LegacySource:
    # Built at the first event, once per Lambda container, so pooled connections last.
    global _source
    with _source_lock:
        if _source is None:
            config = Config.legacy_from_env(os.environ)
            if config.legacy_timeout_seconds > MAX_TIMEOUT_SECONDS:
                raise ConfigError(
                    "LEGACY_TIMEOUT_SECONDS",
                    f"at most {MAX_TIMEOUT_SECONDS:g} in the migration trigger "
                    "(Cognito waits 5 s for it)",
                )
            source = legacy_source(config)
            if source is None:
                raise ConfigError(
                    "LEGACY_DATABASE_URL", "the migration trigger needs it or LEGACY_AUTH_URL"
                )
            logging.getLogger("proxy_app").setLevel(config.log_level)
            _source = source
        return _source
