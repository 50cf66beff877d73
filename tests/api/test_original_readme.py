"""The original service's README, curl for curl, over real HTTP against local mode.

Each request is sent as curl sends it (`curl -XPOST URL --header "name: value"`): no body,
no Content-Type, header names exactly as the original README writes them. Local mode checks
codes as Cognito does: CONFIRMATION_CODE is the code it printed, read from /local/codes.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from proxy_app import create_app
from proxy_app.config import Config

SAMPLE_EMAIL = "myemail@email.com"
SAMPLE_PASSWORD = "myPassword**^1"


@pytest.fixture(scope="module")
def local_server() -> Iterator[tuple[str, int]]:
    """Serve a local-mode app (embedded emulator, nothing configured) on 127.0.0.1."""
    app = create_app(Config())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "127.0.0.1", server.server_port
    server.shutdown()


def curl(server: tuple[str, int], method: str, path: str, *headers: str) -> tuple[int, Any]:
    """Send a request the way the README's curl commands do."""
    connection = http.client.HTTPConnection(*server, timeout=10)
    connection.putrequest(method, path)
    connection.putheader("User-Agent", "curl/8.5.0")
    connection.putheader("Accept", "*/*")
    for header in headers:
        name, _, value = header.partition(": ")
        connection.putheader(name, value.encode("utf-8"))
    connection.endheaders()
    response = connection.getresponse()
    raw = response.read()
    connection.close()
    return response.status, json.loads(raw) if raw else None


def sent_code(server: tuple[str, int], purpose: str) -> str:
    """The code local mode "sent" (and printed): the README's CONFIRMATION_CODE."""
    status, body = curl(server, "GET", f"/local/codes?username={SAMPLE_EMAIL}")
    assert status == 200, body
    codes = [c["code"] for c in body["codes"] if c["purpose"] == purpose]
    assert codes, body
    return str(codes[0])


@pytest.mark.parametrize("stage", ["/Prod", ""], ids=["original-base-url", "no-stage"])
def test_the_original_readme_flow(local_server: tuple[str, int], stage: str) -> None:
    s = local_server
    status, body = curl(
        s, "POST", stage + "/signup", f"username: {SAMPLE_EMAIL}", f"password: {SAMPLE_PASSWORD}"
    )
    assert status == 201, body
    assert body["userSub"]

    status, body = curl(s, "POST", stage + "/resendcode", f"username: {SAMPLE_EMAIL}")
    assert status == 200, body
    assert body["codeDeliveryDetails"]["deliveryMedium"] == "EMAIL"

    status, body = curl(
        s,
        "POST",
        stage + "/confirmsignup",
        f"username: {SAMPLE_EMAIL}",
        f"confirmationCode: {sent_code(s, 'signup')}",
    )
    assert (status, body) == (200, {"confirmed": True})

    status, tokens = curl(
        s,
        "POST",
        stage + "/admin/signin",
        f"username: {SAMPLE_EMAIL}",
        f"password: {SAMPLE_PASSWORD}",
    )
    assert status == 200, tokens

    status, body = curl(
        s, "POST", stage + "/admin/refresh", f"refreshToken: {tokens['refreshToken']}"
    )
    assert status == 200, body
    assert body["idToken"]

    status, body = curl(s, "GET", stage + "/token/valid", f"idToken: {tokens['idToken']}")
    assert status == 200, body
    assert body["valid"] is True
    assert body["username"] == SAMPLE_EMAIL

    status, body = curl(s, "POST", stage + "/password/reset", f"username: {SAMPLE_EMAIL}")
    assert status == 200, body

    status, body = curl(
        s,
        "POST",
        stage + "/password/confirm",
        f"username: {SAMPLE_EMAIL}",
        f"password: {SAMPLE_PASSWORD}",
        f"confirmationCode: {sent_code(s, 'password_reset')}",
    )
    assert (status, body) == (200, {"passwordReset": True})

    status, body = curl(
        s,
        "POST",
        stage + "/admin/user/attribute",
        f"idToken: {tokens['idToken']}",
        "attributeName: name",
        "attributeValue: Vladimir Budilov",
    )
    assert (status, body) == (200, {"attributes": {"name": "Vladimir Budilov"}})

    status, body = curl(s, "DELETE", stage + "/admin/user", f"idToken: {tokens['idToken']}")
    assert (status, body) == (204, None)

    status, body = curl(
        s,
        "POST",
        stage + "/admin/signin",
        f"username: {SAMPLE_EMAIL}",
        f"password: {SAMPLE_PASSWORD}",
    )
    assert status == 401
    assert body["code"] == "NotAuthorized"


def test_local_mode_serves_health_and_openapi(local_server: tuple[str, int]) -> None:
    assert curl(local_server, "GET", "/health") == (200, {"status": "ok"})
    status, spec = curl(local_server, "GET", "/openapi.json")
    assert status == 200
    assert "/admin/signin" in spec["paths"]
