"""The pool's signing keys: the JWKS cache (one fetch at a time, refetched for an unknown
kid at most once per window, a failing key server held back as long) and the checks a
JWKS entry must pass to become a key. PyJWT parses the keys.
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from proxy_app.core.errors import CognitoRefused, CognitoUnavailable

if TYPE_CHECKING:
    import jwt

log = logging.getLogger("proxy_app.tokens")

MAX_JWKS_BYTES = 256 * 1024
UNKNOWN_KID_REFETCH_SECONDS = 10.0
ALGORITHM = "RS256"
# Algorithms a JWK may name; a token's `alg` must still be RS256 and equal the key's.
JWK_ALGORITHMS = frozenset({"RS256", "RS384", "RS512"})
MIN_RSA_BITS = 2048


class JwksCache:
    """The pool's signing keys: fetched lazily once, re-fetched for an unknown kid at
    most once per UNKNOWN_KID_REFETCH_SECONDS, one fetch at a time. A failed fetch holds
    back the next one for as long; requests that need it meanwhile get 503."""

    def __init__(
        self,
        url: str,
        connect_timeout: float,
        total_timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._connect_timeout = connect_timeout
        self._total_timeout = total_timeout
        self._clock = clock
        self._last_fetch: float | None = None
        self._last_fetch_failed = False
        self._generation = 0  # fetch attempts finished
        self._fingerprint: str | None = None
        # The key set with its version, replaced as one (None before the first fetch): the
        # version is bumped whenever a fetch brings keys that differ from those held, and
        # what was verified under an older version is verified afresh (VerifiedTokenCache).
        self._key_set: tuple[dict[str, jwt.PyJWK], int] | None = None
        self._lock = threading.Lock()
        self.fetch_count = 0

    def state(self) -> dict[str, Any]:
        """Describe the cache for the deep health check."""
        return {
            "loaded": self._keys is not None,
            "keys": len(self._keys or {}),
            "fetches": self.fetch_count,
            "ageSeconds": (
                None if self._last_fetch is None else round(self._clock() - self._last_fetch, 1)
            ),
        }

    @property
    def _keys(self) -> dict[str, jwt.PyJWK] | None:
        key_set = self._key_set
        return None if key_set is None else key_set[0]

    def get(self, kid: str) -> jwt.PyJWK | None:
        """Return the key with this kid, fetching the set when the policy allows."""
        keys = self._keys
        if keys is not None and kid in keys:
            return keys[kid]
        seen = self._generation
        with self._lock:
            if self._generation != seen:
                # Another request fetched while this one waited: share its outcome.
                if self._last_fetch_failed:
                    raise CognitoUnavailable("JwksUnreachable")
                return (self._keys or {}).get(kid)
            keys = self._keys
            if keys is not None and kid in keys:
                return keys[kid]
            if self._may_fetch():
                keys = self._fetch()
            elif self._last_fetch_failed:
                # A failing key server is asked once per window too, not once per
                # request: garbage tokens with random kids must not become fetches.
                raise self._held_back()
            return (keys or {}).get(kid)

    @property
    def key_set_version(self) -> int:
        """The version of the key set held now (0 before the first fetch)."""
        key_set = self._key_set
        return 0 if key_set is None else key_set[1]

    def get_versioned(self, kid: str) -> tuple[jwt.PyJWK | None, int | None]:
        """Like `get`, with the version of the key set the key came from (None if unknown)."""
        key_set = self._key_set
        if key_set is not None and kid in key_set[0]:
            return key_set[0][kid], key_set[1]
        key = self.get(kid)
        key_set = self._key_set
        held = key is not None and key_set is not None and key_set[0].get(kid) is key
        return key, (key_set[1] if held and key_set is not None else None)

    def _may_fetch(self) -> bool:
        return self._last_fetch is None or self._since_last_fetch() >= UNKNOWN_KID_REFETCH_SECONDS

    def _since_last_fetch(self) -> float:
        return 0.0 if self._last_fetch is None else self._clock() - self._last_fetch

    def _held_back(self) -> CognitoUnavailable:
        wait = UNKNOWN_KID_REFETCH_SECONDS - self._since_last_fetch()
        return CognitoUnavailable("JwksHeldBack", retry_after=max(1, math.ceil(wait)))

    def _fetch(self) -> dict[str, jwt.PyJWK]:
        self._last_fetch = self._clock()
        self._last_fetch_failed = True
        self.fetch_count += 1
        try:
            keys, fingerprint = self._fetch_keys()
        finally:
            # Bumped when the attempt ends, so requests that waited for it share its outcome.
            self._generation += 1
        version = self.key_set_version
        if fingerprint != self._fingerprint:
            self._fingerprint = fingerprint
            version += 1
        self._key_set = (keys, version)
        self._last_fetch_failed = False
        return keys

    def _fetch_keys(self) -> tuple[dict[str, jwt.PyJWK], str]:
        started = time.monotonic()
        try:
            body = self._download()
        except urllib.error.HTTPError as exc:
            log.warning("jwks fetch refused", extra={"jwksUrl": self.url, "status": exc.code})
            raise CognitoRefused("JwksUnavailable") from None
        except (OSError, http.client.HTTPException) as exc:
            # URLError and socket timeouts are OSErrors; a garbled answer is HTTPException.
            log.warning(
                "jwks fetch failed",
                extra={"jwksUrl": self.url, "error": type(exc).__name__},
            )
            raise CognitoUnavailable("JwksUnreachable") from None
        keys, fingerprint = self._parse(body)
        log.info(
            "jwks fetched",
            extra={
                "jwksUrl": self.url,
                "keys": len(keys),
                "latencyMs": round((time.monotonic() - started) * 1000, 1),
            },
        )
        return keys, fingerprint

    def _download(self) -> bytes:
        # The socket timeout bounds the connection and every wait for bytes; the deadline
        # bounds the whole body, so a trickling server cannot hold a request for long.
        deadline = time.monotonic() + self._total_timeout
        timeout = min(self._connect_timeout, self._total_timeout)
        request = urllib.request.Request(self.url, headers={"Accept": "application/json"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            chunks: list[bytes] = []
            size = 0
            while True:
                if time.monotonic() > deadline:
                    raise TimeoutError("jwks download took too long")
                chunk = response.read1(16 * 1024)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_JWKS_BYTES:
                    log.warning("jwks document too large", extra={"jwksUrl": self.url})
                    raise CognitoRefused("InvalidJwks")
                chunks.append(chunk)
        return b"".join(chunks)

    def _parse(self, body: bytes) -> tuple[dict[str, jwt.PyJWK], str]:
        """The usable keys by kid, and a fingerprint of exactly those entries."""
        try:
            document = json.loads(body)
            entries = document["keys"]
            if not isinstance(entries, list):
                raise TypeError("keys is not a list")
        except (ValueError, KeyError, TypeError):
            log.warning("jwks document is not a key set", extra={"jwksUrl": self.url})
            raise CognitoRefused("InvalidJwks") from None
        keys: dict[str, jwt.PyJWK] = {}
        used: dict[str, Any] = {}
        for entry in entries:
            key = _signing_key(entry)
            if key is not None:
                keys[entry["kid"]] = key
                used[entry["kid"]] = entry
        return keys, json.dumps(used, sort_keys=True, default=str)


def _signing_key(entry: Any) -> jwt.PyJWK | None:
    """Turn one JWKS entry into a key, or None for an entry that cannot sign our tokens."""
    # PyJWT (and cryptography under it) load with the first key set, not at `import
    # wsgi`: a cold start that serves no token route never pays for them.
    import jwt

    if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
        return None
    algorithm = entry.get("alg", ALGORITHM)
    if entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig":
        return None
    if algorithm not in JWK_ALGORITHMS:
        log.warning("jwks key skipped", extra={"kid": entry["kid"][:64], "alg": str(algorithm)})
        return None
    try:
        key = jwt.PyJWK(entry, algorithm=algorithm)
    except (jwt.PyJWTError, ValueError, TypeError):
        log.warning("jwks key skipped", extra={"kid": entry["kid"][:64]})
        return None
    if getattr(key.key, "key_size", 0) < MIN_RSA_BITS:
        log.warning("jwks key too short", extra={"kid": entry["kid"][:64]})
        return None
    return key
