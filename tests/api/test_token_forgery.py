"""Forged and broken tokens, each case its own test, against every token-taking route.

Every case must be answered 401 InvalidToken with the reason for it, and the
user routes must leave Cognito untouched: the attribute is not set, the user not deleted.
The forged tokens name a real user (the victim), so a verifier that let one through
would act on that user.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from flask.testing import FlaskClient

from tests.support.app import problem
from tests.support.cognito import PASSWORD, Pool, User, create_pool
from tests.support.tokenkit import (
    b64,
    claims_for,
    hs256_with_public_key,
    mint,
    moto_private_key,
    other_private_key,
    unsigned,
)

ROUTES = ("token_valid", "update_attribute", "delete_user")
MARKER_ATTRIBUTE = "nickname"


@dataclass(frozen=True)
class Victim:
    user: User
    sub: str
    marker: str

    def claims(self, token_use: str, **overrides: Any) -> dict[str, Any]:
        return claims_for(self.user.pool, token_use, self.user.username, self.sub, **overrides)


@pytest.fixture
def victim(make_user: Callable[..., User], cognito: Any) -> Victim:
    user = make_user()
    attributes = cognito.admin_get_user(UserPoolId=user.pool.id, Username=user.username)
    sub = next(a["Value"] for a in attributes["UserAttributes"] if a["Name"] == "sub")
    return Victim(user, sub, f"forged-{uuid.uuid4().hex[:8]}")


@pytest.fixture(scope="module")
def second_pool(cognito: Any, cognito_endpoint: str) -> Pool:
    """Another pool in the same emulator: same signing key as the first (moto has one)."""
    return create_pool(cognito, cognito_endpoint, secret=False)


def _signed_in(cognito: Any, pool: Pool, username: str) -> dict[str, str]:
    result = cognito.admin_initiate_auth(
        UserPoolId=pool.id,
        ClientId=pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return {"id": result["IdToken"], "access": result["AccessToken"]}


def _send(client: FlaskClient, route: str, token: str, slot: str, victim: Victim) -> Any:
    """Present the token in the slot for its claimed use: idToken header or Bearer."""
    headers = {"idToken": token} if slot == "id" else {"Authorization": f"Bearer {token}"}
    if route == "token_valid":
        return client.get("/token/valid", headers=headers)
    if route == "update_attribute":
        return client.post(
            "/admin/user/attribute",
            headers=headers,
            json={"attributeName": MARKER_ATTRIBUTE, "attributeValue": victim.marker},
        )
    return client.delete("/admin/user", headers=headers)


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _assert_untouched(cognito: Any, victim: Victim) -> None:
    user = cognito.admin_get_user(UserPoolId=victim.user.pool.id, Username=victim.user.username)
    values = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert values.get(MARKER_ATTRIBUTE) != victim.marker


def _refused(
    client: FlaskClient,
    cognito: Any,
    route: str,
    victim: Victim,
    token: str,
    reason: str,
    slot: str = "id",
) -> None:
    response = _send(client, route, token, slot, victim)
    body = problem(response, 401, "InvalidToken")
    assert body["reason"] == reason, body
    _assert_untouched(cognito, victim)  # also: admin_get_user fails if the user was deleted


@pytest.fixture(params=ROUTES)
def route(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


# The controls: the same routes accept the victim's real tokens and moto-key tokens minted
# here, so every refusal below is about the one thing each forgery changes.


class TestControls:
    def test_real_id_token_is_accepted(
        self, client: FlaskClient, cognito: Any, route: str, victim: Victim
    ) -> None:
        token = _signed_in(cognito, victim.user.pool, victim.user.username)["id"]
        response = _send(client, route, token, "id", victim)
        assert response.status_code in (200, 204), response.json
        self._assert_acted(cognito, route, victim)

    def test_real_access_token_is_accepted(
        self, client: FlaskClient, cognito: Any, route: str, victim: Victim
    ) -> None:
        token = _signed_in(cognito, victim.user.pool, victim.user.username)["access"]
        response = _send(client, route, token, "access", victim)
        assert response.status_code in (200, 204), response.json
        self._assert_acted(cognito, route, victim)

    @pytest.mark.parametrize("use", ["id", "access"])
    def test_minted_token_with_moto_key_is_accepted(
        self, client: FlaskClient, cognito: Any, route: str, victim: Victim, use: str
    ) -> None:
        response = _send(client, route, mint(victim.claims(use)), use, victim)
        if use == "access" and route != "token_valid":
            # It passes every local check; the route then acts through Cognito with the
            # token itself, and Cognito refuses an access token it never issued.
            assert problem(response, 401, "InvalidToken")["reason"] == "revoked"
            _assert_untouched(cognito, victim)
            return
        assert response.status_code in (200, 204), response.json
        self._assert_acted(cognito, route, victim)

    @staticmethod
    def _assert_acted(cognito: Any, route: str, victim: Victim) -> None:
        pool, username = victim.user.pool.id, victim.user.username
        if route == "delete_user":
            with pytest.raises(cognito.exceptions.UserNotFoundException):
                cognito.admin_get_user(UserPoolId=pool, Username=username)
        elif route == "update_attribute":
            user = cognito.admin_get_user(UserPoolId=pool, Username=username)
            assert {"Name": MARKER_ATTRIBUTE, "Value": victim.marker} in user["UserAttributes"]


class TestForgeries:
    def test_alg_none(self, client: FlaskClient, cognito: Any, route: str, victim: Victim) -> None:
        token = unsigned(victim.claims("id"))
        _refused(client, cognito, route, victim, token, "unsupported_alg")

    def test_alg_none_keeping_a_real_signature(
        self, client: FlaskClient, cognito: Any, route: str, victim: Victim
    ) -> None:
        real = mint(victim.claims("id"))
        _, payload, signature = real.split(".")
        token = f"{b64({'alg': 'none', 'kid': 'dummy'})}.{payload}.{signature}"
        _refused(client, cognito, route, victim, token, "unsupported_alg")

    def test_hs256_signed_with_the_public_key(
        self, client: FlaskClient, cognito: Any, route: str, victim: Victim
    ) -> None:
        token = hs256_with_public_key(victim.claims("id"))
        _refused(client, cognito, route, victim, token, "unsupported_alg")

    def test_algorithm_swap_to_rs384_with_the_real_key(
        self, client: FlaskClient, cognito: Any, route: str, victim: Victim
    ) -> None:
        token = mint(victim.claims("id"), alg="RS384")
        _refused(client, cognito, route, victim, token, "unsupported_alg")

    def test_payload_changed_after_signing(
        self,
        client: FlaskClient,
        cognito: Any,
        route: str,
        victim: Victim,
        make_user: Callable[..., User],
    ) -> None:
        attacker = make_user()
        header, payload, signature = _signed_in(cognito, attacker.pool, attacker.username)[
            "id"
        ].split(".")
        claims = json.loads(_unb64(payload))
        claims["cognito:username"] = victim.user.username
        claims["sub"] = victim.sub
        token = f"{header}.{b64(claims)}.{signature}"
        _refused(client, cognito, route, victim, token, "bad_signature")

    def test_signature_from_another_key_with_the_same_kid(
        self, client: FlaskClient, cognito: Any, route: str, victim: Victim
    ) -> None:
        token = mint(victim.claims("id"), key=other_private_key(), kid="dummy")
        _refused(client, cognito, route, victim, token, "bad_signature")

    def test_signature_stripped(
        self, client: FlaskClient, cognito: Any, route: str, victim: Victim
    ) -> None:
        token = mint(victim.claims("id")).rsplit(".", 1)[0] + "."
        _refused(client, cognito, route, victim, token, "bad_signature")

    def test_unknown_kid(
        self, client: FlaskClient, cognito: Any, route: str, victim: Victim
    ) -> None:
        token = mint(victim.claims("id"), key=other_private_key(), kid="attacker-key")
        _refused(client, cognito, route, victim, token, "unknown_kid")

    def test_no_kid(self, client: FlaskClient, cognito: Any, route: str, victim: Victim) -> None:
        token = mint(victim.claims("id"), kid=None)
        _refused(client, cognito, route, victim, token, "unknown_kid")

    def test_expired(self, client: FlaskClient, cognito: Any, route: str, victim: Victim) -> None:
        now = int(time.time())
        token = mint(victim.claims("id", iat=now - 7200, auth_time=now - 7200, exp=now - 1))
        _refused(client, cognito, route, victim, token, "expired")

    def test_no_expiry(self, client: FlaskClient, cognito: Any, route: str, victim: Victim) -> None:
        token = mint(victim.claims("id", exp=None))
        _refused(client, cognito, route, victim, token, "malformed")

    def test_nbf_in_the_future(
        self, client: FlaskClient, cognito: Any, route: str, victim: Victim
    ) -> None:
        token = mint(victim.claims("id", nbf=int(time.time()) + 600))
        _refused(client, cognito, route, victim, token, "not_yet_valid")

    def test_iat_in_the_future(
        self, client: FlaskClient, cognito: Any, route: str, victim: Victim
    ) -> None:
        token = mint(victim.claims("id", iat=int(time.time()) + 600))
        _refused(client, cognito, route, victim, token, "not_yet_valid")

    def test_other_issuer(
        self, client: FlaskClient, cognito: Any, route: str, victim: Victim
    ) -> None:
        token = mint(victim.claims("id", iss="https://cognito-idp.us-east-1.amazonaws.com/x_y"))
        _refused(client, cognito, route, victim, token, "wrong_issuer")

    def test_issuer_with_a_trailing_slash(
        self, client: FlaskClient, cognito: Any, route: str, victim: Victim
    ) -> None:
        iss = victim.claims("id")["iss"] + "/"
        _refused(client, cognito, route, victim, mint(victim.claims("id", iss=iss)), "wrong_issuer")

    def test_other_client_id_token(
        self, client: FlaskClient, cognito: Any, route: str, victim: Victim
    ) -> None:
        token = mint(victim.claims("id", aud="another-app-client"))
        _refused(client, cognito, route, victim, token, "wrong_client")

    def test_other_client_access_token(
        self, client: FlaskClient, cognito: Any, route: str, victim: Victim
    ) -> None:
        token = mint(victim.claims("access", client_id="another-app-client"))
        _refused(client, cognito, route, victim, token, "wrong_client", slot="access")

    def test_id_token_where_an_access_token_is_required(
        self, client: FlaskClient, cognito: Any, route: str, victim: Victim
    ) -> None:
        token = _signed_in(cognito, victim.user.pool, victim.user.username)["id"]
        _refused(client, cognito, route, victim, token, "wrong_token_use", slot="access")

    def test_access_token_where_an_id_token_is_required(
        self, client: FlaskClient, cognito: Any, route: str, victim: Victim
    ) -> None:
        token = _signed_in(cognito, victim.user.pool, victim.user.username)["access"]
        _refused(client, cognito, route, victim, token, "wrong_token_use", slot="id")

    @pytest.mark.parametrize("use", ["id", "access"])
    def test_token_from_a_second_user_pool(
        self,
        client: FlaskClient,
        cognito: Any,
        route: str,
        victim: Victim,
        second_pool: Pool,
        use: str,
    ) -> None:
        # Same username in the other pool, and moto signs both pools with one key:
        # only the issuer tells the tokens apart.
        cognito.admin_create_user(
            UserPoolId=second_pool.id, Username=victim.user.username, MessageAction="SUPPRESS"
        )
        cognito.admin_set_user_password(
            UserPoolId=second_pool.id,
            Username=victim.user.username,
            Password=PASSWORD,
            Permanent=True,
        )
        token = _signed_in(cognito, second_pool, victim.user.username)[use]
        _refused(client, cognito, route, victim, token, "wrong_issuer", slot=use)

    def test_nine_kib_of_junk(
        self, client: FlaskClient, cognito: Any, route: str, victim: Victim
    ) -> None:
        junk = ("A" * 3000 + "." + "B" * 3000 + "." + "C" * 3214)[: 9 * 1024]
        assert len(junk) == 9 * 1024
        _refused(client, cognito, route, victim, junk, "malformed")

    def test_a_real_token_padded_past_eight_kib(
        self, client: FlaskClient, cognito: Any, route: str, victim: Victim
    ) -> None:
        big = mint(victim.claims("id", padding="x" * 8192))
        _refused(client, cognito, route, victim, big, "malformed")

    @pytest.mark.parametrize(
        "token",
        [
            "%%%.%%%.%%%",
            "e30.e30.a+b/c",  # standard base64, not base64url
            "eyJhbGciOiJSUzI1NiJ9=.e30.AA",  # padding
            "abcde.e30.AA",  # a length no base64 can have
            "e30.e30",  # two parts
            "e30.e30.AA.AA",  # four parts
            "e30..AA",  # empty payload
        ],
        ids=[
            "symbols",
            "standard-b64",
            "padding",
            "bad-length",
            "two-parts",
            "four-parts",
            "empty-payload",
        ],
    )
    def test_non_base64_parts(
        self, client: FlaskClient, cognito: Any, route: str, victim: Victim, token: str
    ) -> None:
        _refused(client, cognito, route, victim, token, "malformed")

    @pytest.mark.parametrize("part", ["header", "payload"])
    @pytest.mark.parametrize("value", ['"a string"', "[1, 2]", "42", "null", "{not json"])
    def test_json_that_is_not_an_object(
        self,
        client: FlaskClient,
        cognito: Any,
        route: str,
        victim: Victim,
        part: str,
        value: str,
    ) -> None:
        header, payload, signature = mint(victim.claims("id")).split(".")
        if part == "header":
            header = b64(value)
        else:
            payload = b64(value)
        _refused(client, cognito, route, victim, f"{header}.{payload}.{signature}", "malformed")

    def test_duplicate_claims(
        self, client: FlaskClient, cognito: Any, route: str, victim: Victim
    ) -> None:
        # Two `iss` members: parsers that keep the first and those that keep the last
        # would disagree, so the token is refused whatever its signature.
        claims = victim.claims("id")
        text = json.dumps(claims)[:-1] + ', "iss": "https://evil.example"}'
        header, _, signature = mint(claims).split(".")
        _refused(client, cognito, route, victim, f"{header}.{b64(text)}.{signature}", "malformed")

    @pytest.mark.parametrize("missing", ["sub", "cognito:username"])
    def test_signed_token_naming_no_user(
        self, client: FlaskClient, cognito: Any, route: str, victim: Victim, missing: str
    ) -> None:
        claims = victim.claims("id")
        del claims[missing]
        token = mint(claims)
        _refused(client, cognito, route, victim, token, "malformed")

    def test_non_json_constant_in_the_payload(
        self, client: FlaskClient, cognito: Any, route: str, victim: Victim
    ) -> None:
        text = json.dumps(victim.claims("id"))[:-1] + ', "exp": NaN}'
        header, _, signature = mint(victim.claims("id")).split(".")
        _refused(client, cognito, route, victim, f"{header}.{b64(text)}.{signature}", "malformed")

    def test_critical_header_extension(
        self, client: FlaskClient, cognito: Any, route: str, victim: Victim
    ) -> None:
        token = mint(victim.claims("id"))
        _, payload, signature = token.split(".")
        crit = b64({"alg": "RS256", "kid": "dummy", "crit": ["b64"], "b64": False})
        _refused(client, cognito, route, victim, f"{crit}.{payload}.{signature}", "malformed")


def test_moto_key_is_the_one_moto_signs_with(cognito: Any, victim: Victim) -> None:
    """Guard for the helpers: tokens minted here and moto's own share key and kid."""
    token = _signed_in(cognito, victim.user.pool, victim.user.username)["id"]
    assert jwt.get_unverified_header(token)["kid"] == "dummy"
    jwt.decode(
        token,
        moto_private_key().public_key(),
        algorithms=["RS256"],
        audience=victim.user.pool.client_id,
    )
