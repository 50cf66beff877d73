"""What the tests make in Cognito (the emulator, or bare moto): pools, app clients, users."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError
from moto.cognitoidp.models import cognitoidp_backends

from proxy_app.config import Config

REGION = "us-east-1"
PASSWORD = "Str0ng-Passw0rd!"
TEST_POLICY = {
    "MinimumLength": 8,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": False,
}


@dataclass(frozen=True)
class Pool:
    """A user pool and app client in the emulator."""

    id: str
    client_id: str
    endpoint: str
    client_secret: str | None = None

    def config(self, **overrides: Any) -> Config:
        """A Config that points the app at this pool."""
        values: dict[str, Any] = {
            "region": REGION,
            "user_pool_id": self.id,
            "app_client_id": self.client_id,
            "app_client_secret": self.client_secret,
            "endpoint_url": self.endpoint,
        }
        values.update(overrides)
        return Config(**values)


@dataclass(frozen=True)
class User:
    username: str
    password: str
    pool: Pool


def create_pool(
    cognito: Any,
    endpoint: str,
    *,
    secret: bool,
    policy: dict[str, Any] | None = None,
    **settings: Any,
) -> Pool:
    """Create a pool (custom attribute `tier`) and an app client, with or without a secret."""
    pool = cognito.create_user_pool(
        PoolName=f"test-{uuid.uuid4().hex[:8]}",
        Policies={"PasswordPolicy": policy or TEST_POLICY},
        Schema=[{"Name": "tier", "AttributeDataType": "String", "Mutable": True}],
        **settings,
    )["UserPool"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="proxy",
        GenerateSecret=secret,
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    return Pool(pool["Id"], client["ClientId"], endpoint, client.get("ClientSecret"))


def unique_username() -> str:
    """A fresh username (an email address, as the original README uses)."""
    return f"user-{uuid.uuid4().hex[:12]}@example.com"


def admin_sign_in(idp: Any, pool: Pool, username: str, password: str = PASSWORD) -> dict[str, Any]:
    """Sign a user in straight through boto3 (AdminInitiateAuth), not through the app."""
    answer: dict[str, Any] = idp.admin_initiate_auth(
        UserPoolId=pool.id,
        ClientId=pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return answer


def one_attempt_client(endpoint: str) -> Any:
    """A boto3 client making one attempt per call: moto answers what it lacks with HTTP
    500, which boto3 would retry."""
    return boto3.client(
        "cognito-idp",
        region_name=REGION,
        endpoint_url=endpoint,
        config=BotoConfig(retries={"max_attempts": 1, "mode": "standard"}),
    )


def error_code(raised: pytest.ExceptionInfo[ClientError]) -> str:
    """The Cognito error code of a boto3 call that raised."""
    return str(raised.value.response["Error"]["Code"])


def signed_up_user(idp: Any, pool: Pool) -> str:
    """Sign a new user up straight through boto3 (unconfirmed); return the username."""
    username = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    idp.sign_up(
        ClientId=pool.client_id,
        Username=username,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": username}],
    )
    return username


def confirmed_user(idp: Any, pool: Pool) -> str:
    """A confirmed user with a verified email (where Cognito sends reset codes)."""
    username = f"bob-{uuid.uuid4().hex[:8]}@example.com"
    idp.admin_create_user(
        UserPoolId=pool.id,
        Username=username,
        UserAttributes=[
            {"Name": "email", "Value": username},
            {"Name": "email_verified", "Value": "true"},
        ],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=pool.id, Username=username, Password=PASSWORD, Permanent=True
    )
    return username


def user_status(idp: Any, pool: Pool, username: str) -> str:
    """A user's UserStatus (CONFIRMED, UNCONFIRMED, ...)."""
    return str(idp.admin_get_user(UserPoolId=pool.id, Username=username)["UserStatus"])


def moto_reset_code(pool: Pool, username: str) -> str:
    """Read the code moto generated for a reset (the real Cognito would send it by email);
    moto's state is this process's, so the emulator's pools are there too."""
    backend = cognitoidp_backends["123456789012"][REGION]
    code: str = backend.user_pools[pool.id]._get_user(username).confirmation_code
    return code


def user_attributes(idp: Any, pool: Pool, username: str) -> dict[str, str]:
    """A user's attributes, by name, as Cognito holds them."""
    found = idp.admin_get_user(UserPoolId=pool.id, Username=username)
    return {a["Name"]: a["Value"] for a in found["UserAttributes"]}
