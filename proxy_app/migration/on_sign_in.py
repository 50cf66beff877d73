"""Migration from a legacy user store, on sign-in and on password reset.

The policy, on top of the Cognito gateway and a legacy source:
- only a user Cognito does not have, or has without a usable password (created by a bulk
  import, or half-migrated), is ever migrated or given the legacy password; a confirmed
  user who typed a wrong password gets the usual refusal, so an old legacy password never
  reopens an account whose password was changed in Cognito;
- an account deleted through this service stays deleted;
- a legacy password the pool's policy refuses still creates the user, sends a reset code
  and answers PasswordResetRequired;
- a reset asked for before the first sign-in creates the user and sends the code.
Cognito sends reset codes only to users who have a password (ForgotPassword and
AdminResetUserPassword refuse FORCE_CHANGE_PASSWORD), so such a user first gets a random
password no one knows, then AdminResetUserPassword makes them RESET_REQUIRED (the legacy
password still completes the migration until they confirm the reset) and sends the code.
Nothing here knows HTTP: it raises domain errors, and the log line of each event carries
the request id it is given, never a password or hash.
"""

from __future__ import annotations

import logging
import secrets
import string
import threading
from collections.abc import Callable
from typing import Any

from proxy_app.cognito import CognitoGateway
from proxy_app.failures import CognitoRefused, CognitoUnavailable
from proxy_app.legacy import LegacyRefused, LegacySource, LegacyUnavailable, LegacyUser
from proxy_app.records import Records

log = logging.getLogger("proxy_app.migration")

# Cognito's answers to a password sign-in that may hide a user to migrate:
# UserNotFound, or NotAuthorized when the pool prevents user-existence errors (and for
# users without a usable password), PasswordResetRequired for RESET_REQUIRED users.
MIGRATABLE_REFUSALS = frozenset(
    {"UserNotFoundException", "NotAuthorizedException", "PasswordResetRequiredException"}
)
# Statuses of users that exist in Cognito but cannot sign in with a password of their own.
WITHOUT_PASSWORD = frozenset({"FORCE_CHANGE_PASSWORD", "RESET_REQUIRED"})


class Migration:
    """Migrate users from one legacy source into the gateway's pool."""

    def __init__(
        self,
        gateway: CognitoGateway,
        source: Callable[[], LegacySource],
        records: Records | None,
    ) -> None:
        self._gateway = gateway
        self._make_source = source
        self._built: LegacySource | None = None
        self._lock = threading.Lock()
        self._records = records

    @property
    def _source(self) -> LegacySource:
        # Built at first use, not at start-up: the cold start does not pay for SQLAlchemy
        # and the driver until a user needs migrating.
        if self._built is None:
            with self._lock:
                if self._built is None:
                    self._built = self._make_source()
        return self._built

    def sign_in(self, username: str, password: str) -> dict[str, Any]:
        """Sign in; when Cognito refuses a user it lacks, migrate them and sign in again."""
        try:
            return self._gateway.sign_in(username, password)
        except CognitoRefused as refusal:
            if refusal.code not in MIGRATABLE_REFUSALS:
                raise
            self._migrate_with_password(username, password, refusal)
        return self._gateway.sign_in(username, password)

    def prepare_reset(self, username: str) -> bool:
        """Before a password reset: create a legacy-only user in Cognito and send them a
        reset code. True when the code was sent here (no ForgotPassword is then needed)."""
        if self._cognito_status(username) is not None or self._deleted(username):
            return False
        legacy = self._ask_source(lambda: self._source.find(username))
        if legacy is None:
            return False
        self._create(legacy)
        self._event("created", reason="password-reset")
        self._require_reset(username)
        return True

    def _require_reset(self, username: str) -> None:
        """Make a user without a password RESET_REQUIRED and have Cognito send the code; if
        Cognito cannot send one (no verified email or phone), leave the user without a
        password again, so that the legacy password can still complete the migration."""
        self._gateway.admin_set_user_password(username, _unguessable_password(), permanent=True)
        try:
            self._gateway.admin_reset_user_password(username)
        except CognitoRefused:
            self._gateway.admin_set_user_password(
                username, _unguessable_password(), permanent=False
            )
            raise

    def _migrate_with_password(self, username: str, password: str, refusal: CognitoRefused) -> None:
        status = self._cognito_status(username)
        if status is not None and status not in WITHOUT_PASSWORD:
            raise refusal  # a Cognito user with a password of their own: a wrong password
        if self._deleted(username):
            self._event("refused", reason="deleted-through-this-service")
            raise refusal
        legacy = self._ask_source(lambda: self._source.authenticate(username, password))
        if legacy is None:
            self._event("refused", reason="not-verified-by-legacy-store")
            raise refusal
        if status is None:
            self._create(legacy)
            self._event("created")
        try:
            self._gateway.admin_set_user_password(username, password, permanent=True)
        except CognitoRefused as error:
            if error.code != "InvalidPasswordException":
                raise
            self._require_reset(username)
            self._event("password-refused-by-policy")
            raise CognitoRefused("PasswordResetRequiredException") from None
        self._event("completed")

    def _create(self, legacy: LegacyUser) -> None:
        """Create the user with the legacy attributes and no message; a race is no error."""
        try:
            self._gateway.admin_create_user(legacy.username, legacy.attributes)
        except CognitoRefused as error:
            # Another request migrated the same user a moment ago: carry on with theirs.
            if error.code != "UsernameExistsException":
                raise

    def _ask_source(self, lookup: Callable[[], LegacyUser | None]) -> LegacyUser | None:
        """Ask the legacy store; an ambiguous answer is no user, an outage is a 503."""
        try:
            return lookup()
        except LegacyRefused:
            self._event("refused", reason="legacy-store-refused")
            return None
        except LegacyUnavailable:
            raise CognitoUnavailable("LegacyStoreUnavailable") from None

    def _cognito_status(self, username: str) -> str | None:
        try:
            user = self._gateway.admin_get_user(username)
        except CognitoRefused as error:
            if error.code == "UserNotFoundException":
                return None
            raise
        return str(user.get("UserStatus") or "UNKNOWN")

    def _deleted(self, username: str) -> bool:
        return self._records is not None and self._records.is_deleted(username)

    def _event(self, event: str, **extra: str) -> None:
        # The username stays out, like every request field; the request id finds it.
        log.info(
            "migration",
            extra={"event": event, **extra},
        )


def _unguessable_password() -> str:
    """A password no one knows that meets any pool's policy: upper, lower, digit and
    symbol, 98 characters (a pool's minimum length is at most 99; moto refuses 99 and more)."""
    symbols = "^$*.[]{}()?-!@#%&/,><:;|_~+="
    groups = (string.ascii_uppercase, string.ascii_lowercase, string.digits, symbols)
    alphabet = "".join(groups)
    required = [secrets.choice(group) for group in groups]
    return "".join(required + [secrets.choice(alphabet) for _ in range(94)])
