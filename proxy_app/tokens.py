"""JWT verification against the pool's JWKS, with its cache policy."""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import jwt
from jwt.exceptions import InvalidSignatureError, PyJWKError, PyJWTError

from proxy_app.config import Config
from proxy_app.errors import ApiError, from_cognito, invalid_token, upstream_unavailable

log = logging.getLogger("proxy_app.tokens")

TokenUse = Literal["id", "access"]
MAX_TOKEN_BYTES = 8 * 1024
MAX_JWKS_BYTES = 256 * 1024
UNKNOWN_KID_REFETCH_SECONDS = 10.0
ALGORITHM = "RS256"
USERNAME_CLAIM: dict[TokenUse, str] = {"id": "cognito:username", "access": "username"}
CLIENT_CLAIM: dict[TokenUse, str] = {"id": "aud", "access": "client_id"}


@dataclass(frozen=True)
class VerifiedToken:
    """A token that passed every check, and what it says."""

    token_use: TokenUse
    username: str
    sub: str
    expires_at: int
    groups: list[str]
    scopes: list[str]
    claims: dict[str, Any]
    raw: str


class JwksCache:
    """The pool's signing keys: fetched lazily once, re-fetched for an unknown kid at
    most once per UNKNOWN_KID_REFETCH_SECONDS, one fetch at a time."""

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
        self._keys: dict[str, jwt.PyJWK] | None = None
        self._last_fetch: float | None = None
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

    def get(self, kid: str) -> jwt.PyJWK | None:
        """Return the key with this kid, fetching the set when the policy allows."""
        keys = self._keys
        if keys is not None and kid in keys:
            return keys[kid]
        with self._lock:
            keys = self._keys
            if keys is not None and kid in keys:
                return keys[kid]
            if keys is None or self._may_refetch():
                keys = self._fetch()
            return keys.get(kid)

    def _may_refetch(self) -> bool:
        return (
            self._last_fetch is None
            or self._clock() - self._last_fetch >= UNKNOWN_KID_REFETCH_SECONDS
        )

    def _fetch(self) -> dict[str, jwt.PyJWK]:
        self._last_fetch = self._clock()
        self.fetch_count += 1
        started = time.monotonic()
        try:
            body = self._download()
        except (TimeoutError, urllib.error.URLError, OSError) as exc:
            log.warning(
                "jwks fetch failed",
                extra={"jwksUrl": self.url, "error": type(exc).__name__},
            )
            raise upstream_unavailable() from None
        keys = self._parse(body)
        log.info(
            "jwks fetched",
            extra={
                "jwksUrl": self.url,
                "keys": len(keys),
                "latencyMs": round((time.monotonic() - started) * 1000, 1),
            },
        )
        self._keys = keys
        return keys

    def _download(self) -> bytes:
        deadline = time.monotonic() + self._total_timeout
        request = urllib.request.Request(self.url, headers={"Accept": "application/json"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=self._connect_timeout) as response:  # noqa: S310
            chunks: list[bytes] = []
            size = 0
            while True:
                if time.monotonic() > deadline:
                    raise TimeoutError("jwks download took too long")
                chunk = response.read(16 * 1024)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_JWKS_BYTES:
                    raise OSError("jwks document too large")
                chunks.append(chunk)
        return b"".join(chunks)

    def _parse(self, body: bytes) -> dict[str, jwt.PyJWK]:
        try:
            document = json.loads(body)
            entries = document["keys"]
            if not isinstance(entries, list):
                raise TypeError("keys is not a list")
        except (ValueError, KeyError, TypeError):
            log.warning("jwks document is not a key set", extra={"jwksUrl": self.url})
            raise from_cognito("InvalidJwks", "") from None
        keys: dict[str, jwt.PyJWK] = {}
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
                continue
            if entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig":
                continue
            try:
                keys[entry["kid"]] = jwt.PyJWK(entry, algorithm=entry.get("alg") or ALGORITHM)
            except PyJWKError:
                log.warning("jwks key skipped", extra={"kid": entry["kid"][:64]})
        return keys


class TokenVerifier:
    """Verify Cognito id and access tokens fully before anything acts on them."""

    def __init__(
        self,
        config: Config,
        jwks: JwksCache | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._issuer = config.issuer
        self._client_id = config.app_client_id
        self._leeway = config.token_leeway_seconds
        self._clock = clock
        self.jwks = jwks or JwksCache(
            config.jwks_url, config.jwks_connect_timeout, config.jwks_total_timeout
        )

    def verify(self, token: str, expected_use: TokenUse) -> VerifiedToken:
        """Check a token in a fixed order; raise 401 InvalidToken with the failing reason."""
        if len(token) > MAX_TOKEN_BYTES:
            raise invalid_token("malformed", "The token is too large.")
        header = self._header(token)
        alg = header.get("alg")
        if alg != ALGORITHM:
            raise invalid_token("unsupported_alg", "The token's algorithm is not accepted.")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise invalid_token("unknown_kid", "The token names no signing key.")
        key = self.jwks.get(kid)
        if key is None:
            raise invalid_token("unknown_kid", "The token's signing key is not the pool's.")
        if key.algorithm_name != ALGORITHM:
            raise invalid_token("unsupported_alg", "The token's algorithm is not the key's.")
        claims = self._signed_claims(token, key)
        self._check_claims(claims, expected_use)
        return _verified(claims, expected_use, token)

    def _header(self, token: str) -> dict[str, Any]:
        parts = token.split(".")
        if len(parts) != 3 or not all(parts):
            raise invalid_token("malformed", "The token is not a JWT.")
        try:
            header = jwt.get_unverified_header(token)
        except PyJWTError:
            raise invalid_token("malformed", "The token is not a JWT.") from None
        return header

    def _signed_claims(self, token: str, key: jwt.PyJWK) -> dict[str, Any]:
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[ALGORITHM],
                # Claims are checked below, in the order that gives each failure its reason.
                options={
                    "verify_signature": True,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": False,
                    "verify_iss": False,
                },
            )
        except InvalidSignatureError:
            raise invalid_token("bad_signature", "The token's signature is not valid.") from None
        except PyJWTError:
            raise invalid_token("malformed", "The token is not a JWT.") from None
        if not isinstance(claims, dict):
            raise invalid_token("malformed", "The token's payload is not an object.")
        return claims

    def _check_claims(self, claims: dict[str, Any], expected_use: TokenUse) -> None:
        if claims.get("iss") != self._issuer:
            raise invalid_token("wrong_issuer", "The token was not issued by this user pool.")
        if claims.get("token_use") != expected_use:
            raise invalid_token("wrong_token_use", f"An {expected_use} token is required here.")
        if claims.get(CLIENT_CLAIM[expected_use]) != self._client_id:
            raise invalid_token("wrong_client", "The token was issued to another app client.")
        now = self._clock()
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or isinstance(exp, bool):
            raise invalid_token("malformed", "The token has no expiry.")
        if now >= exp + self._leeway:
            raise invalid_token("expired", "The token has expired.")
        for name in ("nbf", "iat"):
            value = claims.get(name)
            if value is None:
                continue
            if not _is_number(value):
                raise invalid_token("malformed", f"The token's {name} is not a time.")
            if value > now + self._leeway:
                raise invalid_token("not_yet_valid", "The token is not valid yet.")
        if not isinstance(claims.get(USERNAME_CLAIM[expected_use]), str) or not isinstance(
            claims.get("sub"), str
        ):
            raise invalid_token("malformed", "The token names no user.")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _verified(claims: dict[str, Any], token_use: TokenUse, raw: str) -> VerifiedToken:
    username = claims[USERNAME_CLAIM[token_use]]
    groups = claims.get("cognito:groups") or []
    scope = claims.get("scope") or ""
    return VerifiedToken(
        token_use=token_use,
        username=username,
        sub=claims["sub"],
        expires_at=int(claims["exp"]),
        groups=[str(group) for group in groups] if isinstance(groups, list) else [],
        scopes=scope.split() if isinstance(scope, str) else [],
        claims=claims,
        raw=raw,
    )


def require_groups(token: VerifiedToken, groups: frozenset[str]) -> None:
    """Refuse a token whose user is in none of the groups (for admin routes)."""
    if groups and not groups.intersection(token.groups):
        raise ApiError(403, "Forbidden", "Forbidden", "The token's user lacks a required group.")
