"""Routes that act on the token's user: attribute update and delete."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import User, problem
from flask.testing import FlaskClient


def _attributes(cognito: Any, user: User) -> dict[str, str]:
    found = cognito.admin_get_user(UserPoolId=user.pool.id, Username=user.username)
    return {a["Name"]: a["Value"] for a in found["UserAttributes"]}


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
        assert _attributes(cognito, user)["name"] == "Vladimir Budilov"

    def test_accepts_an_access_token_as_bearer(
        self, client: FlaskClient, cognito: Any, user: User, tokens: dict[str, Any]
    ) -> None:
        response = client.post(
            "/admin/user/attribute",
            headers={"Authorization": f"Bearer {tokens['accessToken']}"},
            json={"attributeName": "given_name", "attributeValue": "Ada"},
        )
        assert response.status_code == 200
        assert _attributes(cognito, user)["given_name"] == "Ada"

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
        assert _attributes(cognito, user)["name"] == "Zoë Ünal"

    @pytest.mark.parametrize(
        "attribute", ["email_verified", "phone_number_verified", "custom:tier", "sub"]
    )
    def test_protected_attributes_are_403(
        self, client: FlaskClient, cognito: Any, user: User, tokens: dict[str, Any], attribute: str
    ) -> None:
        before = _attributes(cognito, user)
        response = client.post(
            "/admin/user/attribute",
            json={"idToken": tokens["idToken"], "attributeName": attribute, "attributeValue": "x"},
        )
        problem(response, 403, "AttributeNotWritable")
        assert _attributes(cognito, user) == before

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
        assert _attributes(cognito, user)["custom:tier"] == "gold"
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
        assert "name" not in _attributes(cognito, victim)

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
        assert _attributes(cognito, user)["name"] == "mine"
        assert "name" not in _attributes(cognito, victim)

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
