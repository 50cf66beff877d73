"""Sign-up, confirmation, sign-in and refresh routes, against moto over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber
from conftest import PASSWORD, Pool, User, problem, unique_username
from flask import Flask
from flask.testing import FlaskClient


def _stub(app: Flask) -> Stubber:
    """Stub the app's own boto3 client (for what moto cannot show)."""
    stubber = Stubber(app.extensions["cognito_gateway"].client)
    stubber.activate()
    return stubber


class TestSignUp:
    def test_creates_an_unconfirmed_user(
        self, client: FlaskClient, cognito: Any, pool: Pool
    ) -> None:
        username = unique_username()
        response = client.post(
            "/signup",
            json={"username": username, "password": PASSWORD, "attributes": {"name": "Ada"}},
        )
        assert response.status_code == 201, response.json
        body = response.json
        assert body["userConfirmed"] is False
        assert body["userSub"]
        user = cognito.admin_get_user(UserPoolId=pool.id, Username=username)
        assert user["UserStatus"] == "UNCONFIRMED"
        assert {"Name": "name", "Value": "Ada"} in user["UserAttributes"]

    def test_autoconfirm_confirms_and_verifies_email(
        self, make_app: Any, cognito: Any, pool: Pool
    ) -> None:
        client = make_app(autoconfirm_user=True).test_client()
        username = unique_username()
        response = client.post("/signup", headers={"username": username, "password": PASSWORD})
        assert response.status_code == 201
        assert response.json["userConfirmed"] is True
        user = cognito.admin_get_user(UserPoolId=pool.id, Username=username)
        assert user["UserStatus"] == "CONFIRMED"
        assert {"Name": "email_verified", "Value": "true"} in user["UserAttributes"]

    def test_existing_username_is_409(self, client: FlaskClient, user: User) -> None:
        response = client.post("/signup", json={"username": user.username, "password": PASSWORD})
        problem(response, 409, "UsernameExists")

    def test_weak_password_is_400(self, client: FlaskClient) -> None:
        response = client.post("/signup", json={"username": unique_username(), "password": "short"})
        problem(response, 400, "InvalidPassword")

    @pytest.mark.parametrize(
        "attribute", ["email_verified", "phone_number_verified", "custom:tier"]
    )
    def test_protected_attributes_are_refused(self, client: FlaskClient, attribute: str) -> None:
        response = client.post(
            "/signup",
            json={
                "username": unique_username(),
                "password": PASSWORD,
                "attributes": {attribute: "true"},
            },
        )
        body = problem(response, 403, "AttributeNotWritable")
        assert attribute in body["errors"]

    def test_autoconfirm_failure_removes_the_user_so_a_retry_succeeds(
        self, make_app: Any, cognito: Any, pool: Pool
    ) -> None:
        app = make_app(autoconfirm_user=True)
        events = app.extensions["cognito_gateway"].client.meta.events

        def fail_confirm(**_: Any) -> None:
            raise EndpointConnectionError(endpoint_url=pool.endpoint)

        events.register("before-call.cognito-idp.AdminConfirmSignUp", fail_confirm)
        username = unique_username()
        client = app.test_client()
        response = client.post("/signup", json={"username": username, "password": PASSWORD})
        problem(response, 503, "UpstreamUnavailable")
        with pytest.raises(cognito.exceptions.UserNotFoundException):
            cognito.admin_get_user(UserPoolId=pool.id, Username=username)
        events.unregister("before-call.cognito-idp.AdminConfirmSignUp", fail_confirm)
        retry = client.post("/signup", json={"username": username, "password": PASSWORD})
        assert retry.status_code == 201
        assert retry.json["userConfirmed"] is True
