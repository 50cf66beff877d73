"""JWT verification against the pool's JWKS, with its cache policy.

The checks follow awslabs/aws-jwt-verify, in a fixed order so that every refusal names
one reason: shape and size, algorithm, key id, signature, issuer, token use, client,
then expiry, not-before and issued-at. PyJWT parses the keys and checks the signature;
this module owns only the parsing order and the JWKS cache policy.
"""

from __future__ import annotations

import base64
import binascii
import http.client
import json
import logging
import math
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, TypeGuard

import jwt

from proxy_app.config import Config
from proxy_app.failures import CognitoRefused, CognitoUnavailable, TokenForbidden, TokenRejected

log = logging.getLogger("proxy_app.tokens")

TokenUse = Literal["id", "access"]
MAX_TOKEN_BYTES = 8 * 1024
MAX_JWKS_BYTES = 256 * 1024
UNKNOWN_KID_REFETCH_SECONDS = 10.0
ALGORITHM = "RS256"
# Algorithms a JWK may name; a token's `alg` must still be RS256 and equal the key's.
JWK_ALGORITHMS = frozenset({"RS256", "RS384", "RS512"})
MIN_RSA_BITS = 2048
USERNAME_CLAIM: dict[TokenUse, str] = {"id": "cognito:username", "access": "username"}
CLIENT_CLAIM: dict[TokenUse, str] = {"id": "aud", "access": "client_id"}
# Compact JWS: base64url header and payload, and a base64url signature (empty only for
# `alg: none`, which is then refused by name). No padding, no white space.
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


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


@dataclass(frozen=True)
class _Jws:
    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes


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
        self._keys: dict[str, jwt.PyJWK] | None = None
        self._last_fetch: float | None = None
        self._last_fetch_failed = False
        self._generation = 0  # fetch attempts finished
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
            keys = self._fetch_keys()
        finally:
            # Bumped when the attempt ends, so requests that waited for it share its outcome.
            self._generation += 1
        self._keys = keys
        self._last_fetch_failed = False
        return keys

    def _fetch_keys(self) -> dict[str, jwt.PyJWK]:
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
        keys = self._parse(body)
        log.info(
            "jwks fetched",
            extra={
                "jwksUrl": self.url,
                "keys": len(keys),
                "latencyMs": round((time.monotonic() - started) * 1000, 1),
            },
        )
        return keys

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

    def _parse(self, body: bytes) -> dict[str, jwt.PyJWK]:
        try:
            document = json.loads(body)
            entries = document["keys"]
            if not isinstance(entries, list):
                raise TypeError("keys is not a list")
        except (ValueError, KeyError, TypeError):
            log.warning("jwks document is not a key set", extra={"jwksUrl": self.url})
            raise CognitoRefused("InvalidJwks") from None
        keys: dict[str, jwt.PyJWK] = {}
        for entry in entries:
            key = _signing_key(entry)
            if key is not None:
                keys[entry["kid"]] = key
        return keys


def _signing_key(entry: Any) -> jwt.PyJWK | None:
    """Turn one JWKS entry into a key, or None for an entry that cannot sign our tokens."""
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
        """Check a token in a fixed order; raise TokenRejected with the failing reason."""
        jws = _parse(token)
        alg = jws.header.get("alg")
        # RS256 only: refuses `none`, HMAC with the public key as secret, and swaps.
        if alg != ALGORITHM:
            raise TokenRejected("unsupported_alg", "The token's algorithm is not accepted.")
        kid = jws.header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenRejected("unknown_kid", "The token names no signing key.")
        key = self.jwks.get(kid)
        if key is None:
            raise TokenRejected("unknown_kid", "The token's signing key is not the pool's.")
        if key.algorithm_name != alg:
            raise TokenRejected("unsupported_alg", "The token's algorithm is not the key's.")
        if not key.Algorithm.verify(jws.signing_input, key.key, jws.signature):
            raise TokenRejected("bad_signature", "The token's signature is not valid.")
        self._check_claims(jws.claims, expected_use)
        return _verified(jws.claims, expected_use, token)

    def _check_claims(self, claims: dict[str, Any], expected_use: TokenUse) -> None:
        if claims.get("iss") != self._issuer:
            raise TokenRejected("wrong_issuer", "The token was not issued by this user pool.")
        if claims.get("token_use") != expected_use:
            raise TokenRejected("wrong_token_use", f"An {expected_use} token is required here.")
        if claims.get(CLIENT_CLAIM[expected_use]) != self._client_id:
            raise TokenRejected("wrong_client", "The token was issued to another app client.")
        now = self._clock()
        exp = claims.get("exp")
        if not _is_time(exp):
            raise TokenRejected("malformed", "The token has no expiry.")
        if now >= exp + self._leeway:
            raise TokenRejected("expired", "The token has expired.")
        for name in ("nbf", "iat"):
            value = claims.get(name)
            if value is None:
                continue
            if not _is_time(value):
                raise TokenRejected("malformed", f"The token's {name} is not a time.")
            if value > now + self._leeway:
                raise TokenRejected("not_yet_valid", "The token is not valid yet.")
        if not isinstance(claims.get(USERNAME_CLAIM[expected_use]), str) or not isinstance(
            claims.get("sub"), str
        ):
            raise TokenRejected("malformed", "The token names no user.")


def _parse(token: str) -> _Jws:
    """Split and decode a compact JWS, refusing anything that is not one."""
    # Size first, before any parsing: a str longer than the limit in characters is at
    # least as long in bytes, and the pattern below admits only ASCII.
    if len(token) > MAX_TOKEN_BYTES:
        raise TokenRejected("malformed", "The token is too large.")
    if not _COMPACT_JWS.fullmatch(token):
        raise TokenRejected("malformed", "The token is not a JWT.")
    header_part, payload_part, signature_part = token.split(".")
    header = _json_object(header_part)
    claims = _json_object(payload_part)
    if "crit" in header:
        raise TokenRejected("malformed", "The token requires extensions this service lacks.")
    return _Jws(
        header=header,
        claims=claims,
        signing_input=f"{header_part}.{payload_part}".encode("ascii"),
        signature=_base64url(signature_part),
    )


def _base64url(part: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise TokenRejected("malformed", "The token is not a JWT.") from None


def _json_object(part: str) -> dict[str, Any]:
    try:
        value = json.loads(
            _base64url(part), object_pairs_hook=_no_duplicates, parse_constant=_no_constant
        )
    except (ValueError, RecursionError):
        raise TokenRejected("malformed", "The token is not a JWT.") from None
    if not isinstance(value, dict):
        raise TokenRejected("malformed", "The token's header or payload is not an object.")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two values for one claim (say two `iss`) would let parsers disagree: refuse both.
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate member")
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _is_time(value: Any) -> TypeGuard[float]:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        # JSON integers have no bound; one beyond float range (10**400) is no time.
        return False


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


def require_groups(token: VerifiedToken, groups: Iterable[str]) -> None:
    """Refuse (403) a token whose user is in none of the groups; no groups, no demand."""
    _require(token.groups, groups, "missing_group", "The token's user is in none of the groups")


def require_scopes(token: VerifiedToken, scopes: Iterable[str]) -> None:
    """Refuse (403) a token that carries none of the scopes; no scopes, no demand."""
    _require(token.scopes, scopes, "missing_scope", "The token carries none of the scopes")


def _require(held: Iterable[str], wanted: Iterable[str], reason: str, refusal: str) -> None:
    demanded = frozenset(wanted)
    if demanded and demanded.isdisjoint(held):
        raise TokenForbidden(reason, f"{refusal} this route requires.")
