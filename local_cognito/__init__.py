"""The local Cognito emulator: moto's server behind a layer that answers as Cognito does
where moto does not (differences.py), with real six-digit codes printed on the console.

Only local mode (local_cognito/mode.py, lazily) and the tests use it; it is not part of the
code shipped to Lambda. moto's internals are reached only through moto_state.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from local_cognito.codes import CodeBook, Purpose, SentCode, print_to_console
from local_cognito.server import RunningServer, serve

__all__ = [
    "CodeBook",
    "Emulator",
    "Purpose",
    "RunningServer",
    "SentCode",
    "serve",
    "start_emulator",
]

CREDENTIALS = ("local", "local")
POOL_NAME = "cognito-proxy-local"
CLIENT_NAME = "cognito-proxy-local-client"


@dataclass(frozen=True)
class Emulator:
    """A running emulator with one user pool and one app client in it."""

    endpoint_url: str
    user_pool_id: str
    app_client_id: str
    codes: CodeBook
    server: RunningServer
    # The pool's kind, as created: case-sensitive usernames; the attributes users sign in by.
    case_sensitive: bool = False
    username_attributes: tuple[str, ...] = ()


def start_emulator(
    region: str,
    *,
    accept_any_code: bool = False,
    case_sensitive: bool = False,
    username_attributes: Sequence[str] = (),
    announce: Callable[[str], None] = print_to_console,
) -> Emulator:
    """Serve the emulator on 127.0.0.1 (a free port); create a pool and an app client.

    The pool's usernames are case-insensitive unless `case_sensitive` (AWS recommends
    case-insensitive ones); with `username_attributes` (["email"]) users sign in by those
    attributes and each username is a generated id.
    """
    import boto3

    from local_cognito import moto_state

    book = CodeBook(accept_any=accept_any_code, announce=announce, names_of=moto_state.names_of)
    server = serve(book)
    client = boto3.session.Session().client(
        "cognito-idp",
        region_name=region,
        endpoint_url=server.endpoint_url,
        aws_access_key_id=CREDENTIALS[0],
        aws_secret_access_key=CREDENTIALS[1],
    )
    sign_in: dict[str, Any] = (
        {"UsernameAttributes": list(username_attributes)} if username_attributes else {}
    )
    pool = client.create_user_pool(
        PoolName=POOL_NAME,
        UsernameConfiguration={"CaseSensitive": case_sensitive},
        **sign_in,
        AutoVerifiedAttributes=["email"],
        AccountRecoverySetting={"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 8,
                "RequireUppercase": False,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": False,
            }
        },
    )["UserPool"]
    app_client = client.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName=CLIENT_NAME,
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    return Emulator(
        server.endpoint_url,
        pool["Id"],
        app_client["ClientId"],
        server.book,
        server,
        case_sensitive=case_sensitive,
        username_attributes=tuple(username_attributes),
    )
