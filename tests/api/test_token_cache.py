"""The verified-token cache: a token is checked by RSA once, and the cache never widens
what a token may do. Each test would fail if the cache answered where it must not.

Keys come from a small local HTTP server serving moto's public key set (tokenkit); tokens
are minted with moto's key, or taken from moto's own sign-in through the app.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient

from proxy_app import create_app
from proxy_app.services import Services
from proxy_app.tokens.jwks import UNKNOWN_KID_REFETCH_SECONDS, JwksCache
from proxy_app.tokens.verifier import TokenVerifier, VerifiedToken, VerifiedTokenCache
from tests.support.app import problem, sign_in
from tests.support.cognito import Pool, User
from tests.support.stubs import cognito_client
from tests.support.tokenkit import (
    JwksServer,
    claims_for,
    jwks_server,
    mint,
    moto_public_jwks,
    other_private_key,
    public_jwk,
)

SUB = "0f1e2d3c-0000-4000-8000-00000000cafe"


class Clock:
    """A wall clock (for expiry) and a monotonic one (for the JWKS window), moved by hand."""

    def __init__(self) -> None:
        # A little ahead: a token minted a moment later must not be issued in the future.
        self.now = time.time() + 5

    def __call__(self) -> float:
        return self.now


@dataclass
class Harness:
    """An app whose verifier reads keys from a local key server and time from a clock."""

    app: Flask
    client: FlaskClient
    clock: Clock
    keys: JwksServer
    pool: Pool

    def token(self, **overrides: Any) -> str:
        return mint(claims_for(self.pool, "id", "cached@example.com", SUB, **overrides))

    def cached_token(self, **overrides: Any) -> str:
        """A token verified once (and so cached), then answered again from the cache."""
        token = self.token(**overrides)
        for _ in range(2):
            assert _valid(self.client, token).status_code == 200
        assert _verifier(self.app).signature_checks == 1
        return token


@pytest.fixture
def make_harness(make_app: Callable[..., Flask], pool: Pool) -> Iterator[Callable[..., Harness]]:
    with jwks_server() as keys:

        def factory(**overrides: Any) -> Harness:
            clock = Clock()
            app = make_app(jwks_url_override=keys.url, **overrides)
            config = app.config["PROXY"]
            jwks = JwksCache(
                keys.url, config.jwks_connect_timeout, config.jwks_total_timeout, clock=clock
            )
            verifier = TokenVerifier(config, jwks=jwks, clock=clock)
            app = create_app(services=Services.build(config, verifier=verifier))
            return Harness(app, app.test_client(), clock, keys, pool)

        yield factory


@pytest.fixture
def harness(make_harness: Callable[..., Harness]) -> Harness:
    return make_harness()


def _verifier(app: Flask) -> TokenVerifier:
    verifier: TokenVerifier = app.extensions["services"].verifier
    return verifier


def _valid(client: FlaskClient, token: str, slot: str = "idToken") -> Any:
    return client.get("/token/valid", headers={slot: token})


def _flip(token: str, index: int) -> str:
    """The token with one character changed (to another base64url character)."""
    replacement = "A" if token[index] != "A" else "B"
    return token[:index] + replacement + token[index + 1 :]


def test_the_same_token_is_checked_by_rsa_once(harness: Harness) -> None:
    token = harness.token()
    for _ in range(5):
        assert _valid(harness.client, token).status_code == 200
    assert _verifier(harness.app).signature_checks == 1
    assert len(_verifier(harness.app).cache) == 1


@pytest.mark.parametrize("leeway", [0, 30])
def test_a_cached_token_is_refused_once_expired(
    make_harness: Callable[..., Harness], leeway: int
) -> None:
    harness = make_harness(token_leeway_seconds=leeway)
    exp = int(harness.clock.now) + 10
    token = harness.cached_token(exp=exp)
    harness.clock.now = exp + leeway - 1  # inside the leeway (if any): a hit, still accepted
    assert _valid(harness.client, token).status_code == 200
    assert _verifier(harness.app).signature_checks == 1
    harness.clock.now = exp + leeway
    body = problem(_valid(harness.client, token), 401, "InvalidToken")
    assert body["reason"] == "expired"


@pytest.mark.parametrize(
    ("kind", "slot", "other_slots"),
    [
        ("idToken", "idToken", [{"accessToken": None}, {"Authorization": "Bearer {}"}]),
        ("accessToken", "accessToken", [{"idToken": None}]),
    ],
    ids=["id-token-as-access-token", "access-token-as-id-token"],
)
def test_a_cache_hit_cannot_turn_one_kind_of_token_into_the_other(
    client: FlaskClient, user: User, kind: str, slot: str, other_slots: list[dict[str, Any]]
) -> None:
    token = sign_in(client, user)[kind]
    for _ in range(2):  # the second is a hit
        assert _valid(client, token, slot).status_code == 200
    for other in other_slots:
        headers = {
            name: (token if form is None else form.format(token)) for name, form in other.items()
        }
        body = problem(client.get("/token/valid", headers=headers), 401, "InvalidToken")
        assert body["reason"] == "wrong_token_use"


@pytest.mark.parametrize("part", ["header", "payload", "signature"])
def test_a_token_differing_in_one_byte_is_verified_afresh(harness: Harness, part: str) -> None:
    token = harness.cached_token()
    header, payload, signature = token.split(".")
    # A character in the middle of the part: every one of its bits is significant.
    start = {"header": 0, "payload": len(header) + 1, "signature": len(header + payload) + 2}
    length = {"header": len(header), "payload": len(payload), "signature": len(signature)}
    changed = _flip(token, start[part] + length[part] // 2)
    assert changed != token
    response = _valid(harness.client, changed)
    assert response.status_code == 401, response.json
    assert response.json["reason"] in {"bad_signature", "malformed"}
    # The original is still a hit, and the changed one never entered the cache.
    assert _valid(harness.client, token).status_code == 200
    assert len(_verifier(harness.app).cache) == 1


def test_a_hit_answers_what_a_fresh_check_answers(harness: Harness) -> None:
    token = harness.token()
    first = _valid(harness.client, token)
    again = _valid(harness.client, token)  # a hit: no signature check
    assert _verifier(harness.app).signature_checks == 1
    assert first.status_code == again.status_code == 200
    assert again.get_data() == first.get_data()
    # A verifier with an empty cache (so a fresh check) agrees.
    _verifier(harness.app).cache = VerifiedTokenCache()
    fresh = _valid(harness.client, token)
    assert _verifier(harness.app).signature_checks == 2
    assert fresh.get_data() == first.get_data()
    assert fresh.json["sub"] == SUB and fresh.json["username"] == "cached@example.com"


def test_each_token_answers_with_its_own_claims(harness: Harness) -> None:
    """A hit answers with its own token's claims, never with another token's."""
    tokens = {
        group: harness.token(**{"cognito:groups": [group]}) for group in ("admins", "readers")
    }
    for _ in range(3):  # every round after the first is a hit for both
        for group, token in tokens.items():
            body = _valid(harness.client, token).json
            assert body["groups"] == [group]
            assert body["claims"]["cognito:groups"] == [group]
    assert _verifier(harness.app).signature_checks == 2


def test_a_token_signed_again_with_another_key_under_the_same_kid_is_refused(
    harness: Harness,
) -> None:
    claims = claims_for(harness.pool, "id", "cached@example.com", SUB)
    assert _valid(harness.client, mint(claims)).status_code == 200
    forged = mint(claims, key=other_private_key())  # same header and payload bytes
    body = problem(_valid(harness.client, forged), 401, "InvalidToken")
    assert body["reason"] == "bad_signature"


def test_a_key_set_change_drops_the_cache(harness: Harness) -> None:
    token = harness.cached_token()
    # The pool rotates: moto's key is withdrawn, a new one published under a new kid.
    harness.keys.document = {"keys": [public_jwk(other_private_key(), "rotated")]}
    harness.clock.now += UNKNOWN_KID_REFETCH_SECONDS
    newcomer = harness.token()
    newcomer = mint(jwt_claims(newcomer), key=other_private_key(), kid="rotated")
    assert _valid(harness.client, newcomer).status_code == 200  # its kid made the re-fetch
    assert harness.keys.count() == 2
    body = problem(_valid(harness.client, token), 401, "InvalidToken")
    assert body["reason"] == "unknown_kid"


def test_a_refetch_of_the_same_key_set_keeps_the_cache(harness: Harness) -> None:
    token = harness.cached_token()
    harness.clock.now += UNKNOWN_KID_REFETCH_SECONDS
    stranger = mint(jwt_claims(harness.token()), kid="unknown")
    problem(_valid(harness.client, stranger), 401, "InvalidToken")
    assert harness.keys.count() == 2
    assert harness.keys.document == moto_public_jwks()
    assert _valid(harness.client, token).status_code == 200
    assert _verifier(harness.app).signature_checks == 1


def jwt_claims(token: str) -> dict[str, Any]:
    """The claims of a token, unverified (to sign them again another way)."""
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def test_the_revocation_check_runs_on_every_hit(
    make_app: Callable[..., Flask], cognito: Any, user: User
) -> None:
    app = make_app(token_revocation_check=True)
    client = app.test_client()
    token = sign_in(client, user)["accessToken"]
    calls: list[str] = []
    cognito_client(app).meta.events.register(
        "before-call.cognito-idp.GetUser", lambda **_: calls.append("GetUser")
    )
    bearer = {"Authorization": f"Bearer {token}"}
    for _ in range(3):
        assert client.get("/token/valid", headers=bearer).status_code == 200
    assert _verifier(app).signature_checks == 1
    cognito.global_sign_out(AccessToken=token)
    body = problem(client.get("/token/valid", headers=bearer), 401, "InvalidToken")
    assert body["reason"] == "revoked"
    assert calls == ["GetUser"] * 4


def _entry(number: int) -> VerifiedToken:
    return VerifiedToken("id", f"user-{number}", SUB, 0, [], [], {}, f"token-{number}")


def test_the_cache_is_bounded_and_drops_the_least_recently_used() -> None:
    cache = VerifiedTokenCache(size=2)
    first, second, third = (VerifiedTokenCache.key(f"token-{n}", "id") for n in (1, 2, 3))
    cache.put(first, 0, 100.0, _entry(1))
    cache.put(second, 0, 100.0, _entry(2))
    assert cache.get(first, 0, 1.0) == _entry(1)  # first is now the most recent
    cache.put(third, 0, 100.0, _entry(3))
    assert len(cache) == 2
    assert cache.get(second, 0, 1.0) is None
    assert cache.get(first, 0, 1.0) == _entry(1)
    assert cache.get(third, 0, 1.0) == _entry(3)


def test_an_entry_lives_no_longer_than_its_valid_until() -> None:
    cache = VerifiedTokenCache()
    key = VerifiedTokenCache.key("token-1", "id")
    cache.put(key, 0, 100.0, _entry(1))
    assert cache.get(key, 0, 99.9) == _entry(1)
    assert cache.get(key, 0, 100.0) is None
    assert len(cache) == 0


def test_an_entry_verified_under_an_older_key_set_is_not_kept() -> None:
    cache = VerifiedTokenCache()
    key = VerifiedTokenCache.key("token-1", "id")
    cache.put(key, 1, 100.0, _entry(1))
    assert cache.get(key, 2, 1.0) is None  # the keys changed: everything goes
    cache.put(key, 1, 100.0, _entry(1))  # a verification that began before the change
    assert cache.get(key, 2, 1.0) is None
    assert len(cache) == 0


def test_the_key_covers_every_character_and_the_slot() -> None:
    token = "a.b.c" * 100
    assert VerifiedTokenCache.key(token, "id") != VerifiedTokenCache.key(token, "access")
    assert VerifiedTokenCache.key(token, "id") != VerifiedTokenCache.key(token[:-1] + "d", "id")
    assert VerifiedTokenCache.key(token, "id") != VerifiedTokenCache.key("d" + token[1:], "id")
