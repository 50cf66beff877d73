"""MFA: a signed-in user's authenticator app (TOTP) and factors, and MFA challenges at sign-in.

Over moto's server with MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true, which moto reads on
every call (moto.settings), so it is set per test and the other tests keep moto's default.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.stub import ANY
from flask import Flask
from flask.testing import FlaskClient

from proxy_app.aws.cognito import secret_hash
from proxy_app.config import Config, ConfigError
from tests.support.app import problem, sign_in
from tests.support.cognito import Pool, User, create_pool, unique_username
from tests.support.stubs import cognito_client, stubbed_cognito
from tests.support.tokenkit import claims_for, mint
from tests.support.totp import fresh_code, wrong_code

TEMPORARY = "Temp0rary-Passw0rd"
NEW_PASSWORD = "Brand-N3w-Passw0rd"


@pytest.fixture
def totp_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make moto check TOTP codes (it accepts any code otherwise)."""
    monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['accessToken']}"}


def cognito_calls(app: Flask) -> list[str]:
    """Record the name of every Cognito operation the app's gateway calls from now on."""
    calls: list[str] = []
    client = cognito_client(app)

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    client.meta.events.register("before-call.cognito-identity-provider", record)
    return calls


def set_up_totp(client: FlaskClient, tokens: dict[str, Any]) -> str:
    """Associate and verify an authenticator app for the signed-in user; return its secret."""
    started = client.post("/user/mfa/totp", headers=bearer(tokens))
    assert started.status_code == 200, started.json
    secret: str = started.json["secretCode"]
    verified = client.post(
        "/user/mfa/totp/verify",
        headers=bearer(tokens),
        json={"code": fresh_code(secret), "deviceName": "phone"},
    )
    assert verified.status_code == 200, verified.json
    assert verified.json == {"status": "SUCCESS"}
    return secret


def sign_in_with_mfa(client: FlaskClient, user: User, challenge_name: str, code: str) -> Any:
    """Sign in, expect this MFA challenge, answer it with the code; return the answer."""
    challenge = client.post(
        "/admin/signin", json={"username": user.username, "password": user.password}
    ).json
    assert challenge["challengeName"] == challenge_name, challenge
    assert "idToken" not in challenge
    return client.post(
        "/admin/challenge",
        json={
            "username": user.username,
            "challengeName": challenge_name,
            "session": challenge["session"],
            "responses": {f"{challenge_name}_CODE": code},
        },
    )


def prefer_totp(client: FlaskClient, tokens: dict[str, Any]) -> str:
    """Set up an authenticator app and make it the preferred factor; return its secret."""
    secret = set_up_totp(client, tokens)
    preferred = client.put(
        "/user/mfa", headers=bearer(tokens), json={"totp": {"enabled": True, "preferred": True}}
    )
    assert preferred.status_code == 200, preferred.json
    assert preferred.json == {"enabled": ["totp"], "preferred": "totp"}
    return secret


def pool_name(cognito: Any, pool: Pool) -> str:
    name: str = cognito.describe_user_pool(UserPoolId=pool.id)["UserPool"]["Name"]
    return name


class TestTotpEndToEnd:
    def test_set_up_verify_prefer_sign_out_and_sign_in_with_a_fresh_code(
        self, totp_checked: None, client: FlaskClient, cognito: Any, user: User
    ) -> None:
        tokens = sign_in(client, user)
        secret = prefer_totp(client, tokens)
        cognito.admin_user_global_sign_out(UserPoolId=user.pool.id, Username=user.username)

        answered = sign_in_with_mfa(client, user, "SOFTWARE_TOKEN_MFA", fresh_code(secret))
        assert answered.status_code == 200, answered.json
        assert {"idToken", "accessToken", "refreshToken"} <= set(answered.json)

    def test_a_wrong_code_at_sign_in_is_code_mismatch(
        self, totp_checked: None, client: FlaskClient, user: User
    ) -> None:
        tokens = sign_in(client, user)
        secret = prefer_totp(client, tokens)
        response = sign_in_with_mfa(client, user, "SOFTWARE_TOKEN_MFA", wrong_code(secret))
        detail = problem(response, 400, "CodeMismatch")["detail"]
        assert "the app shows now" in detail
        assert "ask for a new one" not in detail

    def test_a_wrong_first_code_is_code_mismatch_and_totp_stays_off(
        self, totp_checked: None, client: FlaskClient, tokens: dict[str, Any]
    ) -> None:
        secret = client.post("/user/mfa/totp", headers=bearer(tokens)).json["secretCode"]
        response = client.post(
            "/user/mfa/totp/verify", headers=bearer(tokens), json={"code": wrong_code(secret)}
        )
        body = problem(response, 400, "CodeMismatch")
        # An authenticator's code cannot be asked for again: the app shows the next one.
        assert "ask for a new one" not in body["detail"]
        assert "the app shows now" in body["detail"]
        # Cognito will not enable a factor that was never verified.
        enable = client.put("/user/mfa", headers=bearer(tokens), json={"totp": {"enabled": True}})
        problem(enable, 400, "ValidationFailed")

    def test_with_an_app_client_secret(
        self, totp_checked: None, make_app: Callable[..., Flask], make_user: Any, secret_pool: Pool
    ) -> None:
        # moto checks SECRET_HASH on MFA answers: this passes only if the proxy sends it.
        client = make_app(secret_pool).test_client()
        user = make_user(secret_pool)
        tokens = sign_in(client, user)
        secret = prefer_totp(client, tokens)
        answered = sign_in_with_mfa(client, user, "SOFTWARE_TOKEN_MFA", fresh_code(secret))
        assert answered.status_code == 200, answered.json
        assert "idToken" in answered.json


class TestTotpSetUp:
    def test_answers_the_uri_authenticator_apps_read_under_the_pools_name(
        self, client: FlaskClient, cognito: Any, pool: Pool, user: User, tokens: dict[str, Any]
    ) -> None:
        body = client.post("/user/mfa/totp", json={"accessToken": tokens["accessToken"]}).json
        assert set(body) == {"secretCode", "otpauthUri", "qrSvg"}
        uri = urlsplit(body["otpauthUri"])
        issuer = pool_name(cognito, pool)
        assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
        assert uri.path == f"/{issuer}:{user.username}"
        assert parse_qs(uri.query) == {"secret": [body["secretCode"]], "issuer": [issuer]}

    def test_the_qr_code_is_an_svg_of_the_uri(
        self, client: FlaskClient, tokens: dict[str, Any]
    ) -> None:
        import segno

        body = client.post("/user/mfa/totp", headers=bearer(tokens)).json
        root = ET.fromstring(body["qrSvg"])  # noqa: S314 - the app's own output, under test
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        # The same symbol segno draws for the URI: the QR code holds the URI, nothing else.
        symbol = segno.make(body["otpauthUri"], error="m", micro=False)
        assert int(root.get("width", "0")) == (symbol.symbol_size(scale=4)[0])
        other = segno.make(body["otpauthUri"] + "x", error="m", micro=False)
        assert symbol.matrix != other.matrix

    def test_mfa_issuer_name_is_used_and_encoded(
        self, make_app: Callable[..., Flask], user: User
    ) -> None:
        client = make_app(mfa_issuer_name="Acme Corp & Co").test_client()
        body = client.post("/user/mfa/totp", headers=bearer(sign_in(client, user))).json
        assert body["otpauthUri"].startswith(
            f"otpauth://totp/Acme%20Corp%20%26%20Co:{user.username}?secret="
        )
        assert parse_qs(urlsplit(body["otpauthUri"]).query)["issuer"] == ["Acme Corp & Co"]

    def test_the_pools_name_is_read_once(
        self, make_app: Callable[..., Flask], make_user: Any
    ) -> None:
        app = make_app()
        client = app.test_client()
        calls = cognito_calls(app)
        for _ in range(2):
            tokens = sign_in(client, make_user())
            assert client.post("/user/mfa/totp", headers=bearer(tokens)).status_code == 200
        assert calls.count("DescribeUserPool") == 1
        assert calls.count("AssociateSoftwareToken") == 2

    def test_no_token_is_401(self, client: FlaskClient) -> None:
        problem(client.post("/user/mfa/totp"), 401, "InvalidToken")

    def test_an_id_token_is_refused(self, client: FlaskClient, tokens: dict[str, Any]) -> None:
        problem(
            client.post("/user/mfa/totp", json={"idToken": tokens["idToken"]}),
            400,
            "ValidationFailed",
        )
        as_access = client.post("/user/mfa/totp", json={"accessToken": tokens["idToken"]})
        problem(as_access, 401, "InvalidToken")

    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
            ("post", "/user/mfa/totp", {}),
            ("post", "/user/mfa/totp/verify", {"code": "123456"}),
            ("put", "/user/mfa", {"totp": {"enabled": False}}),
        ],
    )
    def test_an_access_token_without_the_self_service_scope_is_403(
        self,
        make_app: Callable[..., Flask],
        pool: Pool,
        user: User,
        cognito: Any,
        method: str,
        path: str,
        body: dict[str, Any],
    ) -> None:
        app = make_app()
        sub = cognito.admin_get_user(UserPoolId=pool.id, Username=user.username)
        token = mint(claims_for(pool, "access", user.username, _sub(sub), scope="openid"))
        calls = cognito_calls(app)
        response = getattr(app.test_client(), method)(path, json={**body, "accessToken": token})
        assert problem(response, 403, "Forbidden")["reason"] == "missing_scope"
        assert calls == []

    def test_a_revoked_access_token_is_refused_by_cognito(
        self, client: FlaskClient, cognito: Any, user: User, tokens: dict[str, Any]
    ) -> None:
        cognito.admin_user_global_sign_out(UserPoolId=user.pool.id, Username=user.username)
        body = problem(client.post("/user/mfa/totp", headers=bearer(tokens)), 401, "InvalidToken")
        assert body["reason"] == "revoked"


def _sub(user: dict[str, Any]) -> str:
    return next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")


class TestPreferences:
    def test_sms_preferred_gives_the_sms_challenge_at_sign_in(
        self, client: FlaskClient, cognito: Any, user: User, tokens: dict[str, Any]
    ) -> None:
        cognito.admin_update_user_attributes(
            UserPoolId=user.pool.id,
            Username=user.username,
            UserAttributes=[{"Name": "phone_number", "Value": "+15555550100"}],
        )
        response = client.put(
            "/user/mfa", headers=bearer(tokens), json={"sms": {"enabled": True, "preferred": True}}
        )
        assert response.status_code == 200, response.json
        assert response.json == {"enabled": ["sms"], "preferred": "sms"}
        # moto accepts any SMS code; Cognito checks the one it sent.
        answered = sign_in_with_mfa(client, user, "SMS_MFA", "123456")
        assert answered.status_code == 200, answered.json
        assert "idToken" in answered.json

    def test_turning_a_factor_off_answers_the_remaining_settings(
        self, totp_checked: None, client: FlaskClient, tokens: dict[str, Any]
    ) -> None:
        set_up_totp(client, tokens)
        both = client.put(
            "/user/mfa",
            headers=bearer(tokens),
            json={"totp": {"enabled": True, "preferred": True}, "sms": {"enabled": True}},
        )
        assert both.json == {"enabled": ["totp", "sms"], "preferred": "totp"}
        off = client.put("/user/mfa", headers=bearer(tokens), json={"totp": {"enabled": False}})
        assert off.status_code == 200
        assert off.json == {"enabled": ["sms"], "preferred": None}

    def test_sends_cognitos_settings_for_every_factor_stubbed(
        self, app: Flask, tokens: dict[str, Any]
    ) -> None:
        access = tokens["accessToken"]
        with stubbed_cognito(app) as stubber:
            stubber.add_response(
                "set_user_mfa_preference",
                {},
                {
                    "AccessToken": access,
                    "SoftwareTokenMfaSettings": {"Enabled": True, "PreferredMfa": False},
                    "SMSMfaSettings": {"Enabled": False, "PreferredMfa": False},
                    "EmailMfaSettings": {"Enabled": True, "PreferredMfa": True},
                },
            )
            stubber.add_response(
                "get_user",
                {
                    "Username": "ada",
                    "UserAttributes": [],
                    "UserMFASettingList": ["SOFTWARE_TOKEN_MFA", "EMAIL_OTP"],
                    "PreferredMfaSetting": "EMAIL_OTP",
                },
                {"AccessToken": access},
            )
            response = app.test_client().put(
                "/user/mfa",
                json={
                    "accessToken": access,
                    "totp": {"enabled": True},
                    "sms": {"enabled": False},
                    "email": {"enabled": True, "preferred": True},
                },
            )
            stubber.assert_no_pending_responses()
        assert response.status_code == 200, response.json
        assert response.json == {"enabled": ["totp", "email"], "preferred": "email"}


def _mfa_pool(cognito: Any, endpoint: str) -> Pool:
    """A pool where MFA is required and TOTP is the factor to set up."""
    pool = create_pool(cognito, endpoint, secret=False)
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool.id,
        MfaConfiguration="ON",
        SoftwareTokenMfaConfiguration={"Enabled": True},
    )
    return pool


@pytest.fixture(scope="module")
def mfa_pool(cognito: Any, cognito_endpoint: str) -> Pool:
    return _mfa_pool(cognito, cognito_endpoint)


def _mfa_setup_challenge(client: FlaskClient, cognito: Any, pool: Pool) -> tuple[str, str]:
    """An invited user signs in and sets a password; answer (username, MFA_SETUP session)."""
    username = unique_username()
    cognito.admin_create_user(
        UserPoolId=pool.id, Username=username, TemporaryPassword=TEMPORARY, MessageAction="SUPPRESS"
    )
    first = client.post("/admin/signin", json={"username": username, "password": TEMPORARY}).json
    assert first["challengeName"] == "NEW_PASSWORD_REQUIRED"
    second = client.post(
        "/admin/challenge",
        json={
            "username": username,
            "challengeName": "NEW_PASSWORD_REQUIRED",
            "session": first["session"],
            "responses": {"NEW_PASSWORD": NEW_PASSWORD},
        },
    )
    assert second.status_code == 200, second.json
    assert second.json["challengeName"] == "MFA_SETUP"
    return username, second.json["session"]


class TestMfaSetupDuringSignIn:
    def test_set_up_verify_and_answer_gives_tokens(
        self, totp_checked: None, make_app: Callable[..., Flask], cognito: Any, mfa_pool: Pool
    ) -> None:
        client = make_app(mfa_pool).test_client()
        username, session = _mfa_setup_challenge(client, cognito, mfa_pool)
        started = client.post(
            "/admin/challenge/totp", json={"session": session, "username": username}
        )
        assert started.status_code == 200, started.json
        body = started.json
        assert set(body) == {"secretCode", "otpauthUri", "qrSvg", "session"}
        issuer = pool_name(cognito, mfa_pool)
        assert body["otpauthUri"].startswith(f"otpauth://totp/{issuer}:{username}?")
        verified = client.post(
            "/admin/challenge/totp/verify",
            json={"session": body["session"], "code": fresh_code(body["secretCode"])},
        )
        assert verified.status_code == 200, verified.json
        assert verified.json["status"] == "SUCCESS"
        answered = client.post(
            "/admin/challenge",
            json={
                "username": username,
                "challengeName": "MFA_SETUP",
                "session": verified.json["session"],
            },
        )
        assert answered.status_code == 200, answered.json
        assert {"idToken", "accessToken"} <= set(answered.json)

    def test_a_wrong_code_is_code_mismatch(
        self, totp_checked: None, make_app: Callable[..., Flask], cognito: Any, mfa_pool: Pool
    ) -> None:
        client = make_app(mfa_pool).test_client()
        _, session = _mfa_setup_challenge(client, cognito, mfa_pool)
        body = client.post("/admin/challenge/totp", json={"session": session}).json
        response = client.post(
            "/admin/challenge/totp/verify",
            json={"session": body["session"], "code": wrong_code(body["secretCode"])},
        )
        problem(response, 400, "CodeMismatch")

    def test_without_a_username_the_label_is_the_issuer(
        self, make_app: Callable[..., Flask], cognito: Any, mfa_pool: Pool
    ) -> None:
        client = make_app(mfa_pool, mfa_issuer_name="Acme").test_client()
        _, session = _mfa_setup_challenge(client, cognito, mfa_pool)
        body = client.post("/admin/challenge/totp", json={"session": session}).json
        assert body["otpauthUri"].startswith("otpauth://totp/Acme?secret=")

    def test_an_unknown_session_is_refused(self, client: FlaskClient) -> None:
        response = client.post("/admin/challenge/totp", json={"session": "x" * 36})
        problem(response, 401, "NotAuthorized")

    def test_the_answer_carries_the_secret_hash_stubbed(
        self, make_app: Callable[..., Flask], secret_pool: Pool
    ) -> None:
        app = make_app(secret_pool)
        assert secret_pool.client_secret
        expected = secret_hash("ada", secret_pool.client_id, secret_pool.client_secret)
        session = "s" * 40
        with stubbed_cognito(app) as stubber:
            stubber.add_response(
                "admin_respond_to_auth_challenge",
                {"AuthenticationResult": {"IdToken": "i", "AccessToken": "a", "ExpiresIn": 3600}},
                {
                    "UserPoolId": secret_pool.id,
                    "ClientId": secret_pool.client_id,
                    "ChallengeName": "MFA_SETUP",
                    "Session": session,
                    "ChallengeResponses": {"USERNAME": "ada", "SECRET_HASH": expected},
                },
            )
            response = app.test_client().post(
                "/admin/challenge",
                json={"username": "ada", "challengeName": "MFA_SETUP", "session": session},
            )
            stubber.assert_no_pending_responses()
        assert response.status_code == 200, response.json


class TestChallengesMotoLacks:
    """EMAIL_OTP and SELECT_MFA_TYPE: moto never asks them, so Cognito's side is stubbed."""

    @pytest.mark.parametrize(
        ("challenge", "answers", "next_step"),
        [
            (
                "EMAIL_OTP",
                {"EMAIL_OTP_CODE": "12345678"},
                {"AuthenticationResult": {"IdToken": "i", "AccessToken": "a", "ExpiresIn": 3600}},
            ),
            (
                "SELECT_MFA_TYPE",
                {"MFA_TYPE": "SOFTWARE_TOKEN_MFA"},
                {"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": "t" * 40},
            ),
        ],
    )
    def test_answered_on_admin_challenge_stubbed(
        self,
        make_app: Callable[..., Flask],
        secret_pool: Pool,
        challenge: str,
        answers: dict[str, str],
        next_step: dict[str, Any],
    ) -> None:
        app = make_app(secret_pool)
        assert secret_pool.client_secret
        expected = secret_hash("ada", secret_pool.client_id, secret_pool.client_secret)
        with stubbed_cognito(app) as stubber:
            stubber.add_response(
                "admin_respond_to_auth_challenge",
                next_step,
                {
                    "UserPoolId": secret_pool.id,
                    "ClientId": secret_pool.client_id,
                    "ChallengeName": challenge,
                    "Session": ANY,
                    "ChallengeResponses": {**answers, "USERNAME": "ada", "SECRET_HASH": expected},
                },
            )
            response = app.test_client().post(
                "/admin/challenge",
                json={
                    "username": "ada",
                    "challengeName": challenge,
                    "session": "s" * 40,
                    "responses": answers,
                },
            )
            stubber.assert_no_pending_responses()
        assert response.status_code == 200, response.json
        if "AuthenticationResult" in next_step:
            assert response.json["idToken"] == "i"
        else:
            assert response.json["challengeName"] == "SOFTWARE_TOKEN_MFA"

    def test_cognitos_wrong_first_code_is_code_mismatch_stubbed(
        self, app: Flask, tokens: dict[str, Any]
    ) -> None:
        with stubbed_cognito(app) as stubber:
            stubber.add_client_error(
                "verify_software_token", "EnableSoftwareTokenMFAException", "Code mismatch"
            )
            response = app.test_client().post(
                "/user/mfa/totp/verify", headers=bearer(tokens), json={"code": "123456"}
            )
        problem(response, 400, "CodeMismatch")


VERIFY = {"code": "123456", "deviceName": "phone"}
CHALLENGE_VERIFY = {"session": "s" * 40, "code": "123456"}


class TestBadInput:
    """Every new field's bad forms are 400, before any Cognito call."""

    @pytest.mark.parametrize(
        ("path", "base", "change", "field"),
        [
            ("/user/mfa/totp/verify", VERIFY, {"code": None}, "code"),
            ("/user/mfa/totp/verify", VERIFY, {"code": ""}, "code"),
            ("/user/mfa/totp/verify", VERIFY, {"code": "12345"}, "code"),
            ("/user/mfa/totp/verify", VERIFY, {"code": "1234567"}, "code"),
            ("/user/mfa/totp/verify", VERIFY, {"code": "12345a"}, "code"),
            ("/user/mfa/totp/verify", VERIFY, {"code": "١٢٣٤٥٦"}, "code"),
            ("/user/mfa/totp/verify", VERIFY, {"code": 123456}, "code"),
            ("/user/mfa/totp/verify", VERIFY, {"deviceName": ""}, "deviceName"),
            ("/user/mfa/totp/verify", VERIFY, {"deviceName": "x" * 65}, "deviceName"),
            ("/user/mfa/totp/verify", VERIFY, {"deviceName": 7}, "deviceName"),
            ("/user/mfa/totp/verify", VERIFY, {"deviceName": "a\nb"}, "deviceName"),
            ("/admin/challenge/totp/verify", CHALLENGE_VERIFY, {"code": None}, "code"),
            ("/admin/challenge/totp/verify", CHALLENGE_VERIFY, {"code": "12 456"}, "code"),
            ("/admin/challenge/totp/verify", CHALLENGE_VERIFY, {"session": None}, "session"),
            ("/admin/challenge/totp/verify", CHALLENGE_VERIFY, {"session": ""}, "session"),
            ("/admin/challenge/totp/verify", CHALLENGE_VERIFY, {"session": "x" * 2049}, "session"),
            ("/admin/challenge/totp/verify", CHALLENGE_VERIFY, {"session": 5}, "session"),
            ("/admin/challenge/totp", {"session": "s" * 40}, {"session": None}, "session"),
            ("/admin/challenge/totp", {"session": "s" * 40}, {"session": "x" * 19}, "session"),
            ("/admin/challenge/totp", {"session": "s" * 40}, {"username": ""}, "username"),
            ("/admin/challenge/totp", {"session": "s" * 40}, {"username": "x" * 129}, "username"),
            ("/admin/challenge/totp", {"session": "s" * 40}, {"username": ["a"]}, "username"),
        ],
    )
    def test_post_fields(
        self,
        app: Flask,
        tokens: dict[str, Any],
        path: str,
        base: dict[str, Any],
        change: dict[str, Any],
        field: str,
    ) -> None:
        body = {k: v for k, v in {**base, **change}.items() if v is not None}
        calls = cognito_calls(app)
        response = app.test_client().post(path, headers=bearer(tokens), json=body)
        errors = problem(response, 400, "ValidationFailed")["errors"]
        assert any(key == field or key.startswith(f"{field}.") for key in errors), errors
        assert calls == []

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({}, "_schema"),
            ({"totp": None}, "totp"),
            ({"totp": {}}, "totp.enabled"),
            ({"totp": {"enabled": "true"}}, "totp.enabled"),
            ({"totp": {"enabled": 1}}, "totp.enabled"),
            ({"totp": {"enabled": True, "preferred": "yes"}}, "totp.preferred"),
            ({"totp": {"enabled": False, "preferred": True}}, "totp.preferred"),
            ({"totp": {"enabled": True, "always": True}}, "totp.always"),
            ({"totp": "on"}, "totp"),
            ({"push": {"enabled": True}}, "push"),
            (
                {
                    "totp": {"enabled": True, "preferred": True},
                    "sms": {"enabled": True, "preferred": True},
                },
                "_schema",
            ),
        ],
    )
    def test_preferences(
        self, app: Flask, tokens: dict[str, Any], body: dict[str, Any], field: str
    ) -> None:
        calls = cognito_calls(app)
        response = app.test_client().put("/user/mfa", headers=bearer(tokens), json=body)
        errors = problem(response, 400, "ValidationFailed")["errors"]
        assert any(key == field or key.startswith(f"{field}.") for key in errors), errors
        assert calls == []


def test_the_mfa_setup_answer_needs_no_responses_but_others_do(client: FlaskClient) -> None:
    base = {"username": "ada", "session": "s" * 40}
    refused = client.post("/admin/challenge", json={**base, "challengeName": "SOFTWARE_TOKEN_MFA"})
    assert "responses" in problem(refused, 400, "ValidationFailed")["errors"]


class TestIssuerSetting:
    def test_read_from_the_environment(self) -> None:
        config = Config.from_env({"MFA_ISSUER_NAME": " Acme "})
        assert config.mfa_issuer_name == "Acme"
        assert Config.from_env({}).mfa_issuer_name is None

    @pytest.mark.parametrize("value", ["Acme:Corp", "x" * 65, "a\tb"])
    def test_a_bad_value_names_the_variable(self, value: str) -> None:
        with pytest.raises(ConfigError) as raised:
            Config.from_env({"MFA_ISSUER_NAME": value})
        assert raised.value.variable == "MFA_ISSUER_NAME"


def test_local_mode_serves_the_totp_routes(
    totp_checked: None, local_app: Flask, capsys: pytest.CaptureFixture[str]
) -> None:
    client = local_app.test_client()
    username = f"ada-{uuid.uuid4().hex[:6]}@example.com"
    signed_up = client.post("/signup", json={"username": username, "password": "passw0rdlong"})
    assert signed_up.status_code == 201
    gateway = local_app.extensions["cognito_gateway"]
    gateway.admin_confirm_sign_up(username)
    tokens = client.post("/admin/signin", json={"username": username, "password": "passw0rdlong"})
    assert tokens.status_code == 200, tokens.json
    body = client.post("/user/mfa/totp", headers=bearer(tokens.json)).json
    assert body["otpauthUri"].startswith(f"otpauth://totp/cognito-proxy-local:{username}?")
    verified = client.post(
        "/user/mfa/totp/verify",
        headers=bearer(tokens.json),
        json={"code": fresh_code(body["secretCode"])},
    )
    assert verified.status_code == 200, verified.json
    preferred = client.put(
        "/user/mfa",
        headers=bearer(tokens.json),
        json={"totp": {"enabled": True, "preferred": True}},
    )
    assert preferred.json == {"enabled": ["totp"], "preferred": "totp"}
