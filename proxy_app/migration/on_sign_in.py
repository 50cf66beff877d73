"""Migration from a legacy user store in the proxy itself: on sign-in and on password reset.

Who may be created, completed or kept deleted is the policy's (`policy.py`); this module
runs the Cognito calls in order:
- sign-in: when Cognito refuses a password sign-in, the legacy store checks the password;
  its row names the user, who is created (or completed, if migration created them and no
  password was set since) with that password, and signed in, in the same request;
- a legacy password the pool's policy refuses still creates the user, sends a reset code
  and answers PasswordResetRequired;
- reset: a legacy user who never signed in is created and sent a reset code.
Cognito sends reset codes only to users who have a password (ForgotPassword and
AdminResetUserPassword refuse FORCE_CHANGE_PASSWORD), so such a user first gets a random
password no one knows, then AdminResetUserPassword makes them RESET_REQUIRED and sends the
code; until they confirm it, the legacy password still completes the migration.
An UNCONFIRMED Cognito account of a legacy user's name (a sign-up whose email was never
proved) gives way to the legacy owner.
Nothing here knows HTTP: it raises domain errors, and the log line of each event carries
the request id, never a username, password or hash.
"""

from __future__ import annotations

import logging
import secrets
import string
import threading
from collections.abc import Callable

from proxy_app.aws.cognito import CognitoGateway
from proxy_app.core.errors import CognitoRefused, LegacyStoreUnavailable
from proxy_app.core.models import SignInResult
from proxy_app.legacy import LegacyRefused, LegacySource, LegacyUnavailable, LegacyUser
from proxy_app.migration.policy import MigrationPolicy

log = logging.getLogger("proxy_app.migration")

# Cognito's answers to a password sign-in that may hide a user to migrate:
# UserNotFound, or NotAuthorized when the pool prevents user-existence errors (and for
# users without a usable password), PasswordResetRequired for RESET_REQUIRED users,
# UserNotConfirmed for an unconfirmed sign-up of a legacy user's name.
MIGRATABLE_REFUSALS = frozenset(
    {
        "UserNotFoundException",
        "NotAuthorizedException",
        "PasswordResetRequiredException",
        "UserNotConfirmedException",
    }
)
UNCONFIRMED = "UNCONFIRMED"


class Migration:
    """Migrate users from one legacy source into the gateway's pool, as the policy allows."""

    def __init__(
        self,
        gateway: CognitoGateway,
        source: Callable[[], LegacySource],
        policy: MigrationPolicy,
    ) -> None:
        self._gateway = gateway
        self._make_source = source
        self._built: LegacySource | None = None
        self._lock = threading.Lock()
        self.policy = policy

    @property
    def _source(self) -> LegacySource:
        # Built at first use, not at start-up: the cold start does not pay for SQLAlchemy
        # and the driver until a user needs migrating.
        if self._built is None:
            with self._lock:
                if self._built is None:
                    self._built = self._make_source()
        return self._built

    def sign_in(self, username: str, password: str) -> SignInResult:
        """Sign in; when Cognito refuses a user it lacks, migrate them and sign in again."""
        try:
            return self._gateway.sign_in(username, password)
        except CognitoRefused as refusal:
            if refusal.code not in MIGRATABLE_REFUSALS:
                raise
            canonical = self._migrate_with_password(username, password, refusal)
        return self._gateway.sign_in(canonical, password)

    def prepare_reset(self, username: str) -> str | None:
        """Before a password reset: the name ForgotPassword should use, or None when a
        code was sent here (a legacy user created now, or one waiting for a password)."""
        status = self._cognito_status(username)
        if status is not None and status != UNCONFIRMED:
            if status == "FORCE_CHANGE_PASSWORD" and self.policy.may_complete(username, status):
                return self._reset_sent(username)
            return username
        if self.policy.deleted(username):
            return username
        legacy = self._ask_source(lambda: self._source.find(username))
        if legacy is None:
            return username
        reason = self.policy.refusal(legacy)
        if reason is not None:
            self._event("refused", reason=reason)
            return username
        canonical = legacy.username
        if not self.policy.same_user(canonical, username):
            status = self._cognito_status(canonical)
        if status is None or status == UNCONFIRMED:
            self._create(legacy, replacing_unconfirmed=status == UNCONFIRMED)
            self._event("created", reason="password-reset")
            return self._reset_sent(canonical)
        if status == "FORCE_CHANGE_PASSWORD" and self.policy.may_complete(canonical, status):
            return self._reset_sent(canonical)
        return canonical

    def refuse_legacy_name(self, username: str) -> None:
        """Before a sign-up: a name the legacy store holds is taken (UsernameExists), so
        nobody signs up as a legacy user who has not migrated yet."""
        try:
            legacy = self._source.find(username)
        except LegacyRefused:
            # Two rows for the name: taken all the more.
            raise CognitoRefused("UsernameExistsException", "User already exists") from None
        except LegacyUnavailable:
            raise LegacyStoreUnavailable() from None
        if legacy is not None:
            raise CognitoRefused("UsernameExistsException", "User already exists")

    def reset_confirmed(self, username: str) -> None:
        """A reset was confirmed: the account has its own password; no legacy one completes
        it again."""
        self.policy.password_set(username)

    def _reset_sent(self, username: str) -> str | None:
        """Send the reset code of a user without a password; if Cognito cannot (no verified
        email or phone), ForgotPassword answers as Cognito does for such a user."""
        try:
            self._require_reset(username)
        except CognitoRefused:
            return username
        return None

    def _migrate_with_password(self, typed: str, password: str, refusal: CognitoRefused) -> str:
        """Migrate the user the legacy store finds for `typed` and `password`, or raise the
        refusal; answer the Cognito username to sign in with."""
        status = self._cognito_status(typed)
        if (
            status is not None
            and status != UNCONFIRMED
            and not self.policy.may_complete(typed, status)
        ):
            # A Cognito user with a password of their own (or invited, or reset by an
            # administrator): the refusal stands, and the legacy store is not asked.
            raise refusal
        if self.policy.deleted(typed):
            self._event("refused", reason="deleted-through-this-service")
            raise refusal
        legacy = self._ask_source(lambda: self._source.authenticate(typed, password))
        if legacy is None:
            self._event("refused", reason="not-verified-by-legacy-store")
            raise refusal
        reason = self.policy.refusal(legacy)
        if reason is not None:
            self._event("refused", reason=reason)
            raise refusal
        canonical = legacy.username
        if not self.policy.same_user(canonical, typed):
            status = self._cognito_status(canonical)
        if status is None or status == UNCONFIRMED:
            self._create(legacy, replacing_unconfirmed=status == UNCONFIRMED)
            self._event("created")
        elif not self.policy.may_complete(canonical, status):
            self._event("refused", reason="has-a-password-of-its-own")
            raise refusal
        try:
            self._gateway.admin_set_user_password(canonical, password, permanent=True)
        except CognitoRefused as error:
            if error.code != "InvalidPasswordException":
                raise
            self._require_reset(canonical)
            self._event("password-refused-by-policy")
            raise CognitoRefused("PasswordResetRequiredException") from None
        self.policy.password_set(canonical)
        self._event("completed")
        return canonical

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

    def _create(self, legacy: LegacyUser, *, replacing_unconfirmed: bool) -> None:
        """Create the user with the legacy attributes and no message, marked as migration's
        (first, so that a race between two first sign-ins finds the mark); an unconfirmed
        sign-up of the same name gives way."""
        if replacing_unconfirmed:
            self._gateway.delete_user(legacy.username)
            self._event("replaced-unconfirmed-sign-up")
        marked_now = self.policy.creating(legacy.username)
        try:
            self._gateway.admin_create_user(legacy.username, legacy.attributes)
        except CognitoRefused as error:
            if error.code != "UsernameExistsException":
                self.policy.not_created(legacy.username, marked_now=marked_now)
                raise
            # Another migration of the same user created it a moment ago (which of the two
            # marked it first is a matter of milliseconds): carry on with theirs. The name
            # was free when this request looked, just before.

    def _ask_source(self, lookup: Callable[[], LegacyUser | None]) -> LegacyUser | None:
        """Ask the legacy store; an ambiguous answer is no user, an outage or a broken
        store is a 503 that names the legacy store."""
        try:
            return lookup()
        except LegacyRefused:
            self._event("refused", reason="legacy-store-refused")
            return None
        except LegacyUnavailable:
            raise LegacyStoreUnavailable() from None

    def _cognito_status(self, username: str) -> str | None:
        try:
            user = self._gateway.admin_get_user(username)
        except CognitoRefused as error:
            if error.code == "UserNotFoundException":
                return None
            raise
        return user.status or "UNKNOWN"

    def _event(self, event: str, **extra: str) -> None:
        # The username stays out, like every request field; the request id finds it.
        log.info("migration", extra={"event": event, **extra})


def _unguessable_password() -> str:
    """A password no one knows that meets any pool's policy: upper, lower, digit and
    symbol, 98 characters (a pool's minimum length is at most 99; moto refuses 99 and more)."""
    symbols = "^$*.[]{}()?-!@#%&/,><:;|_~+="
    groups = (string.ascii_uppercase, string.ascii_lowercase, string.digits, symbols)
    alphabet = "".join(groups)
    required = [secrets.choice(group) for group in groups]
    return "".join(required + [secrets.choice(alphabet) for _ in range(94)])
