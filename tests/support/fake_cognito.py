"""Small fake Cognito backends on 127.0.0.1 for fault tests and the fault benchmark.

One `FakeCognito` serves one behaviour at a time (`mode`), switchable while it runs, so a
test can break the backend and then heal it behind the same app and the same port.
"""

from __future__ import annotations

import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import urlsplit

MODES = ("proxy", "hang", "error500", "garbage", "not_http", "throttle")
_GARBAGE = b"\x00\x9f<<not json at all>>\xff"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    _SILENT: ClassVar[bool] = True

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the tests read their own results, not the access log."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        fake = self.server.fake
        with fake.lock:
            fake.requests += 1
        mode = fake.mode
        if mode == "hang":
            fake.released.wait()
            self.close_connection = True
            return
        if mode == "error500":
            self._answer(500, b"<html><body>Internal Server Error</body></html>", "text/html")
        elif mode == "garbage":
            self._answer(200, _GARBAGE, "application/x-amz-json-1.1")
        elif mode == "not_http":
            self.wfile.write(b"SSH-2.0-OpenSSH_9.6 " + _GARBAGE + b"\r\n\r\n")
            self.close_connection = True
        elif mode == "throttle":
            error = {"__type": "TooManyRequestsException", "message": "Rate exceeded"}
            self._answer(400, json.dumps(error).encode(), "application/x-amz-json-1.1")
        else:
            self._forward(body)

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _forward(self, body: bytes) -> None:
        target = urlsplit(self.server.fake.upstream or "")
        connection = http.client.HTTPConnection(target.hostname or "", target.port, timeout=10)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            connection.request("POST", self.path, body=body, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
            content_type = answer.getheader("Content-Type") or "application/json"
            self._answer(answer.status, data, content_type)
        finally:
            connection.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeCognito


class FakeCognito:
    """A switchable fake Cognito endpoint; `proxy` mode forwards to a real emulator."""

    def __init__(self, mode: str = "proxy", upstream: str | None = None, port: int = 0) -> None:
        assert mode in MODES
        self.mode = mode
        self.upstream = upstream
        self.requests = 0
        self.lock = threading.Lock()
        self.released = threading.Event()
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeCognito:
        self._thread.start()
        return self

    def switch(self, mode: str) -> None:
        """Change behaviour; releases any hanging requests when leaving `hang`."""
        assert mode in MODES
        if self.mode == "hang" and mode != "hang":
            self.released.set()
        elif mode == "hang":
            self.released.clear()
        self.mode = mode

    def stop(self) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeCognito:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def count_sends(client: Any) -> list[str]:
    """Record every HTTP attempt a boto3 client makes, retries included.

    For a closed port, where no server can count the refused connections.
    """
    sent: list[str] = []

    def remember(request: Any, **_: Any) -> None:
        sent.append(request.url)

    client.meta.events.register("before-send", remember)
    return sent


def error_answer(code: str, message: str = "refused", status: int = 400) -> tuple[Any, Any]:
    """What a botocore `before-call` hook returns to answer a call with a Cognito error."""
    from botocore.awsrequest import AWSResponse

    http = AWSResponse("http://cognito.invalid", status, {}, None)
    parsed = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return http, parsed
