"""An authenticator app's codes (TOTP), for the emulator's and moto's secrets."""

from __future__ import annotations

import base64
import time

import pyotp

TOTP_STEP = 30


class _Authenticator(pyotp.TOTP):
    """pyotp's TOTP, also for moto's fixed secret: 60 bits, under pyotp's 112-bit floor
    (Cognito's real secrets are 160 bits)."""

    def byte_secret(self) -> bytes:
        padded = self.secret + "=" * (-len(self.secret) % 8)
        return base64.b32decode(padded, casefold=True)


def fresh_code(secret: str) -> str:
    """The code an authenticator app shows now, not one about to expire.

    moto accepts only the current 30-second step (no window either side), so a code made
    in a step's last moments could be refused by the time it arrives.
    """
    if TOTP_STEP - time.time() % TOTP_STEP < 2:
        time.sleep(2.5)
    return _Authenticator(secret).now()


def wrong_code(secret: str) -> str:
    """A 6-digit code that is certainly not the current one."""
    return f"{(int(fresh_code(secret)) + 1) % 1_000_000:06d}"
