"""/health stays network-free; /health?deep=true checks Cognito and reports the JWKS cache,
at most once per interval however many ask."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from proxy_app.http.routes.meta import DEEP_HEALTH_CACHE_SECONDS
from tests.support.app import problem
from tests.support.clock import FakeClock
from tests.support.cognito import Pool
from tests.support.fake_cognito import FakeCognito
from tests.support.network import closed_port
from tests.support.stubs import cognito_client
from tests.support.threaded import concurrent_statuses

FAST = {"connect_timeout": 0.5, "read_timeout": 0.5}


def test_plain_health_touches_no_network(make_app: Callable[..., Flask]) -> None:
    app = make_app(endpoint_url=f"http://127.0.0.1:{closed_port()}", **FAST)
    response = app.test_client().get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    # The boto3 client is created on first use: no use, no client, no connection.
    assert app.extensions["cognito_gateway"]._client is None
    assert app.extensions["services"].verifier.jwks.fetch_count == 0


def test_deep_health_reports_cognito_and_the_jwks_cache(
    client: Any, tokens: dict[str, Any]
) -> None:
    before = client.get("/health?deep=true")
    assert before.status_code == 200, before.json
    body = before.json
    assert body["status"] == "ok"
    assert body["cognito"]["reachable"] is True
    assert body["cognito"]["latencyMs"] >= 0
    assert body["jwks"]["loaded"] is False
    assert client.get("/token/valid", headers={"idToken": tokens["idToken"]}).status_code == 200
    after = client.get("/health?deep=true").json
    assert after["jwks"]["loaded"] is True
    assert after["jwks"]["keys"] >= 1
    assert after["jwks"]["fetches"] == 1
    assert after["jwks"]["ageSeconds"] is not None


def test_deep_health_shows_no_configuration(
    make_app: Callable[..., Flask], secret_pool: Pool
) -> None:
    app = make_app(secret_pool)
    response = app.test_client().get("/health?deep=true")
    assert response.status_code == 200
    text = response.get_data(True)
    assert secret_pool.client_secret and secret_pool.client_secret not in text
    for value in (secret_pool.id, secret_pool.client_id, secret_pool.endpoint, "jwks.json"):
        assert value not in text
    assert set(response.json) == {"status", "cognito", "jwks"}


@pytest.mark.parametrize("fault", ["hang", "error500", "throttle", "garbage"])
def test_deep_health_is_503_while_cognito_fails_and_200_when_it_heals(
    fault: str, pool: Pool, make_app: Callable[..., Flask]
) -> None:
    with FakeCognito("proxy", upstream=pool.endpoint) as fake:
        app = make_app(endpoint_url=fake.url, **FAST)
        now = [100.0]
        app.extensions["deep_health"].clock = lambda: now[0]
        client = app.test_client()
        fake.switch(fault)
        response = client.get("/health?deep=true")
        body = problem(response, 503, "UpstreamUnavailable")
        assert response.headers["Retry-After"].isdigit()
        assert "health check" in body["detail"]
        assert client.get("/health").status_code == 200
        fake.switch("proxy")
        # The failure is served from the cache for its interval, then checked again.
        problem(client.get("/health?deep=true"), 503, "UpstreamUnavailable")
        now[0] += DEEP_HEALTH_CACHE_SECONDS
        assert client.get("/health?deep=true").status_code == 200


def test_deep_health_of_an_unreachable_cognito_is_503(make_app: Callable[..., Flask]) -> None:
    client = make_app(endpoint_url=f"http://127.0.0.1:{closed_port()}", **FAST).test_client()
    problem(client.get("/health?deep=true"), 503, "UpstreamUnavailable")


@pytest.mark.parametrize("value", ["", "1", "yes", "TRUE"])
def test_deep_takes_only_true_or_false(client: Any, value: str) -> None:
    body = problem(client.get(f"/health?deep={value}"), 400, "ValidationFailed")
    assert "deep" in body["errors"]


def test_deep_false_is_the_plain_check(client: Any) -> None:
    assert client.get("/health?deep=false").json == {"status": "ok"}


class TestDeepHealthIsNotAnAmplifier:
    """Item 9: a flood of deep checks costs Cognito one call per interval."""

    @staticmethod
    def _count_calls(app: Flask, delay: float = 0.0) -> list[int]:
        calls: list[int] = []

        def count(**_: Any) -> None:
            calls.append(1)
            if delay:
                threading.Event().wait(delay)

        client = cognito_client(app)
        client.meta.events.register("before-call.cognito-idp.DescribeUserPoolClient", count)
        return calls

    def test_fifty_deep_checks_make_one_cognito_call(self, make_app: Callable[..., Flask]) -> None:
        app = make_app()
        calls = self._count_calls(app)
        client = app.test_client()
        for _ in range(50):
            response = client.get("/health?deep=true")
            assert response.status_code == 200
            assert response.json["cognito"]["reachable"] is True
        assert len(calls) == 1

    def test_a_failure_is_cached_too_then_checked_again(
        self, make_app: Callable[..., Flask], pool: Pool
    ) -> None:
        with FakeCognito("error500", upstream=pool.endpoint) as fake:
            app = make_app(endpoint_url=fake.url, connect_timeout=0.5, read_timeout=0.5)
            clock = FakeClock()
            app.extensions["deep_health"].clock = clock
            calls = self._count_calls(app)
            client = app.test_client()
            for _ in range(50):
                problem(client.get("/health?deep=true"), 503, "UpstreamUnavailable")
            assert len(calls) == 1
            fake.switch("proxy")
            clock.now += DEEP_HEALTH_CACHE_SECONDS - 0.1
            assert client.get("/health?deep=true").status_code == 503  # still the cached failure
            clock.now += 0.1
            assert client.get("/health?deep=true").status_code == 200
            assert len(calls) == 2

    def test_concurrent_deep_checks_share_one_call(self, make_app: Callable[..., Flask]) -> None:
        app = make_app()
        calls = self._count_calls(app, delay=0.3)
        statuses = concurrent_statuses(app, lambda c: c.get("/health?deep=true").status_code)
        assert statuses == [200] * 8
        assert len(calls) == 1
