"""JWT verification against the pool's JWKS, with its cache policy.

The checks follow awslabs/aws-jwt-verify, in a fixed order so that every refusal names
one reason: shape and size, algorithm, key id, signature, issuer, token use, client,
then expiry, not-before and issued-at. PyJWT parses the keys and checks the signature;
this module owns only the parsing order, the JWKS cache policy and the cache of tokens
already verified (VerifiedTokenCache: a token is checked by RSA once, not per request).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import http.client
import json
import logging
import math
import re
import threading
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeGuard

from proxy_app.config import Config
from proxy_app.core.errors import CognitoRefused, CognitoUnavailable, TokenForbidden, TokenRejected

if TYPE_CHECKING:
    import jwt

log = logging.getLogger("proxy_app.tokens")

TokenUse = Literal["id", "access"]
MAX_TOKEN_BYTES = 8 * 1024
MAX_JWKS_BYTES = 256 * 1024
UNKNOWN_KID_REFETCH_SECONDS = 10.0
# Tokens kept once verified (least recently used dropped first): a few thousand users.
VERIFIED_CACHE_SIZE = 4096
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
    # Answers rendered from this token alone (GET /token/valid's), by name: they live as
    # long as the token's entry in the verified-token cache, and are never shared.
    answers: dict[str, str] = field(default_factory=dict, compare=False, repr=False)


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


class VerifiedTokenCache:
    """Tokens that passed every check, so that the same token is not checked by RSA twice.

    Keyed by a SHA-256 of the whole token and the slot it came in (id or access): a token
    that differs in any byte, or comes in the other slot, is a miss and is verified afresh.
    An entry is tagged with the key set it was verified under and dropped once the key set
    changes; it lives no longer than the token's own expiry plus the leeway, and the
    verifier still checks the claims (expiry and leeway included) on every hit. Bounded:
    the least recently used entry goes first.
    """

    def __init__(self, size: int = VERIFIED_CACHE_SIZE) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[bytes, TokenUse], tuple[int, float, VerifiedToken]]
        self._entries = OrderedDict()
        self._version = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @staticmethod
    def key(token: str, token_use: TokenUse) -> tuple[bytes, TokenUse]:
        """The cache key: a digest of every character of the token, and its slot."""
        return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest(), token_use

    def get(self, key: tuple[bytes, TokenUse], version: int, now: float) -> VerifiedToken | None:
        """The entry for this key verified under this key set version, if still in date."""
        with self._lock:
            self._drop_if_keys_changed(version)
            entry = self._entries.get(key)
            if entry is None:
                return None
            entry_version, valid_until, verified = entry
            if entry_version != version or now >= valid_until:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return verified

    def put(
        self, key: tuple[bytes, TokenUse], version: int, valid_until: float, token: VerifiedToken
    ) -> None:
        """Keep a verified token until valid_until, under the key set it was verified with."""
        with self._lock:
            self._drop_if_keys_changed(version)
            if version != self._version:
                return  # verified under a key set that has been replaced meanwhile
            self._entries[key] = (version, valid_until, token)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def _drop_if_keys_changed(self, version: int) -> None:
        if version > self._version:
            self._entries.clear()
            self._version = version


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
        self.cache = VerifiedTokenCache()
        self.signature_checks = 0

    def verify(self, token: str, expected_use: TokenUse) -> VerifiedToken:
        """Check a token in a fixed order; raise TokenRejected with the failing reason.

        A token verified before (same bytes, same slot, same key set) skips the parsing
        and the signature; its claims are checked again all the same (expiry included).
        """
        if len(token) > MAX_TOKEN_BYTES:
            raise TokenRejected("malformed", "The token is too large.")
        key = VerifiedTokenCache.key(token, expected_use)
        cached = self.cache.get(key, self.jwks.key_set_version, self._clock())
        if cached is not None:
            self._check_claims(cached.claims, expected_use)
            return cached
        verified, version = self._verify(token, expected_use)
        if version is not None:
            valid_until = verified.claims["exp"] + self._leeway
            self.cache.put(key, version, valid_until, verified)
        return verified

    def _verify(self, token: str, expected_use: TokenUse) -> tuple[VerifiedToken, int | None]:
        """Every check; the result, and the version of the key set that verified it."""
        jws = _parse(token)
        alg = jws.header.get("alg")
        # RS256 only: refuses `none`, HMAC with the public key as secret, and swaps.
        if alg != ALGORITHM:
            raise TokenRejected("unsupported_alg", "The token's algorithm is not accepted.")
        kid = jws.header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenRejected("unknown_kid", "The token names no signing key.")
        key, version = self.jwks.get_versioned(kid)
        if key is None:
            raise TokenRejected("unknown_kid", "The token's signing key is not the pool's.")
        if key.algorithm_name != alg:
            raise TokenRejected("unsupported_alg", "The token's algorithm is not the key's.")
        self.signature_checks += 1
        if not key.Algorithm.verify(jws.signing_input, key.key, jws.signature):
            raise TokenRejected("bad_signature", "The token's signature is not valid.")
        self._check_claims(jws.claims, expected_use)
        return _verified(jws.claims, expected_use, token), version

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
