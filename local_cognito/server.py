"""moto's server behind a WSGI layer that answers the differences (differences.py).

The layer reads the operation from X-Amz-Target; a Cognito call that some difference
concerns goes through those differences, everything else (the other Cognito calls,
DynamoDB, moto's own /moto-api) goes to moto untouched. Nothing in moto is patched: the
layer is in front of moto's application, served by werkzeug on 127.0.0.1 in a thread.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from local_cognito import moto_state
from local_cognito.codes import CodeBook
from local_cognito.differences import DIFFERENCES, Answer, Call, Difference, Forward

COGNITO_TARGET = "AWSCognitoIdentityProviderService"
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class CognitoDifferences:
    """The WSGI layer: Cognito calls through their differences, the rest to moto."""

    def __init__(
        self,
        moto_app: WsgiApp,
        book: CodeBook,
        differences: Iterable[Difference] = DIFFERENCES,
    ) -> None:
        self.moto_app = moto_app
        self.book = book
        self.differences = list(differences)
        self._concerned = {op for d in self.differences for op in d.operations}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        service, _, operation = environ.get("HTTP_X_AMZ_TARGET", "").partition(".")
        if service != COGNITO_TARGET or operation not in self._concerned:
            return self.moto_app(environ, start_response)
        raw = _read_body(environ)
        try:
            params = json.loads(raw or b"{}")
        except ValueError:
            params = None
        if not isinstance(params, dict):
            return self.moto_app(_with_body(environ, raw), start_response)
        answer = self._chain(operation, environ)(Call(operation, params))
        phrase = HTTPStatus(answer.status).phrase
        headers = [*answer.headers, ("Content-Length", str(len(answer.body)))]
        start_response(f"{answer.status} {phrase}", headers)
        return [answer.body]

    def _chain(self, operation: str, environ: dict[str, Any]) -> Forward:
        """moto, wrapped by the operation's differences (the first registered outermost)."""

        def to_moto(call: Call) -> Answer:
            return self._ask_moto(environ, json.dumps(call.params).encode())

        forward: Forward = to_moto
        for item in reversed(self.differences):
            if operation in item.operations:
                forward = _wrap(item, self.book, forward)
        return forward

    def _ask_moto(self, environ: dict[str, Any], body: bytes) -> Answer:
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = headers

        result = self.moto_app(_with_body(environ, body), start_response)
        try:
            content = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        headers = [
            (name, value)
            for name, value in captured["headers"]
            if name.lower() not in ("content-length", "transfer-encoding")
        ]
        return Answer(captured["status"], content, headers)


def _wrap(item: Difference, book: CodeBook, forward: Forward) -> Forward:
    def handled(call: Call) -> Answer:
        return item.handle(book, call, forward)

    return handled


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    return stream.read(length) if stream is not None and length > 0 else b""


def _with_body(environ: dict[str, Any], body: bytes) -> dict[str, Any]:
    copied = dict(environ)
    copied["wsgi.input"] = io.BytesIO(body)
    copied["CONTENT_LENGTH"] = str(len(body))
    return copied


@dataclass
class RunningServer:
    """The layer and moto, served on 127.0.0.1 and a free port in a daemon thread."""

    endpoint_url: str
    book: CodeBook
    _server: Any
    _thread: threading.Thread

    def stop(self) -> None:
        """Stop serving (the emulator's data stays in moto's memory)."""
        self._server.shutdown()
        self._thread.join()


def serve(book: CodeBook) -> RunningServer:
    """Serve moto behind the differences layer; return where."""
    from werkzeug.serving import make_server

    class QuietHandler(moto_state.moto_request_handler()):  # type: ignore[misc]
        """moto's handler without werkzeug's access log (the proxy logs its own)."""

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            pass

    app = CognitoDifferences(moto_state.moto_wsgi_app(), book)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="local-cognito", daemon=True)
    thread.start()
    return RunningServer(f"http://127.0.0.1:{server.server_port}", book, server, thread)
