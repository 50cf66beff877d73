"""`import wsgi` is the Lambda cold start: it must not touch the network."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = textwrap.dedent(
    """
    import socket, sys

    def refuse(*args, **kwargs):
        raise AssertionError(f"network used at import: {args!r}")

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse

    import wsgi
    assert callable(wsgi.handler)
    assert "apispec" not in sys.modules, "apispec is needed only for /openapi.json"
    print("ok", wsgi.app.name)
    """
)


def test_import_wsgi_makes_no_network_call() -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("COGNITO_")}
    env.update(
        AWS_LAMBDA_FUNCTION_NAME="proxy",
        COGNITO_USER_POOL_ID="us-east-1_AbCdEf123",
        COGNITO_APP_CLIENT_ID="1a2b3c4d5e",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")


def test_import_wsgi_with_bad_configuration_names_the_variable() -> None:
    env = dict(os.environ, AWS_LAMBDA_FUNCTION_NAME="proxy", COGNITO_USER_POOL_ID="nope")
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "COGNITO_USER_POOL_ID" in result.stderr.splitlines()[-1]
