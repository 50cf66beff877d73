"""The codes the emulator "sends": six digits, printed on the console, kept per user and
purpose until they are used, replaced or expire (as long as Cognito keeps them)."""

from __future__ import annotations

import base64
import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum


class Purpose(Enum):
    """Why a code was sent, and how long Cognito honours it."""

    SIGNUP = "signup"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose, not a password
    ATTRIBUTE_VERIFICATION = "attribute_verification"
    AUTHENTICATOR = "authenticator"
    SMS_MFA = "sms_mfa"
    TEMPORARY_PASSWORD = "temporary_password"  # noqa: S105 - a purpose, not a password

    @property
    def lifetime_seconds(self) -> int:
        """Cognito: sign-up and attribute codes last 24 hours, password reset codes 1 hour,
        an SMS sign-in code as long as its session (3 minutes by default), a temporary
        password TemporaryPasswordValidityDays (7 by default)."""
        if self is Purpose.PASSWORD_RESET:
            return 3600
        if self is Purpose.SMS_MFA:
            return 180
        if self is Purpose.TEMPORARY_PASSWORD:
            return 7 * 24 * 3600
        return 24 * 3600

    def label(self, attribute: str | None) -> str:
        """What the console line calls the code."""
        if self is Purpose.SIGNUP:
            return "confirmation code"
        if self is Purpose.PASSWORD_RESET:
            return "password reset code"
        if self is Purpose.SMS_MFA:
            return "SMS sign-in code"
        if self is Purpose.AUTHENTICATOR:
            return "authenticator code"
        if self is Purpose.TEMPORARY_PASSWORD:
            return "temporary password"
        return f"{attribute or 'attribute'} verification code"

    def used_for(self, attribute: str | None) -> str:
        """What the code is for, and the route that takes it (GET /local/codes' `for`)."""
        if self is Purpose.SIGNUP:
            return "sign-up confirmation: POST /confirmsignup"
        if self is Purpose.PASSWORD_RESET:
            return "password reset: POST /password/confirm"
        if self is Purpose.SMS_MFA:
            return "SMS MFA at sign-in: POST /admin/challenge (SMS_MFA)"
        if self is Purpose.AUTHENTICATOR:
            return "authenticator app (TOTP) code: the app computes it, nothing is sent"
        if self is Purpose.TEMPORARY_PASSWORD:
            return (
                "temporary password of an invitation: POST /admin/signin with it, then "
                "choose a new password (NEW_PASSWORD_REQUIRED)"
            )
        return f"{attribute or 'attribute'} verification: POST /user/attribute/verify"


# Cognito refuses a code after repeated wrong ones (LimitExceededException, "Attempt limit
# exceeded, please try after some time."); it documents neither the count nor the wait.
# The emulator allows WRONG_CODE_LIMIT wrong codes per user and purpose, then refuses every
# code for LOCKOUT_SECONDS after the last wrong one; a new code does not lift it.
WRONG_CODE_LIMIT = 5
LOCKOUT_SECONDS = 15 * 60


class CodeRefused(Exception):
    """A code that does not match (CodeMismatch), has expired (ExpiredCode), or comes
    after too many wrong ones (LimitExceeded)."""

    def __init__(self, cognito_code: str, message: str) -> None:
        super().__init__(message)
        self.cognito_code = cognito_code


@dataclass(frozen=True)
class SentCode:
    """One code as the emulator sent it."""

    username: str
    purpose: Purpose
    attribute: str | None
    code: str
    destination: str
    sent_at: float

    @property
    def expires_at(self) -> float:
        return self.sent_at + self.purpose.lifetime_seconds

    def as_json(self) -> dict[str, str | None]:
        """The form GET /local/codes answers."""
        sent = datetime.fromtimestamp(self.sent_at, UTC).isoformat(timespec="seconds")
        return {
            "username": self.username,
            "purpose": self.purpose.value,
            "for": self.purpose.used_for(self.attribute),
            "attribute": self.attribute,
            "code": self.code,
            "destination": self.destination,
            "sentAt": sent.replace("+00:00", "Z"),
        }


def print_to_console(line: str) -> None:
    """Print a code where the developer running local mode sees it (never a log record)."""
    print(line, file=sys.stderr, flush=True)


class CodeBook:
    """What the emulator remembers beyond moto: the codes sent and not yet used (a new
    code for the same user and purpose, and attribute, replaces the old one, as Cognito's
    does), wrong codes tried, authenticator secrets, challenge sessions' lifetimes and
    sign-in times."""

    def __init__(
        self,
        *,
        accept_any: bool = False,
        accept_any_authenticator: bool | None = None,
        clock: Callable[[], float] = time.time,
        announce: Callable[[str], None] = print_to_console,
        names_of: Callable[[str], Iterable[str]] = lambda username: (),
    ) -> None:
        self.accept_any = accept_any
        # Authenticator (TOTP) codes are computed from the user's secret, not sent, so a
        # test that accepts any sent code may still want them checked.
        self.accept_any_authenticator = (
            accept_any if accept_any_authenticator is None else accept_any_authenticator
        )
        # The other names a user signs in by (an email, where the username is an id), so
        # that the codes of a user can be listed by any of them.
        self.names_of = names_of
        self.clock = clock
        self.announce = announce
        self._lock = threading.Lock()
        self._codes: dict[tuple[str, Purpose, str | None], SentCode] = {}
        self._wrong: dict[tuple[str, Purpose], list[float]] = {}
        self._secrets: dict[tuple[str, str], str] = {}
        self._pending_secrets: dict[tuple[str, str], str] = {}
        self._sessions: dict[str, float] = {}
        self._session_minutes: dict[str, int] = {}
        self._sign_ins: dict[str, tuple[int, str]] = {}

    def send(
        self,
        username: str,
        purpose: Purpose,
        destination: str,
        attribute: str | None = None,
        *,
        code: str | None = None,
    ) -> SentCode:
        """Make a new code (or send the one given), keep it and print it."""
        sent = SentCode(
            username=username,
            purpose=purpose,
            attribute=attribute,
            code=code if code is not None else f"{secrets.randbelow(10**6):06d}",
            destination=destination,
            sent_at=self.clock(),
        )
        with self._lock:
            # Popped first, so that the dict's order is the order of sending.
            self._codes.pop((username, purpose, attribute), None)
            self._codes[username, purpose, attribute] = sent
        self.announce(f"{purpose.label(attribute)} for {username}: {sent.code}")
        return sent

    def check(
        self, username: str, purpose: Purpose, code: str, attribute: str | None = None
    ) -> None:
        """Raise CodeRefused unless `code` is the one sent (any code with accept_any); a
        wrong code is counted (see refuse_if_locked)."""
        if self.accept_any:
            return
        with self._lock:
            sent = self._codes.get((username, purpose, attribute))
        given = code.encode("utf-8", "surrogatepass")
        if sent is None or not secrets.compare_digest(sent.code.encode("utf-8"), given):
            self.count_wrong(username, purpose)
            raise CodeRefused(
                "CodeMismatchException", "Invalid verification code provided, please try again."
            )
        if self.clock() >= sent.expires_at:
            raise CodeRefused(
                "ExpiredCodeException", "Invalid code provided, please request a code again."
            )

    def discard(self, username: str, purpose: Purpose, attribute: str | None = None) -> None:
        """Forget a code once it has been used (and the wrong ones tried before it)."""
        with self._lock:
            self._codes.pop((username, purpose, attribute), None)
            self._wrong.pop((username, purpose), None)

    def count_wrong(self, username: str, purpose: Purpose) -> None:
        """Remember one wrong code (or wrong authenticator code) for the user."""
        with self._lock:
            self._wrong.setdefault((username, purpose), []).append(self.clock())

    def refuse_if_locked(self, username: str, purpose: Purpose) -> None:
        """Raise LimitExceeded after WRONG_CODE_LIMIT wrong codes, until LOCKOUT_SECONDS
        have passed since the last."""
        now = self.clock()
        with self._lock:
            wrong = [
                t for t in self._wrong.get((username, purpose), []) if now - t < LOCKOUT_SECONDS
            ]
            self._wrong[username, purpose] = wrong
        if len(wrong) >= WRONG_CODE_LIMIT:
            raise CodeRefused(
                "LimitExceededException", "Attempt limit exceeded, please try after some time."
            )

    # --- Authenticator (TOTP) secrets -------------------------------------------------

    def new_authenticator_secret(self, pool_id: str, username: str) -> str:
        """A new secret for the user, as AssociateSoftwareToken hands out: 32 base32
        characters (160 random bits). It replaces the user's secret once verified."""
        secret = base64.b32encode(secrets.token_bytes(20)).decode("ascii")
        with self._lock:
            self._pending_secrets[pool_id, username] = secret
        return secret

    def pending_authenticator_secret(self, pool_id: str, username: str) -> str | None:
        with self._lock:
            return self._pending_secrets.get((pool_id, username))

    def activate_authenticator_secret(self, pool_id: str, username: str) -> None:
        """The pending secret, once verified, becomes the one sign-in codes are checked by."""
        with self._lock:
            secret = self._pending_secrets.pop((pool_id, username), None)
            if secret is not None:
                self._secrets[pool_id, username] = secret

    def authenticator_secret(self, pool_id: str, username: str) -> str | None:
        with self._lock:
            return self._secrets.get((pool_id, username))

    # --- Challenge sessions and sign-in times --------------------------------------------

    def remember_session(self, session: str, validity_minutes: int) -> None:
        """A challenge session handed out now, valid for `validity_minutes`."""
        with self._lock:
            self._sessions[session] = self.clock() + 60 * validity_minutes
            self._session_minutes[session] = validity_minutes

    def session_validity(self, session: str) -> int | None:
        """The minutes a known session was valid for (None if not handed out here)."""
        with self._lock:
            expires = self._session_minutes.get(session)
        return expires

    def session_expired(self, session: str) -> bool:
        """True when a session handed out here is past its validity."""
        with self._lock:
            expires = self._sessions.get(session)
        return expires is not None and self.clock() >= expires

    def remember_sign_in(self, origin_jti: str, auth_time: int, event_id: str) -> None:
        """When a sign-in (whose tokens carry `origin_jti`) happened."""
        with self._lock:
            self._sign_ins[origin_jti] = (auth_time, event_id)

    def sign_in_of(self, origin_jti: str) -> tuple[int, str] | None:
        with self._lock:
            return self._sign_ins.get(origin_jti)

    def valid(self, username: str | None = None) -> list[SentCode]:
        """The codes still valid (of one user, or of all), newest first."""
        now = self.clock()
        with self._lock:
            codes = [
                sent
                for sent in reversed(self._codes.values())
                if sent.expires_at > now and (username is None or self._named(sent, username))
            ]
        # A stable sort: codes sent at the same instant stay newest first.
        return sorted(codes, key=lambda sent: sent.sent_at, reverse=True)

    def _named(self, sent: SentCode, name: str) -> bool:
        """Whether `name` is the username the code was sent to, or another of its names."""
        if sent.username == name:
            return True
        folded = name.casefold()
        return any(other.casefold() == folded for other in self.names_of(sent.username))
