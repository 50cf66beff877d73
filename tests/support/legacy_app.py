"""A small legacy app for the HTTP source's tests: stdlib http.server on 127.0.0.1:0.

It answers the contract README.md documents: POST `{username, password}` -> 200
`{attributes}` / 401 / 404; POST `{username}` -> 200 `{attributes}` / 404; a user's
`members` join `attributes` at the answer's top level (`username`, `disabled`). A test
can make it misbehave (a status, a delay, garbage, a redirect, headers or a body sent a
little at a time) and read what it received.
"""

from __future__ import annotations

import contextlib
import json
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    """One request the legacy app received."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class LegacyApp:
    """The legacy app's users and behaviour, and what it received."""

    users: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    status: int | None = None  # answer this status to everything
    answer: bytes | None = None  # answer these bytes (200) to everything
    delay: float = 0.0  # before the headers
    trickle: float = 0.0  # between bytes of the body
    dribble: float = 0.0  # between header lines (40 of them, before the real ones)
    headers: dict[str, str] = field(default_factory=dict)
    url: str = ""
    case_insensitive: bool = False  # find `ada` when asked for `ADA`, as many apps do

    def add_user(
        self, username: str, password: str, members: dict[str, Any] | None = None, **attributes: Any
    ) -> None:
        """Give the legacy app a user; `members` are the answer's other top-level members."""
        self.users[username] = (password, attributes, members or {})

    def respond(self, body: dict[str, Any]) -> tuple[int, bytes]:
        """The legacy app's own password check."""
        if self.status is not None:
            return self.status, b'{"error": "forced"}'
        if self.answer is not None:
            return 200, self.answer
        asked = body.get("username", "")
        user = self.users.get(asked)
        if user is None and self.case_insensitive:
            found = [key for key in self.users if key.casefold() == asked.casefold()]
            user = self.users[found[0]] if found else None
        if user is None:
            return 404, b'{"error": "unknown user"}'
        password, attributes, members = user
        if "password" in body and body["password"] != password:
            return 401, b'{"error": "wrong password"}'
        return 200, json.dumps({**members, "attributes": attributes}).encode()


def _handler(app: LegacyApp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            app.received.append(
                Received(
                    self.path, {k.lower(): v for k, v in self.headers.items()}, json.loads(raw)
                )
            )
            time.sleep(app.delay)
            status, body = app.respond(json.loads(raw))
            # The source may have given up first, as the timeout tests want.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._answer(status, body)

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            if app.dribble:
                # Each line well within a socket timeout; all of them far beyond it.
                for number in range(40):
                    self.flush_headers()
                    time.sleep(app.dribble)
                    self.send_header(f"X-Dribble-{number}", "x")
            for name, value in app.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if app.trickle:
                for byte in body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(app.trickle)
            else:
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serve(tls: ssl.SSLContext | None = None) -> Iterator[LegacyApp]:
    """Run a legacy app on 127.0.0.1 and a free port until the block ends."""
    app = LegacyApp()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(app))
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    host, port = server.server_address[:2]
    scheme = "https" if tls else "http"
    app.url = f"{scheme}://{'localhost' if tls else host}:{port}/legacy/auth"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield app
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
