"""The core outside a web request (issue 9, part 0): plain domain errors, no Flask needed.

The trigger Lambda and the `flask users` commands call the gateway and the verifier with
no request; their errors must be the real ones, not "working outside of app context".
"""

from __future__ import annotations

import pytest
from conftest import PASSWORD, Pool, User, unique_username

from proxy_app.aws.cognito import CognitoGateway
from proxy_app.core.errors import CognitoRefused, CognitoUnavailable, TokenRejected
from proxy_app.tokens.verifier import TokenVerifier


def test_gateway_refusal_outside_a_request_carries_cognitos_code(pool: Pool) -> None:
    gateway = CognitoGateway(pool.config())
    with pytest.raises(CognitoRefused) as raised:
        gateway.sign_in(unique_username(), PASSWORD)
    assert raised.value.code == "UserNotFoundException"


def test_gateway_success_outside_a_request(pool: Pool, user: User) -> None:
    result = CognitoGateway(pool.config()).sign_in(user.username, user.password)
    assert result["AuthenticationResult"]["IdToken"]


def test_gateway_unreachable_outside_a_request(pool: Pool) -> None:
    config = pool.config(endpoint_url="http://127.0.0.1:9", connect_timeout=0.2)
    with pytest.raises(CognitoUnavailable):
        CognitoGateway(config).sign_in("ada", PASSWORD)


def test_verifier_outside_a_request_names_the_reason(pool: Pool) -> None:
    with pytest.raises(TokenRejected) as raised:
        TokenVerifier(pool.config()).verify("not.a.token!", "id")
    assert raised.value.reason == "malformed"
