"""A standalone moto server for benchmarks: its own process, so it does not share our GIL."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3

REGION = "us-east-1"
PASSWORD = "Bench-Passw0rd!"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def moto_server() -> Iterator[str]:
    """Run `python -m moto.server` on 127.0.0.1; yield its URL; stop it afterwards."""
    with moto_process() as (url, _pid):
        yield url


@contextmanager
def moto_process() -> Iterator[tuple[str, int]]:
    """Run `python -m moto.server` on 127.0.0.1; yield its URL and process id."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.1)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


def fake_credentials() -> None:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)


def create_pool(endpoint: str, users: int = 1) -> tuple[str, str, list[str], Any]:
    """Create a pool, an app client and confirmed users; return ids, usernames, client."""
    cognito = boto3.client("cognito-idp", region_name=REGION, endpoint_url=endpoint)
    pool = cognito.create_user_pool(PoolName="bench")["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool,
        ClientName="bench",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    names = []
    for number in range(users):
        name = f"bench-{number}@example.com"
        cognito.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS")
        cognito.admin_set_user_password(
            UserPoolId=pool, Username=name, Password=PASSWORD, Permanent=True
        )
        names.append(name)
    return pool, client_id, names, cognito


def app_environment(endpoint: str, pool: str, client_id: str) -> dict[str, str]:
    """The variables that point the proxy at a pool in this moto server."""
    return {
        "REGION_NAME": REGION,
        "COGNITO_USER_POOL_ID": pool,
        "COGNITO_APP_CLIENT_ID": client_id,
        "COGNITO_ENDPOINT_URL": endpoint,
    }
