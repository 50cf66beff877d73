"""The same proxy against a second emulator, cognito-local (npm), to show that it is not
tuned to moto's quirks: cognito-local puts its own URL in `iss`, names its key
`CognitoLocal`, and answers some errors differently (see shared FACTS)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from flask.testing import FlaskClient

from proxy_app import create_app
from proxy_app.config import Config
from tests.support.app import problem, sign_in
from tests.support.cognito import REGION, User
from tests.support.deploy_tools import ROOT, ensure_deploy_tools
from tests.support.network import closed_port

pytestmark = [pytest.mark.slow, pytest.mark.npm]

CODE = "123456"
USERNAME = "ada@example.com"
PASSWORD = "Passw0rd-long"
NEW_PASSWORD = "N3w-Passw0rd-long"


@dataclass(frozen=True)
class CognitoLocal:
    endpoint: str
    pool_id: str
    client_id: str

    def config(self, **overrides: Any) -> Config:
        values: dict[str, Any] = {
            "region": REGION,
            "user_pool_id": self.pool_id,
            "app_client_id": self.client_id,
            "endpoint_url": self.endpoint,
            "issuer_override": f"{self.endpoint}/{self.pool_id}",
            "jwks_url_override": f"{self.endpoint}/{self.pool_id}/.well-known/jwks.json",
        }
        values.update(overrides)
        return Config(**values)


@pytest.fixture(scope="module")
def cognito_local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CognitoLocal]:
    """Run cognito-local on 127.0.0.1 (codes fixed by CODE), with one pool and client."""
    ensure_deploy_tools()
    binary = ROOT / "node_modules" / ".bin" / "cognito-local"
    if not binary.exists():
        pytest.fail("npm ci did not install cognito-local (package.json devDependencies)")
    port = closed_port()
    workdir: Path = tmp_path_factory.mktemp("cognito-local")
    env = dict(os.environ, PORT=str(port), HOST="127.0.0.1", CODE=CODE)
    process = subprocess.Popen(
        [str(binary)], cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("cognito-local did not start")
                time.sleep(0.1)
        endpoint = f"http://127.0.0.1:{port}"
        admin = boto3.client("cognito-idp", region_name=REGION, endpoint_url=endpoint)
        pool_id = admin.create_user_pool(PoolName="proxy")["UserPool"]["Id"]
        client_id = admin.create_user_pool_client(UserPoolId=pool_id, ClientName="proxy")[
            "UserPoolClient"
        ]["ClientId"]
        yield CognitoLocal(endpoint, pool_id, client_id)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def local_client(cognito_local: CognitoLocal) -> FlaskClient:
    """The app configured for cognito-local (issuer and key URL overridden)."""
    return create_app(cognito_local.config()).test_client()


def test_the_original_flow_against_cognito_local(local_client: FlaskClient) -> None:
    client = local_client
    signed_up = client.post("/signup", headers={"username": USERNAME, "password": PASSWORD})
    assert signed_up.status_code == 201, signed_up.json
    confirmed = client.post(
        "/confirmsignup", headers={"username": USERNAME, "confirmationCode": CODE}
    )
    assert confirmed.status_code == 200, confirmed.json

    tokens = client.post("/admin/signin", headers={"username": USERNAME, "password": PASSWORD})
    assert tokens.status_code == 200, tokens.json
    id_token, access_token = tokens.json["idToken"], tokens.json["accessToken"]

    valid = client.get("/token/valid", headers={"idToken": id_token})
    assert valid.status_code == 200, valid.json
    assert valid.json["claims"]["iss"].startswith("http://127.0.0.1:")
    bearer = client.get("/token/valid", headers={"Authorization": f"Bearer {access_token}"})
    assert bearer.status_code == 200, bearer.json
    assert bearer.json["tokenUse"] == "access"

    refreshed = client.post("/admin/refresh", headers={"refreshToken": tokens.json["refreshToken"]})
    assert refreshed.status_code == 200, refreshed.json

    updated = client.post(
        "/admin/user/attribute",
        headers={"idToken": id_token, "attributeName": "name", "attributeValue": "Ada"},
    )
    assert updated.status_code == 200, updated.json

    assert client.post("/password/reset", headers={"username": USERNAME}).status_code == 200
    reset = client.post(
        "/password/confirm",
        headers={"username": USERNAME, "password": NEW_PASSWORD, "confirmationCode": CODE},
    )
    assert reset.status_code == 200, reset.json
    again = client.post("/admin/signin", json={"username": USERNAME, "password": NEW_PASSWORD})
    assert again.status_code == 200, again.json

    assert client.delete("/admin/user", headers={"idToken": id_token}).status_code == 204
    gone = client.post("/admin/signin", json={"username": USERNAME, "password": NEW_PASSWORD})
    problem(gone, 401, "NotAuthorized")


def test_without_the_issuer_override_its_tokens_are_refused(
    cognito_local: CognitoLocal, local_client: FlaskClient
) -> None:
    client = local_client
    username = "grace@example.com"
    client.post("/signup", json={"username": username, "password": PASSWORD})
    client.post("/confirmsignup", json={"username": username, "confirmationCode": CODE})
    tokens = client.post("/admin/signin", json={"username": username, "password": PASSWORD}).json
    aws_issuer = create_app(cognito_local.config(issuer_override=None)).test_client()
    response = aws_issuer.get("/token/valid", headers={"idToken": tokens["idToken"]})
    assert problem(response, 401, "InvalidToken")["reason"] == "wrong_issuer"


def test_a_moto_token_is_refused_by_a_cognito_local_configuration(
    local_client: FlaskClient, make_app: Any, user: User
) -> None:
    moto_tokens = sign_in(make_app().test_client(), user)
    response = local_client.get("/token/valid", headers={"idToken": moto_tokens["idToken"]})
    assert problem(response, 401, "InvalidToken")["reason"] == "unknown_kid"
