"""GET /token/valid, emulator issuers, leeway, and per-route group and scope demands."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Blueprint, Flask
from flask.testing import FlaskClient

from proxy_app.config import Config, ConfigError
from proxy_app.core.errors import TokenRejected
from proxy_app.http import context
from proxy_app.http.inputs import load
from proxy_app.http.schemas.token import TokenRequest
from proxy_app.tokens.jwks import JwksCache
from proxy_app.tokens.verifier import TokenVerifier
from tests.support.app import problem, sign_in
from tests.support.cognito import Pool, User
from tests.support.tokenkit import JwksServer, claims_for, mint

SUB = "0f1e2d3c-0000-4000-8000-000000000000"


class TestTokenValid:
    def test_id_token_in_the_original_header(
        self, client: FlaskClient, user: User, tokens: dict[str, Any]
    ) -> None:
        response = client.get("/token/valid", headers={"idToken": tokens["idToken"]})
        assert response.status_code == 200, response.json
        body = response.json
        assert body["valid"] is True
        assert body["tokenUse"] == "id"
        assert body["username"] == user.username
        assert body["sub"] == body["claims"]["sub"]
        assert body["expiresAt"] == body["claims"]["exp"]
        assert body["groups"] == []
        assert body["scopes"] == []
        assert body["claims"]["token_use"] == "id"

    @pytest.mark.parametrize("how", ["header", "bearer", "body"])
    def test_access_token(
        self, client: FlaskClient, user: User, tokens: dict[str, Any], how: str
    ) -> None:
        token = tokens["accessToken"]
        if how == "header":
            response = client.get("/token/valid", headers={"accessToken": token})
        elif how == "bearer":
            response = client.get("/token/valid", headers={"Authorization": f"Bearer {token}"})
        else:
            response = client.get("/token/valid", json={"accessToken": token})
        assert response.status_code == 200, response.json
        body = response.json
        assert body["tokenUse"] == "access"
        assert body["username"] == user.username
        assert body["scopes"] == ["aws.cognito.signin.user.admin"]

    def test_groups_come_from_the_token(
        self, client: FlaskClient, cognito: Any, pool: Pool, user: User
    ) -> None:
        group = f"g-{uuid.uuid4().hex[:6]}"
        cognito.create_group(GroupName=group, UserPoolId=pool.id)
        cognito.admin_add_user_to_group(UserPoolId=pool.id, Username=user.username, GroupName=group)
        signed_in = sign_in(client, user)
        for header in (
            {"idToken": signed_in["idToken"]},
            {"Authorization": f"Bearer {signed_in['accessToken']}"},
        ):
            response = client.get("/token/valid", headers=header)
            assert response.json["groups"] == [group]

    def test_no_token_is_401_missing(self, client: FlaskClient) -> None:
        body = problem(client.get("/token/valid"), 401, "InvalidToken")
        assert body["reason"] == "missing"

    def test_both_tokens_is_400(self, client: FlaskClient, tokens: dict[str, Any]) -> None:
        response = client.get(
            "/token/valid",
            headers={"idToken": tokens["idToken"], "accessToken": tokens["accessToken"]},
        )
        problem(response, 400, "ValidationFailed")

    def test_id_token_is_valid(
        self, client: FlaskClient, user: User, pool: Pool, tokens: dict[str, Any]
    ) -> None:
        response = client.get("/token/valid", headers={"idToken": tokens["idToken"]})
        assert response.status_code == 200
        body = response.json
        assert body["valid"] is True
        assert body["tokenUse"] == "id"
        assert body["username"] == user.username
        assert body["claims"]["aud"] == pool.client_id
        assert body["expiresAt"] == body["claims"]["exp"]
        assert body["groups"] == []

    def test_header_names_are_case_insensitive(
        self, client: FlaskClient, tokens: dict[str, Any]
    ) -> None:
        for name in ("idToken", "idtoken", "IDTOKEN"):
            assert client.get("/token/valid", headers={name: tokens["idToken"]}).status_code == 200

    def test_access_token_as_bearer_or_member(
        self, client: FlaskClient, tokens: dict[str, Any]
    ) -> None:
        bearer = client.get(
            "/token/valid", headers={"Authorization": f"Bearer {tokens['accessToken']}"}
        )
        assert bearer.status_code == 200
        assert bearer.json["tokenUse"] == "access"
        header = client.get("/token/valid", headers={"accessToken": tokens["accessToken"]})
        assert header.status_code == 200
        assert header.json["username"] == bearer.json["username"]

    def test_access_token_given_as_id_token_is_refused(
        self, client: FlaskClient, tokens: dict[str, Any]
    ) -> None:
        response = client.get("/token/valid", headers={"idToken": tokens["accessToken"]})
        assert problem(response, 401, "InvalidToken")["reason"] == "wrong_token_use"

    def test_no_token_is_401(self, client: FlaskClient) -> None:
        assert problem(client.get("/token/valid"), 401, "InvalidToken")["reason"] == "missing"

    def test_bearer_and_access_token_header_must_agree(
        self, client: FlaskClient, tokens: dict[str, Any]
    ) -> None:
        response = client.get(
            "/token/valid",
            headers={"Authorization": "Bearer other", "accessToken": tokens["accessToken"]},
        )
        problem(response, 400, "ValidationFailed")


class TestOtherIssuers:
    """An emulator that puts its own URL in `iss` (cognito-local does), keys elsewhere."""

    def test_configured_issuer_and_key_url_are_used(
        self, make_app: Callable[..., Flask], keys: JwksServer, pool: Pool
    ) -> None:
        issuer = keys.url.removesuffix("/.well-known/jwks.json")
        client = make_app(issuer_override=issuer, jwks_url_override=keys.url).test_client()
        token = mint(claims_for(pool, "id", "emu@example.com", SUB, issuer=issuer))
        response = client.get("/token/valid", headers={"idToken": token})
        assert response.status_code == 200, response.json
        assert response.json["claims"]["iss"] == issuer
        assert keys.count() == 1

    def test_aws_issuer_is_refused_when_another_is_configured(
        self, make_app: Callable[..., Flask], keys: JwksServer, pool: Pool
    ) -> None:
        issuer = keys.url.removesuffix("/.well-known/jwks.json")
        client = make_app(issuer_override=issuer, jwks_url_override=keys.url).test_client()
        token = mint(claims_for(pool, "id", "emu@example.com", SUB))
        body = problem(client.get("/token/valid", headers={"idToken": token}), 401, "InvalidToken")
        assert body["reason"] == "wrong_issuer"

    def test_environment_names_the_issuer_and_key_url(self) -> None:
        config = Config.from_env(
            {
                "COGNITO_USER_POOL_ID": "us-east-1_abc",
                "COGNITO_APP_CLIENT_ID": "client",
                "COGNITO_ISSUER": "http://localhost:9229/us-east-1_abc",
                "COGNITO_JWKS_URL": "http://localhost:9229/us-east-1_abc/.well-known/jwks.json",
                "TOKEN_LEEWAY_SECONDS": "30",
                "TOKEN_REVOCATION_CHECK": "true",
            }
        )
        assert config.issuer == "http://localhost:9229/us-east-1_abc"
        assert config.jwks_url == "http://localhost:9229/us-east-1_abc/.well-known/jwks.json"
        assert config.token_leeway_seconds == 30
        assert config.token_revocation_check is True

    def test_defaults_are_aws(self) -> None:
        config = Config.from_env(
            {
                "COGNITO_USER_POOL_ID": "eu-west-1_abc",
                "COGNITO_APP_CLIENT_ID": "client",
                "REGION_NAME": "eu-west-1",
            }
        )
        assert config.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc"
        assert config.jwks_url == config.issuer + "/.well-known/jwks.json"
        assert config.token_leeway_seconds == 0
        assert config.token_revocation_check is False

    @pytest.mark.parametrize("value", ["-1", "301", "soon"])
    def test_leeway_out_of_range_names_the_variable(self, value: str) -> None:
        with pytest.raises(ConfigError) as raised:
            Config.from_env(
                {
                    "COGNITO_USER_POOL_ID": "us-east-1_abc",
                    "COGNITO_APP_CLIENT_ID": "client",
                    "TOKEN_LEEWAY_SECONDS": value,
                }
            )
        assert raised.value.variable == "TOKEN_LEEWAY_SECONDS"


class TestTimeChecks:
    """exp, nbf and iat against a fixed clock, with and without leeway."""

    NOW = 1_800_000_000

    def _verify(self, pool: Pool, url: str, leeway: int, **claims: Any) -> str:
        config = pool.config(jwks_url_override=url, token_leeway_seconds=leeway)
        verifier = TokenVerifier(
            config, jwks=JwksCache(url, 1.0, 2.0), clock=lambda: float(self.NOW)
        )
        claims = {"iat": self.NOW - 60, **claims}
        token = mint(claims_for(pool, "id", "t@example.com", SUB, **claims))
        try:
            verifier.verify(token, "id")
        except TokenRejected as error:
            return error.reason
        return "ok"

    @pytest.mark.parametrize(
        ("leeway", "claims", "outcome"),
        [
            (0, {"exp": NOW + 1}, "ok"),
            (0, {"exp": NOW}, "expired"),
            (0, {"exp": NOW - 1}, "expired"),
            (60, {"exp": NOW - 59}, "ok"),
            (60, {"exp": NOW - 60}, "expired"),
            (300, {"exp": NOW - 299}, "ok"),
            (0, {"exp": NOW + 60, "nbf": NOW}, "ok"),
            (0, {"exp": NOW + 60, "nbf": NOW + 1}, "not_yet_valid"),
            (60, {"exp": NOW + 60, "nbf": NOW + 60}, "ok"),
            (60, {"exp": NOW + 60, "nbf": NOW + 61}, "not_yet_valid"),
            (0, {"exp": NOW + 60, "iat": NOW + 1}, "not_yet_valid"),
            (30, {"exp": NOW + 60, "iat": NOW + 30}, "ok"),
            (0, {"exp": "tomorrow"}, "malformed"),
            (0, {"exp": True}, "malformed"),
            (0, {"exp": NOW + 60, "nbf": "now"}, "malformed"),
        ],
    )
    def test_times(
        self, pool: Pool, keys: JwksServer, leeway: int, claims: dict[str, Any], outcome: str
    ) -> None:
        assert self._verify(pool, keys.url, leeway, **claims) == outcome

    def test_leeway_through_the_app(self, make_app: Callable[..., Flask], pool: Pool) -> None:
        token = mint(claims_for(pool, "id", "t@example.com", SUB, exp=int(time.time()) - 30))
        strict = make_app().test_client()
        lenient = make_app(token_leeway_seconds=120).test_client()
        body = problem(strict.get("/token/valid", headers={"idToken": token}), 401, "InvalidToken")
        assert body["reason"] == "expired"
        assert lenient.get("/token/valid", headers={"idToken": token}).status_code == 200

    @pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
    def test_token_time_too_big_for_a_float_is_401_malformed(
        self, client: FlaskClient, pool: Pool, claim: str
    ) -> None:
        claims = claims_for(pool, "id", "ada@example.com", str(uuid.uuid4()))
        claims[claim] = 10**400
        response = client.get("/token/valid", headers={"idToken": mint(claims)})
        assert problem(response, 401, "InvalidToken")["reason"] == "malformed"


# A test-only blueprint: routes that declare what they demand of the token's user.
guarded = Blueprint("guarded", __name__)


@guarded.get("/test/admins")
def admins_only() -> Any:
    token = context.verified_token(load(TokenRequest), groups={"admins", "operators"})
    return {"username": token.username}


@guarded.get("/test/scoped")
def scoped() -> Any:
    token = context.verified_token(load(TokenRequest), scopes={"aws.cognito.signin.user.admin"})
    return {"username": token.username}


@guarded.get("/test/other-scope")
def other_scope() -> Any:
    token = context.verified_token(load(TokenRequest), scopes={"orders/write"})
    return {"username": token.username}


class TestRouteDemands:
    @pytest.fixture
    def guarded_client(self, make_app: Callable[..., Flask]) -> FlaskClient:
        app = make_app()
        app.register_blueprint(guarded)
        return app.test_client()

    @pytest.fixture
    def admin(self, make_user: Callable[..., User], cognito: Any, pool: Pool) -> User:
        admin = make_user()
        with contextlib.suppress(cognito.exceptions.GroupExistsException):
            cognito.create_group(GroupName="operators", UserPoolId=pool.id)
        cognito.admin_add_user_to_group(
            UserPoolId=pool.id, Username=admin.username, GroupName="operators"
        )
        return admin

    @pytest.mark.parametrize("use", ["idToken", "accessToken"])
    def test_member_of_a_required_group_passes(
        self, guarded_client: FlaskClient, admin: User, use: str
    ) -> None:
        token = sign_in(guarded_client, admin)[use]
        response = guarded_client.get("/test/admins", headers={use: token})
        assert response.status_code == 200, response.json
        assert response.json == {"username": admin.username}

    @pytest.mark.parametrize("use", ["idToken", "accessToken"])
    def test_others_get_403(self, guarded_client: FlaskClient, user: User, use: str) -> None:
        token = sign_in(guarded_client, user)[use]
        body = problem(guarded_client.get("/test/admins", headers={use: token}), 403, "Forbidden")
        assert body["reason"] == "missing_group"

    def test_claimed_group_in_a_forged_token_is_401_not_a_pass(
        self, guarded_client: FlaskClient, pool: Pool
    ) -> None:
        claims = claims_for(pool, "id", "x@example.com", SUB, cognito__groups=["admins"])
        token = mint(claims)[:-4] + "AAAA"
        body = problem(
            guarded_client.get("/test/admins", headers={"idToken": token}), 401, "InvalidToken"
        )
        assert body["reason"] == "bad_signature"

    def test_required_scope_passes(self, guarded_client: FlaskClient, user: User) -> None:
        token = sign_in(guarded_client, user)["accessToken"]
        response = guarded_client.get("/test/scoped", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.json

    def test_missing_scope_is_403(self, guarded_client: FlaskClient, user: User) -> None:
        token = sign_in(guarded_client, user)["accessToken"]
        response = guarded_client.get(
            "/test/other-scope", headers={"Authorization": f"Bearer {token}"}
        )
        assert problem(response, 403, "Forbidden")["reason"] == "missing_scope"

    def test_id_tokens_carry_no_scopes(self, guarded_client: FlaskClient, user: User) -> None:
        token = sign_in(guarded_client, user)["idToken"]
        response = guarded_client.get("/test/scoped", headers={"idToken": token})
        assert problem(response, 403, "Forbidden")["reason"] == "missing_scope"
