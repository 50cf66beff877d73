"""Legacy user stores that users migrate from: the shared interface and its factory.

Nothing here imports SQLAlchemy, a database driver or libpass: `legacy_source()` imports
the one source the configuration names, so an app without `LEGACY_*` never loads them.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

from proxy_app.config import DEFAULT_WRITABLE_ATTRIBUTES, Config

log = logging.getLogger("proxy_app.legacy")

# Cognito's standard attributes (the profile ones users may set, plus those only an
# administrator sets); custom ones are `custom:` plus up to 20 name characters.
STANDARD_ATTRIBUTES = DEFAULT_WRITABLE_ATTRIBUTES | {
    "email_verified",
    "phone_number_verified",
    "updated_at",
}
_CUSTOM_ATTRIBUTE = re.compile(r"^custom:[A-Za-z0-9_-]{1,20}$")
_VERIFIED_FLAGS = frozenset({"email_verified", "phone_number_verified"})
MAX_ATTRIBUTE_VALUE = 2048  # Cognito's limit on one attribute value


@dataclass(frozen=True)
class LegacyUser:
    """A user of the legacy store, with the Cognito attributes it knows."""

    # The store's own name for the user (the query's `username` column), never the string
    # a caller typed: `ALICE`, `alicé` or an email may find the row of `alice`.
    username: str
    # Cognito attribute names -> string values ("true"/"false" for the *_verified flags).
    attributes: dict[str, str]
    # False when the store's hash can never verify (empty, `*`, `!` or `!`-prefixed: an
    # account locked in the legacy system); such a user never migrates.
    password_usable: bool = True
    # The store's optional `disabled` column: the Cognito user is created disabled.
    disabled: bool = False


class LegacyError(Exception):
    """The legacy store could not answer a lookup."""


class LegacyUnavailable(LegacyError):
    """The legacy store is unreachable, timed out, or failed (5xx)."""


class LegacyBroken(LegacyUnavailable):
    """The store or its query cannot work: a configuration to fix.

    A missing table or column, a syntax error, a corrupt database file, an app that breaks
    its contract: every lookup would fail alike, so this is an outage, never "no such user".
    """


class LegacyRefused(LegacyError):
    """The legacy store's answer for this one user is unusable (two rows for one name)."""


class LegacySource(Protocol):
    """Where users come from: a legacy SQL database or a legacy app's HTTP endpoint."""

    def authenticate(self, username: str, password: str) -> LegacyUser | None:
        """Return the user if the password verifies, else None (same cost either way)."""
        ...

    def find(self, username: str) -> LegacyUser | None:
        """Return the user's profile without a password check, None if unknown."""
        ...

    def iter_users(self) -> Iterator[LegacyUser]:
        """Yield every user of the store (bulk import)."""
        ...

    def count_users(self) -> int:
        """Count the users of the store."""
        ...


def legacy_source(config: Config) -> LegacySource | None:
    """Build the configured legacy source, or None when no LEGACY_* is set."""
    if config.legacy_database_url:
        from proxy_app.legacy.sql import SqlSource

        return SqlSource(config)
    if config.legacy_auth_url:
        from proxy_app.legacy.http import HttpSource

        return HttpSource(config)
    return None


# The causes this process has logged already (broken stores, flags not understood).
_MET: dict[tuple[str, ...], object] = {}
# How stores write yes and no (SQL booleans, MySQL's TINYINT and BIT, text columns).
_YES = frozenset({"1", "true", "yes", "t", "y", "on"})
_NO = frozenset({"0", "false", "no", "f", "n", "off", ""})


def broken(cause: str, fix: str, **details: str | None) -> LegacyBroken:
    """Log a broken store at ERROR, once per process and cause; return the error to raise.

    `cause` and `details` name classes and codes only (never a username, a password, a
    hash, or a driver's message, which can quote the username); `fix` says what to change.
    """
    if first_time(cause, *(f"{name}={value}" for name, value in sorted(details.items()))):
        log.error("%s: %s", cause, fix, extra=details)
    return LegacyBroken(f"{cause}: {fix}")


def first_time(*cause: str) -> bool:
    """True the first time this process meets a cause, False after."""
    # dict.setdefault is atomic: of two threads meeting a cause together, one logs it.
    marker = object()
    return _MET.setdefault(cause, marker) is marker


def legacy_flag(value: object, name: str) -> bool:
    """Read a store's yes/no value, such as its `disabled` column; absent (None) is no.

    True, non-zero numbers and "1", "true", "yes", "t", "y", "on" (any case) are yes;
    False, 0 and "0", "false", "no", "f", "n", "off", "" are no. Anything else counts as
    yes, logged once: for a `disabled` flag, a value not understood must not enable anyone.
    """
    if value is None:
        return False
    if isinstance(value, bytes | bytearray):
        value = int.from_bytes(value, "big")  # MySQL's BIT(1)
    if isinstance(value, int | float):
        return value != 0
    text = str(value).strip().lower()  # text, or a NUMERIC(1) column's Decimal
    if text in _YES:
        return True
    if text in _NO:
        return False
    if first_time("legacy flag not understood", name, type(value).__name__):
        # The type only: the value is the store's data.
        log.warning(
            "legacy flag not understood, counted as yes",
            extra={"flag": name, "type": type(value).__name__},
        )
    return True


def cognito_attributes(values: Mapping[str, object], *, emails_verified: bool) -> dict[str, str]:
    """Keep the Cognito attributes among a source's values, as strings.

    Only standard and `custom:` names pass (never `sub` or `cognito:*`); booleans become
    "true"/"false"; empty values and values of other types are left out. An email the
    source does not call verified or unverified is verified when `emails_verified` is set.
    """
    attributes: dict[str, str] = {}
    dropped: list[str] = []
    for name, value in values.items():
        if name not in STANDARD_ATTRIBUTES and not _CUSTOM_ATTRIBUTE.match(name):
            continue
        text = _attribute_text(name, value)
        if text is None:
            if value is not None:
                dropped.append(name)
            continue
        attributes[name] = text
    if dropped:
        # Names only: the values are personal data.
        log.warning("legacy attributes dropped", extra={"attributes": sorted(dropped)})
    if emails_verified and "email" in attributes:
        attributes.setdefault("email_verified", "true")
    return attributes


def _attribute_text(name: str, value: object) -> str | None:
    if name in _VERIFIED_FLAGS:
        # Databases without a boolean type answer 0/1 (MySQL's TINYINT) or text.
        if isinstance(value, bool) or value in (0, 1):
            return "true" if value else "false"
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower()
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        text = value.isoformat()  # a DATE column, such as birthdate
    elif isinstance(value, str):
        text = value
    else:
        return None
    if not text or len(text) > MAX_ATTRIBUTE_VALUE:
        return None
    return text
