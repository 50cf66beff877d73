"""The codes the emulator "sends": six digits, printed on the console, kept per user and
purpose until they are used, replaced or expire (as long as Cognito keeps them)."""

from __future__ import annotations

import secrets
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum


class Purpose(Enum):
    """Why a code was sent, and how long Cognito honours it."""

    SIGNUP = "signup"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose, not a password
    ATTRIBUTE_VERIFICATION = "attribute_verification"

    @property
    def lifetime_seconds(self) -> int:
        """Cognito: sign-up and attribute codes last 24 hours, password reset codes 1 hour."""
        return 3600 if self is Purpose.PASSWORD_RESET else 24 * 3600

    def label(self, attribute: str | None) -> str:
        """What the console line calls the code."""
        if self is Purpose.SIGNUP:
            return "confirmation code"
        if self is Purpose.PASSWORD_RESET:
            return "password reset code"
        return f"{attribute or 'attribute'} verification code"


class CodeRefused(Exception):
    """A code that does not match (CodeMismatch) or has expired (ExpiredCode)."""

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
            "attribute": self.attribute,
            "code": self.code,
            "destination": self.destination,
            "sentAt": sent.replace("+00:00", "Z"),
        }


def print_to_console(line: str) -> None:
    """Print a code where the developer running local mode sees it (never a log record)."""
    print(line, file=sys.stderr, flush=True)


class CodeBook:
    """The codes sent and not yet used; a new code for the same user and purpose (and
    attribute) replaces the old one, as Cognito's does."""

    def __init__(
        self,
        *,
        accept_any: bool = False,
        clock: Callable[[], float] = time.time,
        announce: Callable[[str], None] = print_to_console,
    ) -> None:
        self.accept_any = accept_any
        self.clock = clock
        self.announce = announce
        self._lock = threading.Lock()
        self._codes: dict[tuple[str, Purpose, str | None], SentCode] = {}

    def send(
        self, username: str, purpose: Purpose, destination: str, attribute: str | None = None
    ) -> SentCode:
        """Make a new code, keep it and print it."""
        sent = SentCode(
            username=username,
            purpose=purpose,
            attribute=attribute,
            code=f"{secrets.randbelow(10**6):06d}",
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
        """Raise CodeRefused unless `code` is the one sent (any code with accept_any)."""
        if self.accept_any:
            return
        with self._lock:
            sent = self._codes.get((username, purpose, attribute))
        given = code.encode("utf-8", "surrogatepass")
        if sent is None or not secrets.compare_digest(sent.code.encode("ascii"), given):
            raise CodeRefused(
                "CodeMismatchException", "Invalid verification code provided, please try again."
            )
        if self.clock() >= sent.expires_at:
            raise CodeRefused(
                "ExpiredCodeException", "Invalid code provided, please request a code again."
            )

    def discard(self, username: str, purpose: Purpose, attribute: str | None = None) -> None:
        """Forget a code once it has been used."""
        with self._lock:
            self._codes.pop((username, purpose, attribute), None)

    def valid(self, username: str | None = None) -> list[SentCode]:
        """The codes still valid (of one user, or of all), newest first."""
        now = self.clock()
        with self._lock:
            codes = [
                sent
                for sent in reversed(self._codes.values())
                if sent.expires_at > now and (username is None or sent.username == username)
            ]
        # A stable sort: codes sent at the same instant stay newest first.
        return sorted(codes, key=lambda sent: sent.sent_at, reverse=True)
