"""The real Lambda path: HTTP -> serverless-offline's API Gateway -> wsgi.handler -> moto.

serverless-offline builds the API Gateway HTTP API (payload 2.0) events from
serverless.yml and runs `wsgi.handler` in a Python 3.12 virtualenv, configured only by
the deploy parameters; the handler reaches the session's moto server over HTTP. The
original service's README curl sequence runs through it, header for header.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.cognito import REGION, Pool
from tests.support.deploy_tools import ROOT, DeployTools
from tests.support.network import closed_port

pytestmark = [pytest.mark.slow, pytest.mark.npm]

START_TIMEOUT = 90.0
# The original README's sample password, with a digit policy moto enforces.
SAMPLE_PASSWORD = "myPassword**^1"
NEW_PASSWORD = "myNewPassword**^2"


def _wait_until_listening(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text(errors="replace")
            raise AssertionError(f"serverless offline exited {process.returncode}:\n{output}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"serverless offline did not listen on {port} in {START_TIMEOUT}s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGINT lets serverless-offline stop its Python handler process; then be firm."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.fixture(scope="module")
def offline_pool(cognito: Any, cognito_endpoint: str) -> Pool:
    """A pool of its own, so the sequence's user is the only one in it."""
    pool = cognito.create_user_pool(
        PoolName=f"offline-{uuid.uuid4().hex[:8]}",
        Schema=[{"Name": "name", "AttributeDataType": "String", "Mutable": True}],
    )["UserPool"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="proxy",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    return Pool(pool["Id"], client["ClientId"], cognito_endpoint)


@pytest.fixture(scope="module")
def api(
    tools: DeployTools, offline_pool: Pool, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[httpx.Client]:
    """`serverless offline start` on free ports, pointed at moto; yields an HTTP client."""
    http_port, lambda_port = closed_port(), closed_port()
    env = {
        **_environment(),
        "VIRTUAL_ENV": str(tools.virtualenv),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "COGNITO_ENDPOINT_URL": offline_pool.endpoint,
    }
    command = [
        "node", str(tools.serverless), "offline", "start",
        "--param", f"RegionParameter={REGION}",
        "--param", f"CognitoUserPoolIdParameter={offline_pool.id}",
        "--param", f"CognitoAppClientIdParameter={offline_pool.client_id}",
        "--param", "CognitoAutoconfirmUserParameter=false",
        # No CloudFormation here: the service's table would be an unresolved `Ref`.
        "--param", "TokenRevocationParameter=false",
        "--host", "127.0.0.1",
        "--httpPort", str(http_port),
        "--lambdaPort", str(lambda_port),
    ]  # fmt: skip
    log = tmp_path_factory.mktemp("serverless-offline") / "output.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            _wait_until_listening(process, http_port, log)
            with httpx.Client(base_url=f"http://127.0.0.1:{http_port}", timeout=30) as client:
                yield client
        finally:
            _stop(process)
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text


def _environment() -> dict[str, str]:
    scrubbed = {"AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_LAMBDA_FUNCTION_NAME"}
    return {key: value for key, value in os.environ.items() if key not in scrubbed}


def _json(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text)
    if status == 204:
        return {}
    body: dict[str, Any] = response.json()
    return body


def test_original_readme_sequence_through_the_emulated_gateway(
    api: httpx.Client, cognito: Any, offline_pool: Pool
) -> None:
    """Every curl of the original README, in order, with its headers; each status asserted.

    Resend Confirmation Code is left out: moto does not implement ResendConfirmationCode
    (it answers HTTP 500), and local mode teaches it only to its own embedded emulator.
    """
    email = f"user-{uuid.uuid4().hex[:10]}@example.com"

    # Signup
    signed_up = _json(
        api.post("/signup", headers={"username": email, "password": SAMPLE_PASSWORD}), 201
    )
    assert signed_up["userConfirmed"] is False
    # Confirm SignUp (moto accepts any code)
    confirmed = _json(
        api.post("/confirmsignup", headers={"username": email, "confirmationCode": "123456"}),
        200,
    )
    assert confirmed == {"confirmed": True}
    status = cognito.admin_get_user(UserPoolId=offline_pool.id, Username=email)["UserStatus"]
    assert status == "CONFIRMED"

    # SignIn
    tokens = _json(
        api.post("/admin/signin", headers={"username": email, "password": SAMPLE_PASSWORD}), 200
    )
    assert {"idToken", "accessToken", "refreshToken"} <= tokens.keys()

    # Refresh Tokens
    refreshed = _json(
        api.post("/admin/refresh", headers={"refreshToken": tokens["refreshToken"]}), 200
    )
    assert refreshed["idToken"] and refreshed["accessToken"]

    # Check if the token is valid
    valid = _json(api.get("/token/valid", headers={"idToken": refreshed["idToken"]}), 200)
    assert valid["valid"] is True
    assert valid["tokenUse"] == "id"
    assert valid["sub"] == signed_up["userSub"]

    # Update User Attribute
    updated = _json(
        api.post(
            "/admin/user/attribute",
            headers={
                "idToken": tokens["idToken"],
                "attributeName": "name",
                "attributeValue": "Vladimir Budilov",
            },
        ),
        200,
    )
    assert updated == {"attributes": {"name": "Vladimir Budilov"}}
    user = cognito.admin_get_user(UserPoolId=offline_pool.id, Username=email)
    assert {"Name": "name", "Value": "Vladimir Budilov"} in user["UserAttributes"]

    # Reset Password, then create a new password
    _json(api.post("/password/reset", headers={"username": email}), 200)
    reset = _json(
        api.post(
            "/password/confirm",
            headers={"username": email, "password": NEW_PASSWORD, "confirmationCode": "123456"},
        ),
        200,
    )
    assert reset == {"passwordReset": True}
    old = api.post("/admin/signin", headers={"username": email, "password": SAMPLE_PASSWORD})
    assert old.status_code == 401
    assert old.json()["code"] == "NotAuthorized"
    again = _json(
        api.post("/admin/signin", headers={"username": email, "password": NEW_PASSWORD}), 200
    )

    # Delete User
    _json(api.delete("/admin/user", headers={"idToken": again["idToken"]}), 204)
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_get_user(UserPoolId=offline_pool.id, Username=email)


def test_errors_are_problem_json_through_the_gateway(api: httpx.Client) -> None:
    response = api.get("/no/such/route")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "NotFound"
    assert response.headers["x-request-id"]


def test_preflight_reaches_the_app(api: httpx.Client) -> None:
    """No CORS at the gateway: OPTIONS goes through ANY to the function, which answers."""
    response = api.options("/signup", headers={"Origin": "https://app.example.com"})
    assert "x-request-id" in response.headers
    assert response.headers.get("x-content-type-options") == "nosniff"
