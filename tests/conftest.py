"""Fixtures several levels share: a clean environment, one emulator and one moto server
per session (reached over HTTP as AWS is), the test pool, apps on it and users in it.

A fixture only one level uses lives in that level's conftest.py; helpers that are not
fixtures live in tests/support/.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from flask import Flask
from flask.testing import FlaskClient
from moto.server import ThreadedMotoServer

from local_cognito import CodeBook, RunningServer, serve
from proxy_app import create_app
from proxy_app.config import Config
from tests.support.app import sign_in
from tests.support.cognito import PASSWORD, REGION, Pool, User, create_pool, unique_username
from tests.support.environment import FAKE_AWS, scrubbed


@pytest.fixture(scope="session", autouse=True)
def aws_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Fake credentials and nothing of the developer's shell: nothing can reach real AWS.
    Local-mode apps write their state file in a temporary folder, not in the work tree."""
    patch = pytest.MonkeyPatch()
    for name in [name for name in os.environ if scrubbed(name)]:
        patch.delenv(name)
    for name, value in FAKE_AWS.items():
        patch.setenv(name, value)
    patch.setenv("LOCAL_STATE_FILE", str(tmp_path_factory.mktemp("local-state") / "local.json"))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def moto_endpoint(aws_environment: None) -> Iterator[str]:
    """Start moto's server on 127.0.0.1 and a free port; yield its URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="session")
def emulator(aws_environment: None) -> Iterator[RunningServer]:
    """The local emulator (moto behind local_cognito's differences, which answer the calls
    moto lacks), accepting any emailed or texted code (tests that need the code sent use
    their own emulator) but checking authenticator codes, which a test computes."""
    server = serve(
        CodeBook(accept_any=True, accept_any_authenticator=False, announce=lambda line: None)
    )
    yield server
    server.stop()


@pytest.fixture(scope="session")
def cognito_endpoint(emulator: RunningServer) -> str:
    """Where the app and the tests reach Cognito: the local emulator, which answers as
    Cognito's documentation says where moto is laxer (moto's state is the process's, so
    bare moto at `moto_endpoint` sees the same pools)."""
    return emulator.endpoint_url


@pytest.fixture(scope="session")
def cognito(cognito_endpoint: str) -> Any:
    """A boto3 client for the test's own setup and checks (not the app's)."""
    return boto3.client("cognito-idp", region_name=REGION, endpoint_url=cognito_endpoint)


@pytest.fixture(scope="session")
def pool(cognito: Any, cognito_endpoint: str) -> Pool:
    """The pool most tests use (app client without a secret)."""
    return create_pool(cognito, cognito_endpoint, secret=False)


@pytest.fixture
def table(pool: Pool) -> str:
    """A fresh service table (REVOCATION_TABLE) in moto's DynamoDB."""
    from proxy_app.aws.table import Records

    name = f"cognito-proxy-{uuid.uuid4().hex[:8]}"
    Records(pool.config(records_table=name, dynamodb_endpoint_url=pool.endpoint)).create_table()
    return name


@pytest.fixture
def make_app(pool: Pool) -> Callable[..., Flask]:
    """Build an app on the test pool, with config overrides."""

    def factory(target: Pool | None = None, **overrides: Any) -> Flask:
        app = create_app((target or pool).config(**overrides))
        app.testing = True
        return app

    return factory


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_user(cognito: Any, pool: Pool) -> Callable[..., User]:
    """Create a confirmed user straight in the emulator (not through the app), with a
    verified email as a confirmed sign-up has (Cognito sends reset codes only there)."""

    def factory(target: Pool | None = None, **attributes: str) -> User:
        target = target or pool
        username = unique_username()
        attributes = {"email": username, "email_verified": "true", **attributes}
        cognito.admin_create_user(
            UserPoolId=target.id,
            Username=username,
            UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
            MessageAction="SUPPRESS",
        )
        cognito.admin_set_user_password(
            UserPoolId=target.id, Username=username, Password=PASSWORD, Permanent=True
        )
        return User(username, PASSWORD, target)

    return factory


@pytest.fixture
def user(make_user: Callable[..., User]) -> User:
    return make_user()


@pytest.fixture
def tokens(client: FlaskClient, user: User) -> dict[str, Any]:
    """Sign the test user in through the app and return its tokens."""
    return sign_in(client, user)


@pytest.fixture(scope="module")
def local_app() -> Flask:
    """A local-mode app (nothing configured: its own embedded emulator), one per module."""
    return create_app(Config())
