"""Legacy password hashes, verified with libpass (imported as `passlib`).

The scheme is read from the hash itself. A hash of no known scheme, or a malformed one,
verifies nothing and costs a dummy verification, exactly like a wrong password.
"""

from __future__ import annotations

import logging
import re

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
# Scheme markers: `$S$`, `$wp$`; `{SSHA}`; Django's `name$...$...`. Anything else may be a
# plaintext password in a careless store, so it is never logged.
_PREFIX = re.compile(
    r"^(?:(?P<marker>\$[A-Za-z0-9]{1,8}\$|\{[A-Za-z0-9.-]{1,16}\})|(?P<name>[a-z0-9_]{2,24}\$)[^$]*\$)"
)


class PasswordHashes:
    """Verify passwords against legacy hashes of the schemes libpass knows."""

    def __init__(self) -> None:
        self._context = CryptContext(schemes=list(SCHEMES))

    def scheme(self, password_hash: str) -> str | None:
        """Name the scheme of a hash, or None for a hash of no known scheme."""
        identified = self._context.identify(password_hash)
        return None if identified is None else str(identified)

    def verify(self, password: str, password_hash: str) -> bool:
        """True if the password matches the hash; False otherwise, at a comparable cost."""
        scheme = self.scheme(password_hash)
        if scheme is None:
            log.warning("unknown hash scheme", extra={"schemePrefix": hash_prefix(password_hash)})
            self.dummy_verify()
            return False
        secret = password.encode("utf-8")
        if scheme in _BCRYPT_LIMITED:
            secret = secret[:_BCRYPT_MAX_BYTES]
        try:
            return bool(self._context.verify(secret, password_hash))
        except (ValueError, TypeError):
            log.warning("malformed password hash", extra={"scheme": scheme})
            self.dummy_verify()
            return False

    def dummy_verify(self) -> None:
        """Spend the time of one verification, so an unknown user is not told apart."""
        self._context.dummy_verify()


def hash_prefix(password_hash: str) -> str:
    """The scheme marker at the start of a hash (`$S$`, `{SSHA}`), never the hash itself."""
    match = _PREFIX.match(password_hash)
    if match is None:
        return "(none)"
    return match.group("marker") or match.group("name")
