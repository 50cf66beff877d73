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
from collections.abc import Callable
from typing import Any, TypeVar

from proxy_app.config import Config, ConfigError
from proxy_app.core.errors import CognitoUnavailable
from proxy_app.legacy import LegacyError, LegacySource, LegacyUnavailable, legacy_source
from proxy_app.migration.policy import MigrationPolicy
from proxy_app.services import service_table

log = logging.getLogger("proxy_app.triggers")
T = TypeVar("T")

SIGN_IN = "UserMigration_Authentication"
RESET = "UserMigration_ForgotPassword"
# Cognito waits 5 s for the trigger. A SQL lookup on a cold container waits for the
# connection (PostgreSQL's driver: at least 2 s), then the statement; the hash check
# comes on top.
MAX_TIMEOUT_SECONDS = 1.5
DENIED = "Incorrect username or password."

_source: LegacySource | None = None
_source_lock = threading.Lock()
_policies: dict[tuple[str | None, str | None], MigrationPolicy] = {}


class MigrationDenied(Exception):
    """Cognito must not migrate the user (unknown, wrong password, or refused)."""


class MigrationUnavailable(Exception):
    """The legacy store could not answer in time; the sign-in fails and may be retried."""


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answer a User Migration event; return any other trigger's event unchanged."""
    trigger = event.get("triggerSource")
    if trigger not in (SIGN_IN, RESET):
        return event
    username = event.get("userName")
    request = event.get("request")
    response = event.get("response")
    password = request.get("password") if isinstance(request, dict) else None
    if (
        not isinstance(username, str)
        or not isinstance(request, dict)
        or not isinstance(response, dict)
        or (trigger == SIGN_IN and not isinstance(password, str))
    ):
        log.error("malformed migration event", extra={"triggerSource": trigger})
        raise MigrationDenied(DENIED)
    source = _legacy_source()
    policy = _policy()
    if _asked(lambda: policy.deleted(username)):
        log.info("migration denied: deleted through this service", extra={"triggerSource": trigger})
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
    # Cognito creates the user under the name it was given: only the row's own name, so
    # that `HENRY`, `hénry` or an email never become a second account of henry's.
    reason = "names-another-user" if user.username != username else None
    reason = reason or _asked(lambda: policy.refusal(user))
    if reason is not None:
        log.info("migration denied", extra={"triggerSource": trigger, "reason": reason})
        raise MigrationDenied(DENIED)
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


def _policy() -> MigrationPolicy:
    """The migration policy, over the service's table when the trigger is given one
    (REVOCATION_TABLE); the pool's naming is not read, so names are checked in every form.
    Built once per Lambda container and per table."""
    config = Config.service_table_from_env(os.environ)
    key = (config.records_table, config.dynamodb_endpoint_url)
    with _source_lock:
        cached = _policies.get(key)
        if cached is None:
            cached = _policies[key] = MigrationPolicy(service_table(config))
        return cached


def _asked(question: Callable[[], T]) -> T:
    """Ask the policy; a table that cannot answer fails the sign-in (it may be retried)."""
    try:
        return question()
    except CognitoUnavailable:
        raise MigrationUnavailable("The service's table is unavailable.") from None


def _legacy_source() -> LegacySource:
    # Built at the first event, once per Lambda container, so pooled connections last.
    global _source
    with _source_lock:
        if _source is None:
            config = Config.legacy_from_env(os.environ)
            if config.legacy_timeout_seconds > MAX_TIMEOUT_SECONDS:
                # The proxy's configuration works here too: the wait is shortened.
                log.warning(
                    "LEGACY_TIMEOUT_SECONDS shortened to %g s in the migration trigger "
                    "(Cognito waits 5 s for it)",
                    MAX_TIMEOUT_SECONDS,
                )
                config = config.replace(legacy_timeout_seconds=MAX_TIMEOUT_SECONDS)
            source = legacy_source(config)
            if source is None:
                raise ConfigError(
                    "LEGACY_DATABASE_URL", "the migration trigger needs it or LEGACY_AUTH_URL"
                )
            logging.getLogger("proxy_app").setLevel(config.log_level)
            _source = source
        return _source
