"""The JWKS cache policy: one lazy fetch, a 10 s window for unknown kids, short timeouts,
one fetch per interval while the key server fails.

Keys come from a small local HTTP server that serves moto's public key set and counts
the GETs it answers; the app is pointed at it with `jwks_url_override`.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from proxy_app import create_app
from proxy_app.core.errors import CognitoUnavailable
from proxy_app.services import Services
from proxy_app.tokens.jwks import UNKNOWN_KID_REFETCH_SECONDS, JwksCache
from proxy_app.tokens.verifier import TokenVerifier
from tests.support.app import problem
from tests.support.clock import FakeClock
from tests.support.cognito import Pool
from tests.support.threaded import concurrent_statuses
from tests.support.tokenkit import (
    JwksServer,
    b64,
    claims_for,
    hanging_server,
    hs256_with_public_key,
    jwks_server,
    mint,
    moto_public_jwks,
    other_private_key,
    public_jwk,
    unsigned,
)


@pytest.fixture
def claims(pool: Pool) -> dict[str, Any]:
    return claims_for(pool, "id", "someone@example.com", "0f1e2d3c-0000-4000-8000-000000000000")


def _valid(client: FlaskClient, token: str) -> Any:
    return client.get("/token/valid", headers={"idToken": token})


def _app_with_clock(make_app: Callable[..., Flask], url: str, clock: FakeClock) -> Flask:
    app = make_app(jwks_url_override=url)
    config = app.config["PROXY"]
    verifier = TokenVerifier(
        config,
        jwks=JwksCache(url, config.jwks_connect_timeout, config.jwks_total_timeout, clock=clock),
    )
    return create_app(services=Services.build(config, verifier=verifier))


def test_thousand_verifications_fetch_the_keys_once(
    make_app: Callable[..., Flask], keys: JwksServer, claims: dict[str, Any]
) -> None:
    client = make_app(jwks_url_override=keys.url).test_client()
    token = mint(claims)
    assert keys.count() == 0  # lazily: creating the app fetched nothing
    for _ in range(1000):
        response = _valid(client, token)
        assert response.status_code == 200, response.json
    assert keys.count() == 1


def test_unknown_kid_refetches_at_most_once_per_ten_seconds(
    make_app: Callable[..., Flask], keys: JwksServer, claims: dict[str, Any]
) -> None:
    clock = FakeClock()
    client = _app_with_clock(make_app, keys.url, clock).test_client()
    known = mint(claims)
    rotated = mint(claims, key=other_private_key(), kid="rotated")

    assert _valid(client, known).status_code == 200
    assert keys.count() == 1

    clock.now += 10
    assert problem(_valid(client, rotated), 401, "InvalidToken")["reason"] == "unknown_kid"
    assert keys.count() == 2  # the one re-fetch of this window

    for step in range(99):
        clock.now += 0.1  # 9.9 s more: still inside the window
        assert problem(_valid(client, rotated), 401, "InvalidToken")["reason"] == "unknown_kid"
        assert _valid(client, known).status_code == 200, step  # known kids keep verifying
    assert keys.count() == 2

    # The pool rotates its keys; the next window's re-fetch finds the new one.
    rotated_key = public_jwk(other_private_key(), "rotated")
    keys.document = {"keys": [*moto_public_jwks()["keys"], rotated_key]}
    clock.now += 0.1
    assert _valid(client, rotated).status_code == 200
    assert _valid(client, known).status_code == 200
    assert keys.count() == 3


def test_first_request_with_unknown_kid_fetches_once(
    make_app: Callable[..., Flask], keys: JwksServer, claims: dict[str, Any]
) -> None:
    clock = FakeClock()
    client = _app_with_clock(make_app, keys.url, clock).test_client()
    stranger = mint(claims, key=other_private_key(), kid="stranger")
    for _ in range(5):
        assert problem(_valid(client, stranger), 401, "InvalidToken")["reason"] == "unknown_kid"
    assert keys.count() == 1


def test_concurrent_first_requests_fetch_once(
    make_app: Callable[..., Flask], keys: JwksServer, claims: dict[str, Any]
) -> None:
    keys.delay = 0.3  # the first fetch is slow, so the others arrive while it runs
    app = make_app(jwks_url_override=keys.url)
    token = mint(claims)
    assert concurrent_statuses(app, lambda c: _valid(c, token).status_code) == [200] * 8
    assert keys.count() == 1


def test_requests_waiting_on_a_failed_fetch_share_its_failure() -> None:
    """One fetch at a time, and those who waited for it do not repeat it (no pile-up
    of timeouts behind a dead key server)."""
    entered, release, waiting = threading.Event(), threading.Event(), threading.Event()
    downloads: list[int] = []

    class DeadKeyServer(JwksCache):
        def _download(self) -> bytes:
            downloads.append(1)
            entered.set()
            release.wait(10)
            raise TimeoutError("key server did not answer")

    cache = DeadKeyServer("http://127.0.0.1:9/jwks.json", 0.1, 0.2)
    real_lock = cache._lock

    class ObservedLock:
        def __enter__(self) -> None:
            if threading.current_thread().name == "second":
                waiting.set()
            real_lock.acquire()

        def __exit__(self, *exc: object) -> None:
            real_lock.release()

    cache._lock = ObservedLock()  # type: ignore[assignment]
    errors: dict[str, CognitoUnavailable] = {}

    def get() -> None:
        try:
            cache.get("dummy")
        except CognitoUnavailable as error:
            errors[threading.current_thread().name] = error

    first = threading.Thread(target=get, name="first", daemon=True)
    second = threading.Thread(target=get, name="second", daemon=True)
    first.start()
    assert entered.wait(5)
    second.start()
    assert waiting.wait(5)
    release.set()
    first.join(10)
    second.join(10)
    assert downloads == [1]
    assert sorted(errors) == ["first", "second"]


def test_hanging_key_server_fails_with_503_not_a_hang(
    make_app: Callable[..., Flask], claims: dict[str, Any]
) -> None:
    with hanging_server() as url:
        app = make_app(jwks_url_override=url, jwks_connect_timeout=0.2, jwks_total_timeout=0.5)
        response = _valid(app.test_client(), mint(claims))
    problem(response, 503, "UpstreamUnavailable")
    assert response.headers["Retry-After"] == "1"


def test_unreachable_key_server_is_503(
    make_app: Callable[..., Flask], claims: dict[str, Any]
) -> None:
    with jwks_server() as server:
        url = server.url  # stopped at the end of the block: nothing listens there any more
    app = make_app(jwks_url_override=url, jwks_connect_timeout=0.2, jwks_total_timeout=0.5)
    problem(_valid(app.test_client(), mint(claims)), 503, "UpstreamUnavailable")


def test_trickling_key_server_is_cut_off_at_the_total_timeout(
    make_app: Callable[..., Flask], keys: JwksServer, claims: dict[str, Any]
) -> None:
    # Every byte arrives well inside the idle timeout; only the total deadline stops it.
    keys.trickle = 0.01
    app = make_app(jwks_url_override=keys.url, jwks_connect_timeout=1.0, jwks_total_timeout=0.2)
    problem(_valid(app.test_client(), mint(claims)), 503, "UpstreamUnavailable")


@pytest.mark.parametrize(
    "body",
    [b'{"keys": {"dummy": 1}}', b"[]", b'{"keys": [' + b'{"kid": "k"},' * 30000 + b"{}]}"],
    ids=["keys-not-a-list", "not-an-object", "too-large"],
)
def test_key_set_that_is_not_one_is_502(
    make_app: Callable[..., Flask], keys: JwksServer, claims: dict[str, Any], body: bytes
) -> None:
    keys.body = body
    client = make_app(jwks_url_override=keys.url).test_client()
    problem(_valid(client, mint(claims)), 502, "UpstreamError")


def test_key_server_recovers_after_a_failure(
    make_app: Callable[..., Flask], keys: JwksServer, claims: dict[str, Any]
) -> None:
    clock = FakeClock()
    client = _app_with_clock(make_app, keys.url, clock).test_client()
    keys.status = 404
    problem(_valid(client, mint(claims)), 502, "UpstreamError")
    # A failed fetch holds back the next one for the re-fetch window (503 meanwhile).
    problem(_valid(client, mint(claims)), 503, "UpstreamUnavailable")
    clock.now += UNKNOWN_KID_REFETCH_SECONDS
    keys.status, keys.body = 200, b"<html>not a key set</html>"
    problem(_valid(client, mint(claims)), 502, "UpstreamError")
    clock.now += UNKNOWN_KID_REFETCH_SECONDS
    keys.body = None
    assert _valid(client, mint(claims)).status_code == 200
    assert keys.count() == 3


@pytest.mark.parametrize(
    "token",
    [
        lambda c: unsigned(c),
        lambda c: hs256_with_public_key(c),
        lambda c: mint(c, alg="RS384"),
        lambda c: "A" * 9000,
        lambda c: "not.a.jwt!",
        lambda c: mint(c, kid=None),
    ],
    ids=["alg-none", "hs256", "rs384", "oversized", "garbage", "no-kid"],
)
def test_refused_tokens_never_touch_the_network(
    make_app: Callable[..., Flask],
    keys: JwksServer,
    claims: dict[str, Any],
    token: Callable[[dict[str, Any]], str],
) -> None:
    client = make_app(jwks_url_override=keys.url).test_client()
    problem(_valid(client, token(claims)), 401, "InvalidToken")
    assert keys.count() == 0


def _served_moto_key(**changes: Any) -> dict[str, Any]:
    entry = {**moto_public_jwks()["keys"][0], **changes}
    return {"keys": [{k: v for k, v in entry.items() if v is not None}]}


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (_served_moto_key(alg="RS512"), "unsupported_alg"),  # token alg must equal the key's
        (_served_moto_key(alg=None), None),  # a JWK that names no alg: RS256 is fine
        (_served_moto_key(alg="HS256"), "unknown_kid"),  # not a usable signing key
        (_served_moto_key(use="enc"), "unknown_kid"),
        (_served_moto_key(kty="EC"), "unknown_kid"),
        (_served_moto_key(n="!!"), "unknown_kid"),
        (
            {
                "keys": [
                    public_jwk(other_private_key(), "other"),
                    "junk",
                    {"kid": 1},
                    *moto_public_jwks()["keys"],
                ]
            },
            None,  # bad neighbours do not spoil the good key
        ),
    ],
    ids=["jwk-rs512", "jwk-no-alg", "jwk-hs256", "jwk-enc", "jwk-ec", "jwk-bad-n", "mixed"],
)
def test_what_the_key_set_says_decides(
    make_app: Callable[..., Flask],
    claims: dict[str, Any],
    document: dict[str, Any],
    reason: str | None,
) -> None:
    with jwks_server(document) as server:
        response = _valid(make_app(jwks_url_override=server.url).test_client(), mint(claims))
    if reason is None:
        assert response.status_code == 200, response.json
    else:
        assert problem(response, 401, "InvalidToken")["reason"] == reason


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # minting one
def test_short_rsa_keys_are_not_trusted(
    make_app: Callable[..., Flask], claims: dict[str, Any]
) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 (the point)
    with jwks_server({"keys": [public_jwk(weak, "weak")]}) as server:
        client = make_app(jwks_url_override=server.url).test_client()
        response = _valid(client, mint(claims, key=weak, kid="weak"))
    assert problem(response, 401, "InvalidToken")["reason"] == "unknown_kid"


def _garbage_token(kid: str) -> str:
    """An unsigned token that gets as far as the key lookup: RS256, some kid."""
    return f"{b64({'alg': 'RS256', 'kid': kid})}.{b64({'sub': 'x'})}.{b64(b'not a signature')}"


class TestKeySetFetchIsRateLimitedUntilItHasSucceeded:
    """Item 6: while the key server fails, one fetch per interval, 503 meanwhile."""

    @pytest.fixture
    def clock(self) -> FakeClock:
        return FakeClock()

    def _client(self, make_app: Callable[..., Flask], url: str, clock: FakeClock) -> FlaskClient:
        app = make_app(jwks_url_override=url)
        config = app.config["PROXY"]
        verifier = TokenVerifier(
            config,
            jwks=JwksCache(url, config.jwks_connect_timeout, config.jwks_total_timeout, clock),
        )
        return create_app(services=Services.build(config, verifier=verifier)).test_client()

    def test_hundred_random_kids_cause_one_fetch_and_one_warning(
        self,
        make_app: Callable[..., Flask],
        pool: Pool,
        clock: FakeClock,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        with jwks_server() as keys:
            keys.status = 500
            client = self._client(make_app, keys.url, clock)
            capsys.readouterr()
            answers = [
                client.get("/token/valid", headers={"idToken": _garbage_token(uuid.uuid4().hex)})
                for _ in range(100)
            ]
            assert keys.count() == 1
            problem(answers[0], 502, "UpstreamError")  # the fetch itself: an HTTP error
            for answer in answers[1:]:
                problem(answer, 503, "UpstreamUnavailable")
                assert 1 <= int(answer.headers["Retry-After"]) <= UNKNOWN_KID_REFETCH_SECONDS
            warnings = [
                line
                for line in capsys.readouterr().err.splitlines()
                if '"proxy_app.tokens"' in line and '"WARNING"' in line
            ]
            assert len(warnings) == 1, warnings

            clock.now += UNKNOWN_KID_REFETCH_SECONDS
            again = client.get("/token/valid", headers={"idToken": _garbage_token("k")})
            problem(again, 502, "UpstreamError")
            assert keys.count() == 2
            problem(
                client.get("/token/valid", headers={"idToken": _garbage_token("k")}),
                503,
                "UpstreamUnavailable",
            )
            assert keys.count() == 2

            keys.status = 200  # the key server comes back
            clock.now += UNKNOWN_KID_REFETCH_SECONDS
            token = mint(claims_for(pool, "id", "ada@example.com", str(uuid.uuid4())))
            assert client.get("/token/valid", headers={"idToken": token}).status_code == 200
            assert client.get("/token/valid", headers={"idToken": token}).status_code == 200
            assert keys.count() == 3

    def test_a_failed_refetch_holds_back_unknown_kids_but_not_known_ones(
        self, make_app: Callable[..., Flask], pool: Pool, clock: FakeClock
    ) -> None:
        with jwks_server() as keys:
            client = self._client(make_app, keys.url, clock)
            token = mint(claims_for(pool, "id", "ada@example.com", str(uuid.uuid4())))
            assert client.get("/token/valid", headers={"idToken": token}).status_code == 200
            keys.status = 500
            clock.now += UNKNOWN_KID_REFETCH_SECONDS
            for _ in range(20):
                answer = client.get("/token/valid", headers={"idToken": _garbage_token("new")})
                assert answer.status_code in (502, 503)
                assert client.get("/token/valid", headers={"idToken": token}).status_code == 200
            assert keys.count() == 2
