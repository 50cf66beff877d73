"""The core outside a web request: plain domain errors, no Flask needed.

The trigger Lambda and the `flask users` commands call the gateway and the verifier with
no request; their errors must be the real ones, not "working outside of app context".
"""

from __future__ import annotations

import pytest

from proxy_app.aws.cognito import CognitoGateway
from proxy_app.core.attributes import check_writable
from proxy_app.core.errors import (
    AttributeNotWritable,
    CognitoRefused,
    CognitoUnavailable,
    TokenRejected,
)
from proxy_app.core.models import Tokens
from proxy_app.http.problems import from_failure
from proxy_app.tokens.verifier import TokenVerifier
from tests.support.cognito import PASSWORD, Pool, User, unique_username


def test_gateway_refusal_outside_a_request_carries_cognitos_code(pool: Pool) -> None:
    gateway = CognitoGateway(pool.config())
    with pytest.raises(CognitoRefused) as raised:
        gateway.sign_in(unique_username(), PASSWORD)
    assert raised.value.code == "UserNotFoundException"


def test_gateway_success_outside_a_request(pool: Pool, user: User) -> None:
    result = CognitoGateway(pool.config()).sign_in(user.username, user.password)
    assert isinstance(result, Tokens)
    assert result.id_token


def test_gateway_unreachable_outside_a_request(pool: Pool) -> None:
    config = pool.config(endpoint_url="http://127.0.0.1:9", connect_timeout=0.2)
    with pytest.raises(CognitoUnavailable):
        CognitoGateway(config).sign_in("ada", PASSWORD)


def test_verifier_outside_a_request_names_the_reason(pool: Pool) -> None:
    with pytest.raises(TokenRejected) as raised:
        TokenVerifier(pool.config()).verify("not.a.token!", "id")
    assert raised.value.reason == "malformed"


def test_the_writable_attributes_rule_raises_a_domain_error_rendered_at_the_edge() -> None:
    check_writable(["name"], {"name"})
    with pytest.raises(AttributeNotWritable) as raised:
        check_writable(["name", "email_verified", "custom:tier"], {"name"})
    assert raised.value.names == ["custom:tier", "email_verified"]
    error = from_failure(raised.value)
    assert (error.status, error.code, error.title) == (
        403,
        "AttributeNotWritable",
        "Attribute not writable",
    )
    assert error.detail == (
        "These attributes cannot be set through this API: custom:tier, email_verified"
    )
    assert error.errors == {"custom:tier": ["Not writable."], "email_verified": ["Not writable."]}
