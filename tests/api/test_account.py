"""The signed-in user's own account: GET /user, /password/change, /signout, /token/revoke,
attribute verification. Over the local emulator (moto behind local_cognito, which answers
RevokeToken and the attribute verification calls moto lacks), accepting any code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.stub import ANY
from flask import Flask
from flask.testing import FlaskClient

from tests.support.app import problem, sign_in
from tests.support.cognito import PASSWORD, Pool, User
from tests.support.stubs import stubbed_cognito

NEW_PASSWORD = "N3w-Passw0rd!"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _refresh(client: FlaskClient, refresh_token: str) -> Any:
    return client.post("/admin/refresh", json={"refreshToken": refresh_token})


class TestGetUser:
    def test_with_an_access_token_gets_the_profile(
        self, client: FlaskClient, user: User, tokens: dict[str, Any]
    ) -> None:
        response = client.get("/user", headers=_bearer(tokens["accessToken"]))
        assert response.status_code == 200, response.json
        body = response.json
        assert body["username"] == user.username
        assert body["attributes"]["email"] == user.username
        assert body["sub"] == body["attributes"]["sub"]
        assert body["mfa"] == {"enabled": [], "preferred": None}
        assert body["enabled"] is True
        assert body["status"] is None

    def test_with_an_id_token_gets_status_too(
        self, client: FlaskClient, user: User, tokens: dict[str, Any]
    ) -> None:
        response = client.get("/user", json={"idToken": tokens["idToken"]})
        assert response.status_code == 200, response.json
        assert response.json["username"] == user.username
        assert response.json["status"] == "CONFIRMED"
        assert response.json["enabled"] is True

    def test_the_original_header_style_works(
        self, client: FlaskClient, tokens: dict[str, Any]
    ) -> None:
        response = client.get("/user", headers={"idToken": tokens["idToken"]})
        assert response.status_code == 200

    def test_without_a_token_is_401(self, client: FlaskClient) -> None:
        problem(client.get("/user"), 401, "InvalidToken")

    def test_an_id_token_of_a_deleted_user_is_revoked(
        self, client: FlaskClient, cognito: Any, pool: Pool, user: User, tokens: dict[str, Any]
    ) -> None:
        cognito.admin_delete_user(UserPoolId=pool.id, Username=user.username)
        response = client.get("/user", json={"idToken": tokens["idToken"]})
        assert problem(response, 401, "InvalidToken")["reason"] == "revoked"


class TestChangePassword:
    def test_then_the_new_password_signs_in_and_the_old_does_not(
        self, client: FlaskClient, user: User, tokens: dict[str, Any]
    ) -> None:
        response = client.post(
            "/password/change",
            json={"previousPassword": PASSWORD, "proposedPassword": NEW_PASSWORD},
            headers=_bearer(tokens["accessToken"]),
        )
        assert response.status_code == 204, response.get_data(True)
        sign_in(client, User(user.username, NEW_PASSWORD, user.pool))
        old = client.post("/admin/signin", json={"username": user.username, "password": PASSWORD})
        problem(old, 401, "NotAuthorized")

    def test_a_wrong_previous_password_is_401(
        self, client: FlaskClient, tokens: dict[str, Any]
    ) -> None:
        response = client.post(
            "/password/change",
            json={
                "accessToken": tokens["accessToken"],
                "previousPassword": "Wr0ng-Passw0rd!",
                "proposedPassword": NEW_PASSWORD,
            },
        )
        problem(response, 401, "NotAuthorized")

    def test_a_password_the_policy_refuses_is_400(
        self, client: FlaskClient, tokens: dict[str, Any]
    ) -> None:
        response = client.post(
            "/password/change",
            json={"previousPassword": PASSWORD, "proposedPassword": "short"},
            headers=_bearer(tokens["accessToken"]),
        )
        problem(response, 400, "InvalidPassword")

    def test_an_id_token_is_refused(self, client: FlaskClient, tokens: dict[str, Any]) -> None:
        response = client.post(
            "/password/change",
            json={
                "idToken": tokens["idToken"],
                "previousPassword": PASSWORD,
                "proposedPassword": NEW_PASSWORD,
            },
        )
        problem(response, 400, "ValidationFailed")


class TestSignOut:
    @pytest.mark.parametrize("kind", ["accessToken", "idToken"])
    def test_then_the_refresh_token_fails(
        self, client: FlaskClient, tokens: dict[str, Any], kind: str
    ) -> None:
        assert _refresh(client, tokens["refreshToken"]).status_code == 200
        response = client.post("/signout", json={kind: tokens[kind]})
        assert response.status_code == 204, response.get_data(True)
        problem(_refresh(client, tokens["refreshToken"]), 401, "NotAuthorized")

    def test_without_a_token_is_401(self, client: FlaskClient) -> None:
        problem(client.post("/signout"), 401, "InvalidToken")

    def test_without_the_revocation_check_tokens_still_verify_locally(
        self, client: FlaskClient, tokens: dict[str, Any]
    ) -> None:
        # Documented: with TOKEN_REVOCATION_CHECK off nothing asks Cognito or the table.
        client.post("/signout", headers=_bearer(tokens["accessToken"]))
        assert client.get("/token/valid", json={"idToken": tokens["idToken"]}).status_code == 200
        valid = client.get("/token/valid", headers=_bearer(tokens["accessToken"]))
        assert valid.status_code == 200


class TestRevokeToken:
    def test_then_the_refresh_token_and_its_access_token_fail(
        self, make_app: Callable[..., Flask], user: User
    ) -> None:
        client = make_app(token_revocation_check=True).test_client()
        tokens = sign_in(client, user)
        response = client.post("/token/revoke", json={"refreshToken": tokens["refreshToken"]})
        assert response.status_code == 204, response.get_data(True)
        problem(_refresh(client, tokens["refreshToken"]), 401, "NotAuthorized")
        revoked = client.get("/token/valid", headers=_bearer(tokens["accessToken"]))
        assert problem(revoked, 401, "InvalidToken")["reason"] == "revoked"

    def test_other_sessions_live_on(self, client: FlaskClient, user: User) -> None:
        first, second = sign_in(client, user), sign_in(client, user)
        client.post("/token/revoke", json={"refreshToken": first["refreshToken"]})
        assert _refresh(client, second["refreshToken"]).status_code == 200

    def test_sends_the_client_secret_stubbed(
        self, make_app: Callable[..., Flask], secret_pool: Pool
    ) -> None:
        app = make_app(secret_pool)
        with stubbed_cognito(app) as stubber:
            stubber.add_response(
                "revoke_token",
                {},
                {
                    "Token": "a-refresh-token",
                    "ClientId": secret_pool.client_id,
                    "ClientSecret": secret_pool.client_secret,
                },
            )
            response = app.test_client().post(
                "/token/revoke", json={"refreshToken": "a-refresh-token"}
            )
            stubber.assert_no_pending_responses()
        assert response.status_code == 204

    def test_without_a_secret_sends_none_stubbed(self, app: Flask, pool: Pool) -> None:
        with stubbed_cognito(app) as stubber:
            stubber.add_response(
                "revoke_token", {}, {"Token": "a-refresh-token", "ClientId": pool.client_id}
            )
            response = app.test_client().post(
                "/token/revoke", json={"refreshToken": "a-refresh-token"}
            )
            stubber.assert_no_pending_responses()
        assert response.status_code == 204


class TestAttributeVerification:
    def test_a_changed_email_is_verified_end_to_end(
        self, client: FlaskClient, cognito: Any, pool: Pool, user: User, tokens: dict[str, Any]
    ) -> None:
        changed = client.post(
            "/admin/user/attribute",
            json={
                "idToken": tokens["idToken"],
                "attributeName": "email",
                "attributeValue": "new-address@example.com",
            },
        )
        assert changed.status_code == 200, changed.json
        cognito.admin_update_user_attributes(
            UserPoolId=pool.id,
            Username=user.username,
            UserAttributes=[{"Name": "email_verified", "Value": "false"}],
        )
        sent = client.post(
            "/user/attribute/verification-code",
            json={"attributeName": "email"},
            headers=_bearer(tokens["accessToken"]),
        )
        assert sent.status_code == 200, sent.json
        assert sent.json["codeDeliveryDetails"]["deliveryMedium"] == "EMAIL"
        assert sent.json["codeDeliveryDetails"]["attributeName"] == "email"
        verified = client.post(
            "/user/attribute/verify",
            json={"attributeName": "email", "confirmationCode": "123456"},
            headers=_bearer(tokens["accessToken"]),
        )
        assert verified.status_code == 204, verified.get_data(True)
        attributes = client.get("/user", headers=_bearer(tokens["accessToken"])).json["attributes"]
        assert attributes["email"] == "new-address@example.com"
        assert attributes["email_verified"] == "true"

    def test_a_wrong_code_is_400_stubbed(self, app: Flask, tokens: dict[str, Any]) -> None:
        with stubbed_cognito(app) as stubber:
            stubber.add_client_error("verify_user_attribute", "CodeMismatchException", "wrong")
            response = app.test_client().post(
                "/user/attribute/verify",
                json={"attributeName": "email", "confirmationCode": "654321"},
                headers=_bearer(tokens["accessToken"]),
            )
            stubber.assert_no_pending_responses()
        problem(response, 400, "CodeMismatch")

    def test_the_code_goes_to_cognito_as_given_stubbed(
        self, app: Flask, tokens: dict[str, Any]
    ) -> None:
        with stubbed_cognito(app) as stubber:
            stubber.add_response(
                "verify_user_attribute",
                {},
                {"AccessToken": ANY, "AttributeName": "phone_number", "Code": "012345"},
            )
            response = app.test_client().post(
                "/user/attribute/verify",
                json={"attributeName": "phone_number", "confirmationCode": "012345"},
                headers=_bearer(tokens["accessToken"]),
            )
            stubber.assert_no_pending_responses()
        assert response.status_code == 204


_MISSING = object()
_PASSWORDS = {"previousPassword": PASSWORD, "proposedPassword": NEW_PASSWORD}
_VERIFY = {"attributeName": "email", "confirmationCode": "123456"}
# (route, a valid body, the field spoiled, its bad forms: missing, empty, too long,
# wrong type, and what else the field refuses)
_SPOILED: list[tuple[str, dict[str, Any], str, list[Any]]] = [
    ("/password/change", _PASSWORDS, "previousPassword", [_MISSING, "", "x" * 257, 12345678]),
    ("/password/change", _PASSWORDS, "proposedPassword", [_MISSING, "", "x" * 257, ["x"]]),
    ("/token/revoke", {"refreshToken": "abc"}, "refreshToken", [_MISSING, "", "x" * 8193, 7]),
    ("/token/revoke", {"refreshToken": "abc"}, "username", ["", "u" * 129, 7]),
    (
        "/user/attribute/verification-code",
        {"attributeName": "email"},
        "attributeName",
        [_MISSING, "", "e" * 33, 1, "name", "email_verified"],
    ),
    ("/user/attribute/verify", _VERIFY, "attributeName", [_MISSING, "", "e" * 33, 1, "sub"]),
    (
        "/user/attribute/verify",
        _VERIFY,
        "confirmationCode",
        [_MISSING, "", "1234567", "12345", "12a456", " 123456", 123456, None],
    ),
]
BAD_FORMS = [
    (path, {k: v for k, v in {**valid, field: bad}.items() if v is not _MISSING}, field)
    for path, valid, field, forms in _SPOILED
    for bad in forms
]


@pytest.mark.parametrize(("path", "body", "field"), BAD_FORMS)
def test_bad_input_is_400_before_any_cognito_call(
    app: Flask, tokens: dict[str, Any], path: str, body: dict[str, Any], field: str
) -> None:
    # An empty Stubber fails any call the app would make to Cognito.
    with stubbed_cognito(app):
        response = app.test_client().post(path, json=body, headers=_bearer(tokens["accessToken"]))
    assert field in problem(response, 400, "ValidationFailed")["errors"]


@pytest.mark.parametrize(
    "path", ["/password/change", "/user/attribute/verification-code", "/user/attribute/verify"]
)
def test_self_service_routes_need_an_access_token(client: FlaskClient, path: str) -> None:
    body = {"attributeName": "email", "confirmationCode": "123456"}
    if path == "/password/change":
        body = {"previousPassword": PASSWORD, "proposedPassword": NEW_PASSWORD}
    elif path.endswith("verification-code"):
        body = {"attributeName": "email"}
    problem(client.post(path, json=body), 401, "InvalidToken")
