"""JWT verification against the pool's JWKS, and the cache of tokens already verified.

The checks follow awslabs/aws-jwt-verify, in a fixed order so that every refusal names
one reason: shape and size, algorithm, key id, signature, issuer, token use, client,
then expiry, not-before and issued-at. PyJWT parses the keys and checks the signature;
jws.py takes the token apart, jwks.py holds the keys, and this module owns the order of
the checks and the cache of tokens already verified (VerifiedTokenCache: a token is
checked by RSA once, not per request).
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, TypeGuard

from proxy_app.config import Config
from proxy_app.core.errors import TokenForbidden, TokenRejected
from proxy_app.tokens.jwks import ALGORITHM, JwksCache
from proxy_app.tokens.jws import MAX_TOKEN_BYTES, parse

TokenUse = Literal["id", "access"]
# Tokens kept once verified (least recently used dropped first): a few thousand users.
VERIFIED_CACHE_SIZE = 4096
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
        jws = parse(token)
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
