"""Routes that act on the token's user: attribute update and delete, and what a token may
change (its scope; a token of an earlier account under the same username: nothing)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.support.app import problem, sign_in
from tests.support.cognito import PASSWORD, Pool, User, unique_username, user_attributes
from tests.support.tokenkit import claims_for, mint


class TestUpdateAttribute:
    def test_sets_the_attribute_of_the_tokens_user(
        self, client: FlaskClient, cognito: Any, user: User, tokens: dict[str, Any]
    ) -> None:
        response = client.post(
            "/admin/user/attribute",
            headers={
                "idToken": tokens["idToken"],
                "attributeName": "name",
                "attributeValue": "Vladimir Budilov",
            },
        )
        assert response.status_code == 200
        assert response.json == {"attributes": {"name": "Vladimir Budilov"}}
        assert user_attributes(cognito, user.pool, user.username)["name"] == "Vladimir Budilov"

    def test_accepts_an_access_token_as_bearer(
        self, client: FlaskClient, cognito: Any, user: User, tokens: dict[str, Any]
    ) -> None:
        response = client.post(
            "/admin/user/attribute",
            headers={"Authorization": f"Bearer {tokens['accessToken']}"},
            json={"attributeName": "given_name", "attributeValue": "Ada"},
        )
        assert response.status_code == 200
        assert user_attributes(cognito, user.pool, user.username)["given_name"] == "Ada"

    def test_utf8_header_values_arrive_intact(
        self, client: FlaskClient, cognito: Any, user: User, tokens: dict[str, Any]
    ) -> None:
        # A WSGI server hands header bytes over as latin-1; the app decodes them as UTF-8.
        raw = "Zoë Ünal".encode().decode("latin-1")
        response = client.post(
            "/admin/user/attribute",
            headers={"idToken": tokens["idToken"], "attributeName": "name", "attributeValue": raw},
        )
        assert response.status_code == 200
        assert user_attributes(cognito, user.pool, user.username)["name"] == "Zoë Ünal"

    @pytest.mark.parametrize(
        "attribute", ["email_verified", "phone_number_verified", "custom:tier", "sub"]
    )
    def test_protected_attributes_are_403(
        self, client: FlaskClient, cognito: Any, user: User, tokens: dict[str, Any], attribute: str
    ) -> None:
        before = user_attributes(cognito, user.pool, user.username)
        response = client.post(
            "/admin/user/attribute",
            json={"idToken": tokens["idToken"], "attributeName": attribute, "attributeValue": "x"},
        )
        problem(response, 403, "AttributeNotWritable")
        assert user_attributes(cognito, user.pool, user.username) == before

    def test_operator_can_allow_a_custom_attribute(
        self, make_app: Any, cognito: Any, user: User
    ) -> None:
        client = make_app(writable_attributes=frozenset({"custom:tier"})).test_client()
        signed_in = client.post(
            "/admin/signin", json={"username": user.username, "password": user.password}
        ).json
        response = client.post(
            "/admin/user/attribute",
            json={
                "idToken": signed_in["idToken"],
                "attributeName": "custom:tier",
                "attributeValue": "gold",
            },
        )
        assert response.status_code == 200
        assert user_attributes(cognito, user.pool, user.username)["custom:tier"] == "gold"
        refused = client.post(
            "/admin/user/attribute",
            json={"idToken": signed_in["idToken"], "attributeName": "name", "attributeValue": "x"},
        )
        problem(refused, 403, "AttributeNotWritable")

    def test_a_username_in_the_request_is_refused_not_trusted(
        self, client: FlaskClient, cognito: Any, make_user: Any, tokens: dict[str, Any]
    ) -> None:
        victim = make_user()
        response = client.post(
            "/admin/user/attribute",
            json={
                "idToken": tokens["idToken"],
                "username": victim.username,
                "attributeName": "name",
                "attributeValue": "pwned",
            },
        )
        problem(response, 400, "ValidationFailed")
        assert "name" not in user_attributes(cognito, victim.pool, victim.username)

    def test_header_username_is_ignored(
        self, client: FlaskClient, cognito: Any, make_user: Any, user: User, tokens: dict[str, Any]
    ) -> None:
        victim = make_user()
        response = client.post(
            "/admin/user/attribute",
            headers={
                "username": victim.username,
                "idToken": tokens["idToken"],
                "attributeName": "name",
                "attributeValue": "mine",
            },
        )
        assert response.status_code == 200
        assert user_attributes(cognito, user.pool, user.username)["name"] == "mine"
        assert "name" not in user_attributes(cognito, victim.pool, victim.username)

    def test_missing_token_is_401(self, client: FlaskClient) -> None:
        response = client.post(
            "/admin/user/attribute", json={"attributeName": "name", "attributeValue": "x"}
        )
        body = problem(response, 401, "InvalidToken")
        assert body["reason"] == "missing"

    def test_id_and_access_token_together_are_400(
        self, client: FlaskClient, tokens: dict[str, Any]
    ) -> None:
        response = client.post(
            "/admin/user/attribute",
            json={
                "idToken": tokens["idToken"],
                "accessToken": tokens["accessToken"],
                "attributeName": "name",
                "attributeValue": "x",
            },
        )
        problem(response, 400, "ValidationFailed")


class TestDeleteUser:
    def test_deletes_the_tokens_user(
        self, client: FlaskClient, cognito: Any, user: User, tokens: dict[str, Any]
    ) -> None:
        response = client.delete("/admin/user", headers={"idToken": tokens["idToken"]})
        assert response.status_code == 204
        assert response.data == b""
        with pytest.raises(cognito.exceptions.UserNotFoundException):
            cognito.admin_get_user(UserPoolId=user.pool.id, Username=user.username)
        again = client.delete("/admin/user", headers={"idToken": tokens["idToken"]})
        assert problem(again, 401, "InvalidToken")["reason"] == "revoked"

    def test_tampered_token_deletes_nothing(
        self, client: FlaskClient, cognito: Any, user: User, tokens: dict[str, Any]
    ) -> None:
        header, payload, signature = tokens["idToken"].split(".")
        forged = f"{header}.{payload}.{signature[:-4]}AAAA"
        response = client.delete("/admin/user", headers={"idToken": forged})
        problem(response, 401, "InvalidToken")
        cognito.admin_get_user(UserPoolId=user.pool.id, Username=user.username)

    def test_without_token_is_401(self, client: FlaskClient) -> None:
        problem(client.delete("/admin/user"), 401, "InvalidToken")


class TestAnOldTokenOfAReusedUsername:
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
        assert user_attributes(cognito, pool, username)["email"] == username

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
        assert user_attributes(cognito, pool, username)["name"] == "New"

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
        assert "name" not in user_attributes(cognito, user.pool, user.username)

    def test_the_same_user_still_can(
        self, client: FlaskClient, cognito: Any, user: User, tokens: dict[str, Any]
    ) -> None:
        response = client.post(
            "/admin/user/attribute",
            json={"idToken": tokens["idToken"], "attributeName": "name", "attributeValue": "Ada"},
        )
        assert response.status_code == 200
        assert user_attributes(cognito, user.pool, user.username)["name"] == "Ada"


class TestWriteRoutesNeedTheSelfServiceScope:
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
        assert "name" not in user_attributes(cognito, user.pool, user.username)

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
        assert user_attributes(cognito, user.pool, user.username)["name"] == "Ada"
