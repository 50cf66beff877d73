"""Regression tests for the adversarial review (issue 8): items 1 to 4, each named after it.

Item 8 (confirmation routes that tell accounts apart) lives with the other
anti-enumeration tests in test_enumeration.py.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from conftest import PASSWORD, Pool, User, problem, sign_in, unique_username
from flask import Flask
from flask.testing import FlaskClient
from tokenkit import claims_for, mint

BACKEND_SECRET = "b" * 48


def _attributes(cognito: Any, pool: Pool, username: str) -> dict[str, str]:
    user = cognito.admin_get_user(UserPoolId=pool.id, Username=username)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


class TestItem1OldTokenOfAReusedUsername:
    """An old token must not act on a new account that took the same username."""

    @pytest.fixture
    def old_and_new(
        self, client: FlaskClient, cognito: Any, pool: Pool
    ) -> tuple[dict[str, Any], str]:
        username = unique_username()
        first = User(username, PASSWORD, pool)
        assert (
            client.post("/signup", json={"username": username, "password": PASSWORD}).status_code
            == 201
        )
        cognito.admin_confirm_sign_up(UserPoolId=pool.id, Username=username)
        old = sign_in(client, first)
        assert client.delete("/admin/user", json={"idToken": old["idToken"]}).status_code == 204
        # Someone else signs up with the same username.
        assert (
            client.post(
                "/signup",
                json={"username": username, "password": PASSWORD, "attributes": {"name": "New"}},
            ).status_code
            == 201
        )
        return old, username

    @pytest.mark.parametrize("slot", ["idToken", "accessToken"])
    def test_old_token_cannot_update_the_new_owner(
        self,
        client: FlaskClient,
        cognito: Any,
        pool: Pool,
        old_and_new: tuple[dict[str, Any], str],
        slot: str,
    ) -> None:
        old, username = old_and_new
        response = client.post(
            "/admin/user/attribute",
            json={slot: old[slot], "attributeName": "email", "attributeValue": "eve@evil.test"},
        )
        assert problem(response, 401, "InvalidToken")["reason"] == "revoked"
        assert _attributes(cognito, pool, username)["email"] == username

    @pytest.mark.parametrize("slot", ["idToken", "accessToken"])
    def test_old_token_cannot_delete_the_new_owner(
        self,
        client: FlaskClient,
        cognito: Any,
        pool: Pool,
        old_and_new: tuple[dict[str, Any], str],
        slot: str,
    ) -> None:
        old, username = old_and_new
        response = client.delete("/admin/user", json={slot: old[slot]})
        assert problem(response, 401, "InvalidToken")["reason"] == "revoked"
        assert _attributes(cognito, pool, username)["name"] == "New"

    def test_a_disabled_users_token_changes_nothing(
        self, client: FlaskClient, cognito: Any, user: User, tokens: dict[str, Any]
    ) -> None:
        cognito.admin_disable_user(UserPoolId=user.pool.id, Username=user.username)
        response = client.post(
            "/admin/user/attribute",
            json={"idToken": tokens["idToken"], "attributeName": "name", "attributeValue": "X"},
        )
        assert problem(response, 401, "InvalidToken")["reason"] == "revoked"
        deleted = client.delete("/admin/user", json={"idToken": tokens["idToken"]})
        assert problem(deleted, 401, "InvalidToken")["reason"] == "revoked"
        assert "name" not in _attributes(cognito, user.pool, user.username)

    def test_the_same_user_still_can(
        self, client: FlaskClient, cognito: Any, user: User, tokens: dict[str, Any]
    ) -> None:
        response = client.post(
            "/admin/user/attribute",
            json={"idToken": tokens["idToken"], "attributeName": "name", "attributeValue": "Ada"},
        )
        assert response.status_code == 200
        assert _attributes(cognito, user.pool, user.username)["name"] == "Ada"


class TestItem2AutoconfirmVerifiesOnlyForTheTrustedBackend:
    """AUTOCONFIRM_USER=true must not hand anyone a verified email they do not own."""

    def _sign_up(self, client: FlaskClient, **headers: str) -> tuple[Any, str]:
        username = f"eve-{unique_username().split('@')[0]}"
        response = client.post(
            "/signup",
            json={
                "username": username,
                "password": PASSWORD,
                "attributes": {"email": "cfo@victim-corp.example"},
            },
            headers=headers,
        )
        return response, username

    def test_without_the_secret_the_email_stays_unverified(
        self, make_app: Any, cognito: Any, pool: Pool
    ) -> None:
        client = make_app(autoconfirm_user=True, autoconfirm_secret=BACKEND_SECRET).test_client()
        response, username = self._sign_up(client)
        assert response.status_code == 201
        assert response.json["userConfirmed"] is True
        user = cognito.admin_get_user(UserPoolId=pool.id, Username=username)
        assert user["UserStatus"] == "CONFIRMED"
        attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
        assert attributes.get("email_verified") != "true"

    def test_with_the_secret_the_email_is_verified(
        self, make_app: Any, cognito: Any, pool: Pool
    ) -> None:
        client = make_app(autoconfirm_user=True, autoconfirm_secret=BACKEND_SECRET).test_client()
        response, username = self._sign_up(client, **{"X-Autoconfirm-Secret": BACKEND_SECRET})
        assert response.status_code == 201
        assert _attributes(cognito, pool, username)["email_verified"] == "true"

    @pytest.mark.parametrize("configured", [BACKEND_SECRET, None])
    def test_a_wrong_secret_is_403_and_creates_nothing(
        self, make_app: Any, cognito: Any, pool: Pool, configured: str | None
    ) -> None:
        client = make_app(autoconfirm_user=True, autoconfirm_secret=configured).test_client()
        response, username = self._sign_up(client, **{"X-Autoconfirm-Secret": "c" * 48})
        assert problem(response, 403, "Forbidden")["reason"] == "bad_autoconfirm_secret"
        with pytest.raises(cognito.exceptions.UserNotFoundException):
            cognito.admin_get_user(UserPoolId=pool.id, Username=username)

    def test_start_up_log_says_what_changed(
        self, make_app: Any, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.WARNING, logger="proxy_app"):
            make_app(autoconfirm_user=True, autoconfirm_secret=BACKEND_SECRET)
        messages = " ".join(r.getMessage() for r in caplog.records)
        assert "AUTOCONFIRM_SECRET" in messages
        assert "original" in messages
        assert BACKEND_SECRET not in messages

    @pytest.mark.parametrize("secret", ["short", "x" * 31, "é" * 40, "a b" * 20])
    def test_a_weak_or_odd_secret_is_refused_at_start_up(self, pool: Pool, secret: str) -> None:
        from proxy_app.config import ConfigError

        with pytest.raises(ConfigError, match="AUTOCONFIRM_SECRET"):
            pool.config(autoconfirm_secret=secret).validate()


@pytest.fixture(scope="module")
def local_app() -> Flask:
    from proxy_app import create_app
    from proxy_app.config import Config

    app = create_app(Config())
    app.testing = True
    return app


class TestItem3LocalModeAnswersThisMachineOnly:
    """Local mode's tokens are forgeable, so it must never face a network."""

    @pytest.mark.parametrize("address", ["10.1.2.3", "192.168.0.7", "2001:db8::1", ""])
    def test_other_addresses_get_403(self, local_app: Flask, address: str) -> None:
        client = local_app.test_client()
        response = client.get("/health", environ_base={"REMOTE_ADDR": address})
        body = problem(response, 403, "Forbidden")
        assert body["reason"] == "local_mode_remote"
        assert "LOCAL_MODE_ALLOW_REMOTE" in body["detail"]

    @pytest.mark.parametrize("address", ["127.0.0.1", "127.9.9.9", "::1"])
    def test_loopback_is_answered(self, local_app: Flask, address: str) -> None:
        client = local_app.test_client()
        response = client.get("/health", environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 200

    def test_allow_remote_lifts_it_and_the_banner_says_so(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        from proxy_app import create_app
        from proxy_app.config import Config

        app = create_app(Config(local_mode_allow_remote=True))
        banner = capsys.readouterr().err
        assert "LOCAL_MODE_ALLOW_REMOTE=true" in banner
        assert "forge" in banner
        response = app.test_client().get("/health", environ_base={"REMOTE_ADDR": "10.1.2.3"})
        assert response.status_code == 200

    def test_configured_pools_are_not_restricted(self, client: FlaskClient) -> None:
        response = client.get("/health", environ_base={"REMOTE_ADDR": "10.1.2.3"})
        assert response.status_code == 200


class TestItem4WriteRoutesNeedTheSelfServiceScope:
    """An access token with only `openid` must not change or delete the account."""

    def _token(self, user: User, cognito: Any, scope: str) -> str:
        account = cognito.admin_get_user(UserPoolId=user.pool.id, Username=user.username)
        sub = next(a["Value"] for a in account["UserAttributes"] if a["Name"] == "sub")
        return mint(claims_for(user.pool, "access", user.username, sub, scope=scope))

    def test_openid_only_cannot_update(self, client: FlaskClient, cognito: Any, user: User) -> None:
        token = self._token(user, cognito, "openid")
        response = client.post(
            "/admin/user/attribute",
            json={"accessToken": token, "attributeName": "name", "attributeValue": "Eve"},
        )
        assert problem(response, 403, "Forbidden")["reason"] == "missing_scope"
        assert "name" not in _attributes(cognito, user.pool, user.username)

    def test_openid_only_cannot_delete(self, client: FlaskClient, cognito: Any, user: User) -> None:
        token = self._token(user, cognito, "openid email")
        response = client.delete("/admin/user", headers={"Authorization": f"Bearer {token}"})
        assert problem(response, 403, "Forbidden")["reason"] == "missing_scope"
        cognito.admin_get_user(UserPoolId=user.pool.id, Username=user.username)

    def test_the_self_service_scope_may(
        self, client: FlaskClient, cognito: Any, user: User
    ) -> None:
        # A real access token (it carries the self-service scope): the route acts through
        # Cognito with the token itself, and Cognito knows only the tokens it issued.
        token = sign_in(client, user)["accessToken"]
        response = client.post(
            "/admin/user/attribute",
            json={"accessToken": token, "attributeName": "name", "attributeValue": "Ada"},
        )
        assert response.status_code == 200
        assert _attributes(cognito, user.pool, user.username)["name"] == "Ada"


class TestAppClientMisconfigurationIsNotAWrongPassword:
    """Cognito's NotAuthorized for a bad secret is the operator's error, not the user's."""

    @pytest.mark.parametrize(
        "message",
        [
            "Unable to verify secret hash for client 1example23456789",
            "Client 1example23456789 is configured for secret but secret was not received",
            "Auth flow not enabled for this client",
        ],
    )
    def test_sign_in_answers_500_and_logs_it_stubbed(
        self, app: Flask, message: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        from conftest import stubbed_error

        caplog.set_level(logging.ERROR, logger="proxy_app")
        response = stubbed_error(
            app,
            "admin_initiate_auth",
            "NotAuthorizedException",
            "/admin/signin",
            {"username": "ada@example.com", "password": PASSWORD},
            message,
        )
        problem(response, 500, "InternalError")
        assert any(
            getattr(r, "cognitoError", None) == "AppClientMisconfigured" for r in caplog.records
        )
        assert PASSWORD not in caplog.text

    def test_a_real_wrong_password_is_still_401_stubbed(self, app: Flask) -> None:
        from conftest import stubbed_error

        response = stubbed_error(
            app,
            "admin_initiate_auth",
            "NotAuthorizedException",
            "/admin/signin",
            {"username": "ada@example.com", "password": PASSWORD},
            "Incorrect username or password.",
        )
        problem(response, 401, "NotAuthorized")
