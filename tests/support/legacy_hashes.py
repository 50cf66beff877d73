"""Legacy password hashes made at test time by each scheme's own code, not by libpass.

bcrypt and argon2id come from their libraries; the crypt(3) family from the OpenSSL
command line; the PBKDF2, scrypt, phpass, Django and LDAP formats are built here from
hashlib, the way the applications that wrote them build them. libpass must read them all.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
from collections.abc import Callable

import argon2
import bcrypt

_ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _ab64(raw: bytes) -> str:
    # passlib's "adapted base64": '.' for '+', no padding.
    return _b64(raw).replace("+", ".")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode().rstrip("=")


def _salt_text(size: int = 12) -> str:
    return base64.b64encode(os.urandom(size)).decode().replace("+", "a").replace("/", "b")[:size]


def bcrypt_hash(password: str, prefix: str = "2b") -> str:
    """bcrypt from the bcrypt library; `2y` (PHP's) is the same algorithm, renamed."""
    made = bcrypt.hashpw(
        password.encode()[:72], bcrypt.gensalt(4, prefix=b"2a" if prefix == "2a" else b"2b")
    ).decode()
    return made if prefix != "2y" else "$2y$" + made[4:]


def argon2id_hash(password: str) -> str:
    """argon2id from argon2-cffi, cheap parameters."""
    return argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(password)


def scrypt_hash(password: str) -> str:
    """passlib's `$scrypt$` format (unpadded standard base64), computed with hashlib."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**10, r=8, p=1, dklen=32)
    return f"$scrypt$ln=10,r=8,p=1${_b64(salt)}${_b64(digest)}"


def pbkdf2_sha256_hash(password: str) -> str:
    """passlib's `$pbkdf2-sha256$` format, computed with hashlib."""
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 1000)
    return f"$pbkdf2-sha256$1000${_ab64(salt)}${_ab64(digest)}"


def django_pbkdf2_sha256_hash(password: str) -> str:
    """Django's default hasher: `pbkdf2_sha256$iterations$salt$base64`."""
    salt = _salt_text()
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 1000)
    return f"pbkdf2_sha256$1000${salt}${base64.b64encode(digest).decode()}"


def django_bcrypt_sha256_hash(password: str) -> str:
    """Django's BCryptSHA256PasswordHasher: bcrypt over the SHA-256 hex digest."""
    prehash = hashlib.sha256(password.encode()).hexdigest().encode()
    return "bcrypt_sha256$" + bcrypt.hashpw(prehash, bcrypt.gensalt(4)).decode()


def _openssl_crypt(flag: str) -> Callable[[str], str]:
    def make(password: str) -> str:
        result = subprocess.run(
            ["openssl", "passwd", flag, "-salt", _salt_text(8), "-stdin"],
            input=password,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
        return result.stdout.strip()

    make.__name__ = f"openssl_passwd_{flag.lstrip('-')}"
    return make


sha512_crypt_hash = _openssl_crypt("-6")
sha256_crypt_hash = _openssl_crypt("-5")
md5_crypt_hash = _openssl_crypt("-1")


def phpass_hash(password: str, marker: str = "$P$") -> str:
    """The Portable PHP password hash (WordPress before 6.8 `$P$`, phpBB `$H$`)."""
    count_log2 = 8
    salt = _salt_text(8)
    digest = hashlib.md5(salt.encode() + password.encode()).digest()  # noqa: S324
    for _ in range(1 << count_log2):
        digest = hashlib.md5(digest + password.encode()).digest()  # noqa: S324
    return marker + _ITOA64[count_log2] + salt + _phpass_encode(digest)


def _phpass_encode(raw: bytes) -> str:
    out = []
    i = 0
    while i < len(raw):
        value = raw[i]
        i += 1
        out.append(_ITOA64[value & 0x3F])
        if i < len(raw):
            value |= raw[i] << 8
        out.append(_ITOA64[(value >> 6) & 0x3F])
        if i >= len(raw):
            break
        i += 1
        if i < len(raw):
            value |= raw[i] << 16
        out.append(_ITOA64[(value >> 12) & 0x3F])
        if i >= len(raw):
            break
        i += 1
        out.append(_ITOA64[(value >> 18) & 0x3F])
    return "".join(out)


def phpbb_hash(password: str) -> str:
    """phpBB 3's `$H$`, the same algorithm as WordPress's `$P$`."""
    return phpass_hash(password, "$H$")


def _ldap_salted(label: str, algorithm: str) -> Callable[[str], str]:
    def make(password: str) -> str:
        salt = os.urandom(8)
        digest = hashlib.new(algorithm, password.encode() + salt).digest()
        return "{" + label + "}" + base64.b64encode(digest + salt).decode()

    make.__name__ = f"ldap_{label.lower()}"
    return make


ldap_ssha_hash = _ldap_salted("SSHA", "sha1")
ldap_ssha512_hash = _ldap_salted("SSHA512", "sha512")

# Scheme name (as libpass names it) -> a maker.
MAKERS: dict[str, Callable[[str], str]] = {
    "bcrypt $2a$": lambda password: bcrypt_hash(password, "2a"),
    "bcrypt $2b$": bcrypt_hash,
    "bcrypt $2y$": lambda password: bcrypt_hash(password, "2y"),
    "argon2id": argon2id_hash,
    "scrypt": scrypt_hash,
    "pbkdf2_sha256": pbkdf2_sha256_hash,
    "django pbkdf2_sha256": django_pbkdf2_sha256_hash,
    "django bcrypt_sha256": django_bcrypt_sha256_hash,
    "sha512_crypt": sha512_crypt_hash,
    "sha256_crypt": sha256_crypt_hash,
    "md5_crypt": md5_crypt_hash,
    "phpass $P$": phpass_hash,
    "phpass $H$": phpbb_hash,
    "ldap {SSHA}": ldap_ssha_hash,
    "ldap {SSHA512}": ldap_ssha512_hash,
}
