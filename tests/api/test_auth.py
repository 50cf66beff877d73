"""Sign-up, confirmation, sign-in and refresh routes, against the emulator over HTTP:
autoconfirmation only for the trusted backend, an app client's misconfiguration is no
wrong password."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from flask import Flask
from flask.testing import FlaskClient

from tests.support.app import problem
from tests.support.cognito import PASSWORD, Pool, User, unique_username, user_attributes
from tests.support.stubs import cognito_client, stubbed_cognito, stubbed_error

BACKEND_SECRET = "b" * 48


def _record_answers(app: Flask) -> list[dict[str, Any]]:
    """Record what Cognito answers each of the app's calls (parsed by botocore)."""
    answers: list[dict[str, Any]] = []
    cognito_client(app).meta.events.register(
        "after-call.cognito-idp", lambda parsed, **_: answers.append(parsed)
    )
    return answers


def _cognito_tokens(expires_in: int, refresh: bool = True) -> dict[str, Any]:
    """A Cognito AuthenticationResult with placeholder tokens."""
    result: dict[str, Any] = {
        "IdToken": "id.token.placeholder",
        "AccessToken": "access.token.placeholder",
        "ExpiresIn": expires_in,
        "TokenType": "Bearer",
    }
    if refresh:
        result["RefreshToken"] = "refresh-token-placeholder"
    return {"AuthenticationResult": result}


@pytest.mark.parametrize(
    ("operation", "path", "body"),
    [
        ("admin_initiate_auth", "/admin/signin", {"username": "someone", "password": PASSWORD}),
        ("initiate_auth", "/admin/refresh", {"refreshToken": "refresh-token-placeholder"}),
        (
            "admin_respond_to_auth_challenge",
            "/admin/challenge",
            {
                "username": "someone",
                "challengeName": "NEW_PASSWORD_REQUIRED",
                "session": "s" * 40,
                "responses": {"NEW_PASSWORD": PASSWORD},
            },
        ),
    ],
)
def test_expires_in_is_what_cognito_said_stubbed(
    app: Flask, operation: str, path: str, body: dict[str, Any]
) -> None:
    with stubbed_cognito(app) as stubber:
        stubber.add_response(operation, _cognito_tokens(300))
        response = app.test_client().post(path, json=body)
        stubber.assert_no_pending_responses()
    assert response.status_code == 200, response.json
    assert response.json["expiresIn"] == 300


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

    def test_autoconfirm_with_the_backend_secret_confirms_and_verifies_email(
        self, make_app: Any, cognito: Any, pool: Pool
    ) -> None:
        secret = "s" * 40
        client = make_app(autoconfirm_user=True, autoconfirm_secret=secret).test_client()
        username = unique_username()
        response = client.post(
            "/signup",
            headers={"username": username, "password": PASSWORD, "X-Autoconfirm-Secret": secret},
        )
        assert response.status_code == 201
        assert response.json["userConfirmed"] is True
        user = cognito.admin_get_user(UserPoolId=pool.id, Username=username)
        assert user["UserStatus"] == "CONFIRMED"
        assert {"Name": "email_verified", "Value": "true"} in user["UserAttributes"]

    def test_an_email_username_is_also_the_email_attribute(
        self, client: FlaskClient, cognito: Any, pool: Pool
    ) -> None:
        username = unique_username()
        response = client.post("/signup", headers={"username": username, "password": PASSWORD})
        assert response.status_code == 201
        user = cognito.admin_get_user(UserPoolId=pool.id, Username=username)
        assert {"Name": "email", "Value": username} in user["UserAttributes"]

    def test_a_given_email_attribute_wins_and_plain_usernames_get_none(
        self, client: FlaskClient, cognito: Any, pool: Pool
    ) -> None:
        username = unique_username()
        client.post(
            "/signup",
            json={
                "username": username,
                "password": PASSWORD,
                "attributes": {"email": "other@example.com"},
            },
        )
        user = cognito.admin_get_user(UserPoolId=pool.id, Username=username)
        assert {"Name": "email", "Value": "other@example.com"} in user["UserAttributes"]
        plain = f"plain-{username.split('@')[0]}"
        assert (
            client.post("/signup", json={"username": plain, "password": PASSWORD}).status_code
            == 201
        )
        names = {
            a["Name"]
            for a in cognito.admin_get_user(UserPoolId=pool.id, Username=plain)["UserAttributes"]
        }
        assert "email" not in names

    def test_autoconfirm_without_an_email_verifies_nothing(
        self, make_app: Any, cognito: Any, pool: Pool
    ) -> None:
        client = make_app(autoconfirm_user=True).test_client()
        plain = f"plain-{unique_username().split('@')[0]}"
        response = client.post("/signup", json={"username": plain, "password": PASSWORD})
        assert response.json["userConfirmed"] is True
        user = cognito.admin_get_user(UserPoolId=pool.id, Username=plain)
        assert user["UserStatus"] == "CONFIRMED"
        assert "email_verified" not in {a["Name"] for a in user["UserAttributes"]}

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
        events = cognito_client(app).meta.events

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


class TestConfirmSignUp:
    def test_confirms_the_user(self, client: FlaskClient, cognito: Any, pool: Pool) -> None:
        username = unique_username()
        assert (
            client.post("/signup", json={"username": username, "password": PASSWORD}).status_code
            == 201
        )
        response = client.post(
            "/confirmsignup", headers={"username": username, "confirmationCode": "123456"}
        )
        assert response.status_code == 200
        assert response.json == {"confirmed": True}
        user = cognito.admin_get_user(UserPoolId=pool.id, Username=username)
        assert user["UserStatus"] == "CONFIRMED"

    @pytest.mark.parametrize(
        ("cognito_error", "status", "code"),
        [
            ("CodeMismatchException", 400, "CodeMismatch"),
            # Expired or wrong: one answer, so that it tells nothing about the account.
            ("ExpiredCodeException", 400, "CodeMismatch"),
            ("TooManyFailedAttemptsException", 429, "TooManyRequests"),
        ],
    )
    def test_wrong_code_stubbed(
        self, app: Flask, cognito_error: str, status: int, code: str
    ) -> None:
        # moto accepts any confirmation code, so Cognito's refusal is stubbed.
        response = stubbed_error(
            app,
            "confirm_sign_up",
            cognito_error,
            "/confirmsignup",
            {"username": "someone", "confirmationCode": "000000"},
        )
        problem(response, status, code)


class TestResendCode:
    # moto lacks ResendConfirmationCode (local mode teaches its embedded emulator; see
    # test_local_mode.py), so these stub the app's client.
    def test_answers_code_delivery_stubbed(self, app: Flask, pool: Pool) -> None:
        with stubbed_cognito(app) as stubber:
            stubber.add_response(
                "resend_confirmation_code",
                {
                    "CodeDeliveryDetails": {
                        "Destination": "a***@e***",
                        "DeliveryMedium": "EMAIL",
                        "AttributeName": "email",
                    }
                },
                {"ClientId": pool.client_id, "Username": "someone@example.com"},
            )
            response = app.test_client().post(
                "/resendcode", headers={"username": "someone@example.com"}
            )
        assert response.status_code == 200
        assert response.json == {
            "codeDeliveryDetails": {
                "destination": "a***@e***",
                "deliveryMedium": "EMAIL",
                "attributeName": "email",
            }
        }

    @pytest.mark.parametrize(
        ("cognito_error", "status", "code"),
        [
            ("UserNotFoundException", 401, "NotAuthorized"),
            ("LimitExceededException", 429, "TooManyRequests"),
            ("CodeDeliveryFailureException", 502, "CodeDeliveryFailed"),
        ],
    )
    def test_errors_stubbed(self, app: Flask, cognito_error: str, status: int, code: str) -> None:
        response = stubbed_error(
            app, "resend_confirmation_code", cognito_error, "/resendcode", {"username": "someone"}
        )
        problem(response, status, code)


class TestSignIn:
    def test_answers_tokens(self, app: Flask, user: User) -> None:
        answers = _record_answers(app)
        response = app.test_client().post(
            "/admin/signin", headers={"username": user.username, "password": user.password}
        )
        assert response.status_code == 200
        body = response.json
        assert set(body) == {"idToken", "accessToken", "refreshToken", "expiresIn", "tokenType"}
        # What Cognito said, not a constant (moto's 3600 is also the app's fallback).
        assert body["expiresIn"] == answers[-1]["AuthenticationResult"]["ExpiresIn"]
        assert body["tokenType"] == "Bearer"
        assert response.headers["Cache-Control"] == "no-store"

    def test_wrong_password_and_unknown_user_answer_alike(
        self, client: FlaskClient, user: User
    ) -> None:
        wrong = client.post(
            "/admin/signin", json={"username": user.username, "password": "Wr0ng-password"}
        )
        unknown = client.post(
            "/admin/signin", json={"username": unique_username(), "password": "Wr0ng-password"}
        )
        first = problem(wrong, 401, "NotAuthorized")
        second = problem(unknown, 401, "NotAuthorized")
        first.pop("requestId")
        second.pop("requestId")
        assert first == second
        assert user.username not in wrong.get_data(as_text=True)

    def test_disabled_user_is_401(self, client: FlaskClient, cognito: Any, user: User) -> None:
        cognito.admin_disable_user(UserPoolId=user.pool.id, Username=user.username)
        response = client.post(
            "/admin/signin", json={"username": user.username, "password": user.password}
        )
        problem(response, 401, "NotAuthorized")

    def test_new_password_required_answers_the_challenge(
        self, client: FlaskClient, cognito: Any, pool: Pool
    ) -> None:
        username = unique_username()
        cognito.admin_create_user(
            UserPoolId=pool.id,
            Username=username,
            TemporaryPassword="Temp0rary-pass",
            MessageAction="SUPPRESS",
        )
        response = client.post(
            "/admin/signin", json={"username": username, "password": "Temp0rary-pass"}
        )
        assert response.status_code == 200
        body = response.json
        assert body["challengeName"] == "NEW_PASSWORD_REQUIRED"
        assert body["session"]
        assert "idToken" not in body

    @pytest.mark.parametrize(
        ("cognito_error", "status", "code"),
        [
            ("UserNotConfirmedException", 403, "UserNotConfirmed"),
            ("PasswordResetRequiredException", 403, "PasswordResetRequired"),
            ("TooManyRequestsException", 429, "TooManyRequests"),
        ],
    )
    def test_account_states_stubbed(
        self, app: Flask, cognito_error: str, status: int, code: str
    ) -> None:
        # moto signs unconfirmed users in and never asks for a reset: stub Cognito's answer.
        response = stubbed_error(
            app,
            "admin_initiate_auth",
            cognito_error,
            "/admin/signin",
            {"username": "someone", "password": PASSWORD},
        )
        problem(response, status, code)

    def test_answer_without_tokens_or_challenge_is_502_stubbed(self, app: Flask) -> None:
        with stubbed_cognito(app) as stubber:
            stubber.add_response("admin_initiate_auth", {})
            response = app.test_client().post(
                "/admin/signin", json={"username": "someone", "password": PASSWORD}
            )
        problem(response, 502, "UpstreamError")

    def test_sign_in_with_a_client_secret(
        self, make_app: Any, make_user: Any, secret_pool: Pool
    ) -> None:
        user = make_user(secret_pool)
        client = make_app(secret_pool).test_client()
        response = client.post(
            "/admin/signin", json={"username": user.username, "password": user.password}
        )
        assert response.status_code == 200
        assert response.json["refreshToken"]


class TestRefresh:
    def test_answers_new_tokens(self, client: FlaskClient, tokens: dict[str, Any]) -> None:
        response = client.post("/admin/refresh", headers={"refreshToken": tokens["refreshToken"]})
        assert response.status_code == 200
        body = response.json
        assert {"idToken", "accessToken", "expiresIn", "tokenType"} <= set(body)
        # moto sends no new refresh token on refresh; then none is answered.
        assert "refreshToken" not in body
        verified = client.get("/token/valid", headers={"idToken": body["idToken"]})
        assert verified.status_code == 200

    @pytest.mark.parametrize(
        "answer",
        [
            {"AuthenticationResult": {"AccessToken": "access.token.placeholder", "ExpiresIn": 300}},
            {"ChallengeName": "SMS_MFA", "Session": "s" * 40, "ChallengeParameters": {}},
        ],
        ids=["tokens-without-id-token", "a-challenge"],
    )
    def test_refresh_answer_without_an_id_token_is_502_stubbed(
        self, app: Flask, answer: dict[str, Any]
    ) -> None:
        with stubbed_cognito(app) as stubber:
            stubber.add_response("initiate_auth", answer)
            response = app.test_client().post(
                "/admin/refresh", json={"refreshToken": "refresh-token-placeholder"}
            )
            stubber.assert_no_pending_responses()
        problem(response, 502, "UpstreamError")

    def test_unknown_refresh_token_is_401(self, client: FlaskClient) -> None:
        response = client.post("/admin/refresh", json={"refreshToken": "not-a-real-token"})
        problem(response, 401, "NotAuthorized")

    def test_client_secret_requires_the_username(
        self, make_app: Any, make_user: Any, secret_pool: Pool
    ) -> None:
        user = make_user(secret_pool)
        client = make_app(secret_pool).test_client()
        signed_in = client.post(
            "/admin/signin", json={"username": user.username, "password": user.password}
        ).json
        missing = client.post("/admin/refresh", json={"refreshToken": signed_in["refreshToken"]})
        body = problem(missing, 400, "ValidationFailed")
        assert "username" in body["errors"]
        response = client.post(
            "/admin/refresh",
            json={"refreshToken": signed_in["refreshToken"], "username": user.username},
        )
        assert response.status_code == 200, response.json

    def test_client_secret_with_another_username_is_401(
        self, make_app: Any, make_user: Any, secret_pool: Pool
    ) -> None:
        user = make_user(secret_pool)
        client = make_app(secret_pool).test_client()
        signed_in = client.post(
            "/admin/signin", json={"username": user.username, "password": user.password}
        ).json
        response = client.post(
            "/admin/refresh",
            json={"refreshToken": signed_in["refreshToken"], "username": "someone-else"},
        )
        problem(response, 401, "NotAuthorized")

    def test_a_wrong_username_on_refresh_with_a_client_secret_is_401_not_a_configuration_error(
        self,
        make_app: Any,
        make_user: Any,
        secret_pool: Pool,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        # SECRET_HASH is made from the username given: the emulator, as Cognito, answers
        # "Unable to verify secret hash for client ..." as it does for a wrong secret.
        user = make_user(secret_pool)
        app = make_app(secret_pool)
        client = app.test_client()
        signed_in = client.post(
            "/admin/signin", json={"username": user.username, "password": user.password}
        ).json
        bad_token = client.post(
            "/admin/refresh", json={"refreshToken": "not-a-real-token", "username": user.username}
        )
        wrong_username = client.post(
            "/admin/refresh",
            json={"refreshToken": signed_in["refreshToken"], "username": "someone-else"},
        )
        body = problem(wrong_username, 401, "NotAuthorized")
        expected = problem(bad_token, 401, "NotAuthorized")
        assert {**body, "requestId": None} == {**expected, "requestId": None}
        assert "configuration error" not in caplog.text  # not the operator's error

        # A wrong COGNITO_APP_CLIENT_SECRET stays the operator's error on the other routes,
        # and so does a secret Cognito wants but the service lacks, on this one.
        caplog.clear()
        caplog.set_level(logging.ERROR, logger="proxy_app")
        wrong_secret = make_app(secret_pool, app_client_secret="a-wrong-secret-" + "x" * 30)
        sign_in = wrong_secret.test_client().post(
            "/admin/signin", json={"username": user.username, "password": user.password}
        )
        problem(sign_in, 500, "InternalError")
        no_secret = (
            make_app(secret_pool, app_client_secret=None)
            .test_client()
            .post(
                "/admin/refresh",
                json={"refreshToken": signed_in["refreshToken"], "username": user.username},
            )
        )
        problem(no_secret, 500, "InternalError")
        misconfigured = [
            r
            for r in caplog.records
            if getattr(r, "cognitoError", None) == "AppClientMisconfigured"
        ]
        assert [r.levelname for r in misconfigured] == ["ERROR", "ERROR"]


class TestAutoconfirmVerifiesOnlyForTheTrustedBackend:
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
        assert user_attributes(cognito, pool, username)["email_verified"] == "true"

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
        response = stubbed_error(
            app,
            "admin_initiate_auth",
            "NotAuthorizedException",
            "/admin/signin",
            {"username": "ada@example.com", "password": PASSWORD},
            "Incorrect username or password.",
        )
        problem(response, 401, "NotAuthorized")
