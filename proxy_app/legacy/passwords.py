"""Legacy password hashes, verified with libpass (imported as `passlib`).

The scheme is read from the hash itself. A hash of no known scheme, or a malformed one,
verifies nothing and costs a dummy verification, exactly like a wrong password. A dummy
verification checks the password against a real hash of the store's, seen recently: an
unknown user then costs what a known one of the store's usual scheme and cost does.
"""

from __future__ import annotations

import logging
import threading
from typing import TypeGuard

from passlib.context import CryptContext

log = logging.getLogger("proxy_app.legacy")

# Most specific first; every scheme here has a prefix of its own, so none can claim
# another's hash (prefix-less hex digests are left out on purpose). The first is the
# one `dummy_verify` costs: bcrypt, the most common legacy hash.
SCHEMES = (
    "bcrypt",
    "bcrypt_sha256",
    "argon2",
    "scrypt",
    "pbkdf2_sha256",
    "pbkdf2_sha512",
    "pbkdf2_sha1",
    "django_pbkdf2_sha256",
    "django_pbkdf2_sha1",
    "django_bcrypt_sha256",
    "django_bcrypt",
    "django_argon2",
    "sha512_crypt",
    "sha256_crypt",
    "md5_crypt",
    "phpass",
    "ldap_salted_sha512",
    "ldap_salted_sha256",
    "ldap_salted_sha1",
    "ldap_salted_md5",
)
# bcrypt reads at most 72 bytes of a password; PHP, Ruby and older Python libraries
# silently ignored the rest, while the bcrypt package (5.x) refuses longer input.
_BCRYPT_LIMITED = frozenset({"bcrypt", "django_bcrypt"})
_BCRYPT_MAX_BYTES = 72
# The scheme markers a hash of no known scheme may be logged by: common ones libpass does
# not verify (Drupal 7, WordPress 6.8, yescrypt, Django's and Werkzeug's others, LDAP's),
# and those of schemes it does, for a hash it cannot identify. Nothing else of a hash is
# ever logged: in a careless store, `{Hunter2pass}` or `summer2024$secret$x` may be a
# plaintext password that only looks like a scheme.
SCHEME_MARKERS = (
    "$S$",
    "$wp$",
    "$y$",
    "$gy$",
    "$7$",
    "$2a$",
    "$2b$",
    "$2x$",
    "$2y$",
    "$1$",
    "$5$",
    "$6$",
    "$P$",
    "$H$",
    "$apr1$",
    "$md5$",
    "$sha1$",
    "$argon2i$",
    "$argon2d$",
    "$argon2id$",
    "$scrypt$",
    "$pbkdf2$",
    "$pbkdf2-sha1$",
    "$pbkdf2-sha256$",
    "$pbkdf2-sha512$",
    "$bcrypt-sha256$",
    "{SHA}",
    "{SSHA}",
    "{SHA256}",
    "{SSHA256}",
    "{SHA512}",
    "{SSHA512}",
    "{MD5}",
    "{SMD5}",
    "{CRYPT}",
    "{BLF-CRYPT}",
    "{SHA256-CRYPT}",
    "{SHA512-CRYPT}",
    "{PBKDF2}",
    "{ARGON2ID}",
    "{PLAIN}",
    "{CLEARTEXT}",
    "md5$",
    "sha1$",
    "unsalted_md5$",
    "unsalted_sha1$",
    "crypt$",
    "scrypt$",
    "argon2$",
    "bcrypt$",
    "bcrypt_sha256$",
    "pbkdf2_sha1$",
    "pbkdf2_sha256$",
    "pbkdf2:sha1:",
    "pbkdf2:sha256:",
    "pbkdf2:sha512:",
    "scrypt:",
)
UNKNOWN_MARKER = "unknown"


class PasswordHashes:
    """Verify passwords against legacy hashes of the schemes libpass knows."""

    def __init__(self) -> None:
        self._context = CryptContext(schemes=list(SCHEMES))
        # One well-formed hash of the store's, the last one verified or looked at (never
        # logged): what a dummy verification costs. Shared by every thread of a source.
        self._lock = threading.Lock()
        self._reference: tuple[str, str] | None = None  # (scheme, hash)

    def scheme(self, password_hash: str) -> str | None:
        """Name the scheme of a hash, or None for a hash of no known scheme."""
        identified = self._context.identify(password_hash)
        return None if identified is None else str(identified)

    def verify(self, password: str, password_hash: str) -> bool:
        """True if the password matches the hash; False otherwise, at a comparable cost."""
        scheme = self.scheme(password_hash)
        if scheme is None:
            log.warning("unknown hash scheme", extra={"schemePrefix": scheme_marker(password_hash)})
            self.dummy_verify(password)
            return False
        try:
            matched = bool(self._context.verify(_secret(scheme, password), password_hash))
        except (ValueError, TypeError):
            log.warning("malformed password hash", extra={"scheme": scheme})
            self.dummy_verify(password)
            return False
        self._keep(scheme, password_hash)
        return matched

    def remember(self, password_hash: str) -> None:
        """Let a hash the store answered (a lookup without a password) set the dummy's cost.

        Hashes of no known scheme, and malformed ones, are ignored.
        """
        scheme = self.scheme(password_hash)
        if scheme is not None and self._well_formed(scheme, password_hash):
            self._keep(scheme, password_hash)

    def dummy_verify(self, password: str) -> None:
        """Spend the time of one verification, so an unknown user is not told apart.

        The password is checked against the remembered hash and the answer discarded;
        before any hash was seen, against libpass's own dummy (a default-cost bcrypt).
        """
        with self._lock:
            reference = self._reference
        if reference is not None:
            scheme, password_hash = reference
            try:
                self._context.verify(_secret(scheme, password), password_hash)
                return
            except (ValueError, TypeError):
                with self._lock:
                    if self._reference == reference:
                        self._reference = None
        self._context.dummy_verify()

    def _keep(self, scheme: str, password_hash: str) -> None:
        with self._lock:
            self._reference = (scheme, password_hash)

    def _well_formed(self, scheme: str, password_hash: str) -> bool:
        # Parsing costs microseconds and catches what identify() lets through (a bcrypt
        # prefix on a truncated hash); a handler that cannot parse alone is trusted.
        parse = getattr(self._context.handler(scheme), "from_string", None)
        if parse is None:
            return True
        try:
            parsed = parse(password_hash)
        except (ValueError, TypeError):
            return False
        return bool(getattr(parsed, "checksum", True))


def usable_hash(password_hash: str | None) -> TypeGuard[str]:
    """False for a hash that can never verify: empty, `*`, `!` or `!`-prefixed.

    Those mark a locked account: Linux's shadow file (`!`, `!!`, `!` before the hash) and
    Django's unusable password (`!` and 40 random characters).
    """
    return password_hash not in (None, "", "*") and not password_hash.startswith("!")


def scheme_marker(password_hash: str) -> str:
    """The known scheme marker a hash starts with (`$S$`, `{SHA}`), else `unknown`.

    Only a marker of SCHEME_MARKERS, as written there, is ever returned: never a part of
    the hash itself.
    """
    for marker in SCHEME_MARKERS:
        # LDAP's markers are case-insensitive (`{sha}` is seen as often as `{SHA}`).
        start = password_hash[: len(marker)]
        if start == marker or (marker.startswith("{") and start.upper() == marker):
            return marker
    return UNKNOWN_MARKER


def _secret(scheme: str, password: str) -> bytes:
    secret = password.encode("utf-8")
    return secret[:_BCRYPT_MAX_BYTES] if scheme in _BCRYPT_LIMITED else secret
