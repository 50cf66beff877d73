"""A failing Cognito: unreachable, hanging, 500, garbage, throttling; and recovery.

Each fault is a small server on 127.0.0.1 (tests/support/fake_cognito.py) between the app and the
session's moto server; timeouts are shrunk so the suite stays quick. Answer times are
measured by bench/faults.py, not asserted here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from flask import Flask

from proxy_app.aws.cognito import MAX_ATTEMPTS
from tests.support.app import post_sign_in, problem
from tests.support.cognito import PASSWORD, Pool, User, unique_username
from tests.support.fake_cognito import FakeCognito, count_sends, error_answer
from tests.support.network import closed_port
from tests.support.stubs import cognito_client

FAST = {"connect_timeout": 0.5, "read_timeout": 0.5}

# fault -> (status, code, Retry-After expected, calls Cognito received)
FAULTS = {
    "hang": (503, "UpstreamUnavailable", True, MAX_ATTEMPTS),
    "error500": (502, "UpstreamError", False, MAX_ATTEMPTS),
    "garbage": (502, "UpstreamError", False, 1),
    "not_http": (503, "UpstreamUnavailable", True, MAX_ATTEMPTS),
    "throttle": (429, "TooManyRequests", True, MAX_ATTEMPTS),
}


@pytest.fixture
def fake(pool: Pool) -> Iterator[FakeCognito]:
    with FakeCognito("proxy", upstream=pool.endpoint) as server:
        yield server


@pytest.fixture
def app_at(make_app: Callable[..., Flask]) -> Callable[..., Flask]:
    """An app on the test pool whose Cognito endpoint is `url`, with short timeouts."""

    def factory(url: str, **overrides: Any) -> Flask:
        return make_app(endpoint_url=url, **{**FAST, **overrides})

    return factory


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_failing_backend_gets_its_contract_answer_then_recovers(
    fault: str, fake: FakeCognito, app_at: Callable[..., Flask], user: User
) -> None:
    status, code, retry_after, calls = FAULTS[fault]
    app = app_at(fake.url)
    assert post_sign_in(app, user.username, user.password).status_code == 200
    fake.switch(fault)
    before = fake.requests
    body = problem(post_sign_in(app, user.username, user.password), status, code)
    assert fake.requests - before == calls
    response = post_sign_in(app, user.username, user.password)
    assert ("Retry-After" in response.headers) is retry_after
    assert response.headers.get("Retry-After", "1").isdigit()
    assert body["detail"] and "Traceback" not in response.get_data(True)
    fake.switch("proxy")
    healed = post_sign_in(app, user.username, user.password)
    assert healed.status_code == 200, healed.json
    assert healed.json["idToken"]


def test_an_unreachable_backend_is_503_then_recovers_on_the_same_port(
    pool: Pool, app_at: Callable[..., Flask], user: User
) -> None:
    port = closed_port()
    app = app_at(f"http://127.0.0.1:{port}")
    sent = count_sends(cognito_client(app))
    response = post_sign_in(app, user.username, user.password)
    problem(response, 503, "UpstreamUnavailable")
    assert len(sent) == MAX_ATTEMPTS
    assert response.headers["Retry-After"] == "1"
    with FakeCognito("proxy", upstream=pool.endpoint, port=port):
        healed = post_sign_in(app, user.username, user.password)
    assert healed.status_code == 200, healed.json


@pytest.mark.parametrize(
    "path, body",
    [
        ("/signup", {"username": "someone@example.com", "password": PASSWORD}),
        ("/confirmsignup", {"username": "someone", "confirmationCode": "123456"}),
        ("/password/confirm", {"username": "x", "password": PASSWORD, "confirmationCode": "1"}),
    ],
)
def test_garbage_is_never_taken_for_success(
    path: str, body: dict[str, Any], fake: FakeCognito, app_at: Callable[..., Flask]
) -> None:
    # botocore turns a non-JSON 200 into {"message": ...}; routes whose Cognito call
    # answers nothing would have called that a success.
    fake.switch("garbage")
    problem(app_at(fake.url).test_client().post(path, json=body), 502, "UpstreamError")


def test_password_reset_does_not_hide_a_failing_backend(
    fake: FakeCognito, app_at: Callable[..., Flask]
) -> None:
    # Anti-enumeration hides "no such user", never an outage.
    fake.switch("error500")
    response = app_at(fake.url).test_client().post("/password/reset", json={"username": "x"})
    problem(response, 502, "UpstreamError")


BACKEND_SECRET = "t" * 40


class TestAutoConfirmInterrupted:
    """Sign-up with AUTOCONFIRM_USER=true makes three calls; a fault after the first
    must not leave an unconfirmed (or unverified) user behind."""

    @staticmethod
    def _assert_gone(cognito: Any, pool: Pool, username: str) -> None:
        with pytest.raises(cognito.exceptions.UserNotFoundException):
            cognito.admin_get_user(UserPoolId=pool.id, Username=username)

    @pytest.mark.parametrize(
        "event, fault, status, code",
        [
            (
                "before-call.cognito-idp.AdminConfirmSignUp",
                "unreachable",
                503,
                "UpstreamUnavailable",
            ),
            ("before-call.cognito-idp.AdminConfirmSignUp", "throttled", 429, "TooManyRequests"),
            (
                "before-call.cognito-idp.AdminUpdateUserAttributes",
                "unreachable",
                503,
                "UpstreamUnavailable",
            ),
            (
                "before-call.cognito-idp.AdminUpdateUserAttributes",
                "throttled",
                429,
                "TooManyRequests",
            ),
            # The call reached Cognito and was done, but its answer was lost.
            ("after-call.cognito-idp.AdminConfirmSignUp", "timeout", 503, "UpstreamUnavailable"),
        ],
    )
    def test_a_fault_between_the_calls_leaves_no_user_and_a_retry_succeeds(
        self,
        event: str,
        fault: str,
        status: int,
        code: str,
        make_app: Callable[..., Flask],
        cognito: Any,
        pool: Pool,
    ) -> None:
        app = make_app(autoconfirm_user=True, autoconfirm_secret=BACKEND_SECRET)
        events = cognito_client(app).meta.events
        trusted = {"X-Autoconfirm-Secret": BACKEND_SECRET}

        def inject(**_: Any) -> Any:
            if fault == "unreachable":
                raise EndpointConnectionError(endpoint_url=pool.endpoint)
            if fault == "timeout":
                raise ReadTimeoutError(endpoint_url=pool.endpoint)
            return error_answer("TooManyRequestsException", "Rate exceeded")

        events.register(event, inject)
        username = unique_username()
        client = app.test_client()
        body = {"username": username, "password": PASSWORD}
        response = client.post("/signup", json=body, headers=trusted)
        problem(response, status, code)
        self._assert_gone(cognito, pool, username)
        events.unregister(event, inject)
        retry = client.post("/signup", json=body, headers=trusted)
        assert retry.status_code == 201, retry.json
        user = cognito.admin_get_user(UserPoolId=pool.id, Username=username)
        assert user["UserStatus"] == "CONFIRMED"
        assert {"Name": "email_verified", "Value": "true"} in user["UserAttributes"]

    def test_when_the_clean_up_fails_too_the_log_says_so_without_secrets(
        self,
        make_app: Callable[..., Flask],
        pool: Pool,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        app = make_app(autoconfirm_user=True)
        events = cognito_client(app).meta.events

        def unreachable(**_: Any) -> None:
            raise EndpointConnectionError(endpoint_url=pool.endpoint)

        events.register("before-call.cognito-idp.AdminConfirmSignUp", unreachable)
        events.register("before-call.cognito-idp.AdminDeleteUser", unreachable)
        caplog.set_level(logging.WARNING, logger="proxy_app")
        response = app.test_client().post(
            "/signup", json={"username": unique_username(), "password": PASSWORD}
        )
        body = problem(response, 503, "UpstreamUnavailable")
        messages = [r.getMessage() for r in caplog.records]
        assert "could not remove the half-made user; remove it by hand" in messages
        assert any(getattr(r, "requestId", None) == body["requestId"] for r in caplog.records)
        assert PASSWORD not in caplog.text
