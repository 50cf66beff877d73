"""Shared fixtures: one moto server per session, reached over HTTP like AWS is."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.stub import Stubber
from flask import Flask
from flask.testing import FlaskClient
from moto.server import ThreadedMotoServer

from local_cognito import CodeBook, RunningServer, serve
from proxy_app import create_app
from proxy_app.config import Config

if TYPE_CHECKING:
    from legacy_support import Store, Stores

REGION = "us-east-1"
PASSWORD = "Str0ng-Passw0rd!"
# What a developer's shell may hold that would change the app, boto3 or moto under test:
# every name with one of these prefixes, and these exact names. Every AWS_ variable goes
# (profiles, endpoint URLs, Lambda's names); the fake credentials are set again.
APP_PREFIXES = (
    "COGNITO_",
    "TOKEN_",
    "LEGACY_",
    "LOCAL_",
    "MFA_",
    "DEMO_",
    "REVOCATION_",
    "CORS_",
    "AUTOCONFIRM_",
    "JWKS_",
    "DYNAMODB_",
    "AWS_",
    "MOTO_",
)
APP_NAMES = frozenset(
    {"REGION_NAME", "LOG_LEVEL", "WRITABLE_ATTRIBUTES", "ACCEPT_CREDENTIAL_HEADERS"}
)
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_EC2_METADATA_DISABLED": "true",
}


def scrubbed(name: str) -> bool:
    """True for an environment variable the tests start without."""
    return name in APP_NAMES or name.startswith(APP_PREFIXES)


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
def emulator_cognito(emulator: RunningServer) -> Any:
    """A boto3 client on the local emulator, for a test's own setup and checks."""
    return boto3.client("cognito-idp", region_name=REGION, endpoint_url=emulator.endpoint_url)


@pytest.fixture(scope="session")
def emulator_pool(emulator_cognito: Any, emulator: RunningServer) -> Pool:
    """A pool (app client without a secret) reached through the local emulator."""
    return _create_pool(emulator_cognito, emulator.endpoint_url, secret=False)


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


def admin_sign_in(idp: Any, pool: Pool, username: str, password: str = PASSWORD) -> dict[str, Any]:
    """Sign a user in straight through boto3 (AdminInitiateAuth), not through the app."""
    answer: dict[str, Any] = idp.admin_initiate_auth(
        UserPoolId=pool.id,
        ClientId=pool.client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return answer


TEST_POLICY = {
    "MinimumLength": 8,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": False,
}


def _create_pool(
    cognito: Any,
    endpoint: str,
    *,
    secret: bool,
    policy: dict[str, Any] | None = None,
    **settings: Any,
) -> Pool:
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


@pytest.fixture(scope="session")
def pool(cognito: Any, cognito_endpoint: str) -> Pool:
    """The pool most tests use (app client without a secret)."""
    return _create_pool(cognito, cognito_endpoint, secret=False)


@pytest.fixture(scope="session")
def secret_pool(cognito: Any, cognito_endpoint: str) -> Pool:
    """A pool whose app client has a secret, so calls need SECRET_HASH."""
    return _create_pool(cognito, cognito_endpoint, secret=True)


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


def unique_username() -> str:
    """A fresh username (an email address, as the original README uses)."""
    return f"user-{uuid.uuid4().hex[:12]}@example.com"


@dataclass(frozen=True)
class User:
    username: str
    password: str
    pool: Pool


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


def sign_in(client: FlaskClient, user: User) -> dict[str, Any]:
    """Sign a user in through the app and return the tokens."""
    response = client.post(
        "/admin/signin", json={"username": user.username, "password": user.password}
    )
    assert response.status_code == 200, response.json
    body: dict[str, Any] = response.json  # type: ignore[assignment]
    return body


@pytest.fixture
def tokens(client: FlaskClient, user: User) -> dict[str, Any]:
    """Sign the test user in through the app and return its tokens."""
    return sign_in(client, user)


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert a problem+json answer with this status and code; return its body."""
    assert response.status_code == status, (response.status_code, response.get_data(True))
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.json
    assert body["code"] == code, body
    assert body["status"] == status
    assert set(body) >= {"type", "title", "status", "detail", "code", "requestId"}
    return body


def stubbed_error(
    app: Flask,
    operation: str,
    cognito_error: str,
    path: str,
    body: dict[str, Any],
    message: str = "refused",
) -> Any:
    """Send one request while the app's boto3 client answers `operation` with an error.

    For what moto cannot show (it accepts any code, never throttles, ...): botocore's
    Stubber replaces the HTTP exchange, everything else runs as in production.
    """
    with Stubber(app.extensions["cognito_gateway"].client) as stubber:
        stubber.add_client_error(operation, cognito_error, message)
        response = app.test_client().post(path, json=body)
        stubber.assert_no_pending_responses()
    return response


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stores]:
    """The module's legacy stores (SQLite, PostgreSQL, MariaDB), made on first use."""
    from legacy_support import Stores

    with Stores(tmp_path_factory.mktemp("legacy")) as made:
        yield made


@pytest.fixture(params=("sqlite", "postgresql", "mariadb"))
def store(request: pytest.FixtureRequest, stores: Stores) -> Store:
    """A legacy store on each backend in turn (a module may define its own `store`)."""
    return stores.get(request.param)
