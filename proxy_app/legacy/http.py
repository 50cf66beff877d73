"""A legacy app's own password check over HTTP, for hashes libpass cannot verify.

The proxy POSTs `{"username", "password"}` to LEGACY_AUTH_URL; the app answers 200
`{"attributes": {...}}` for a right password, 401 for a wrong one, 404 for an unknown
user. Without `password`, it is a profile lookup: 200 `{"attributes"}` or 404.

A 200 answer may also carry, at its top level, `"username"`: the user's own name in the
legacy app (`ALICE` or an email may find `alice`), used when it is a non-empty string,
else the user is the name asked for; and `"disabled"` (a boolean): the account is disabled.
An answer that breaks this contract (not JSON, no attributes object, a redirect, more
than 64 KiB) raises LegacyBroken; an unexpected 4xx, LegacyRefused.
"""

from __future__ import annotations

import http.client
import io
import json
import logging
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from functools import partial
from typing import Any

from proxy_app.config import Config
from proxy_app.legacy import (
    LegacyError,
    LegacyRefused,
    LegacyUnavailable,
    LegacyUser,
    broken,
    cognito_attributes,
    legacy_flag,
)

log = logging.getLogger("proxy_app.legacy")

MAX_ANSWER_BYTES = 64 * 1024


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Refuse to follow redirects: the password must go only where it was configured."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class _Deadline:
    """The one moment by which the whole exchange must be over."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        """The seconds left; past the deadline, TimeoutError."""
        left = self._end - time.monotonic()
        if left <= 0:
            raise TimeoutError("the legacy app's answer took too long")
        return left


class _Request(urllib.request.Request):
    """A request that carries its exchange's deadline to the connection."""

    def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = deadline


class _DeadlineReader(io.RawIOBase):
    """A socket's bytes, each wait given only what is left of the deadline.

    A socket timeout alone bounds each wait: a server sending a header line, or a byte,
    just within it would hold the exchange as long as it likes.
    """

    def __init__(self, sock: socket.socket, deadline: _Deadline) -> None:
        super().__init__()
        self._sock = sock
        # The socket's own file, which keeps its descriptor open after http.client
        # closes the connection, until the answer has been read.
        self._raw = sock.makefile("rb", buffering=0)
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        self._sock.settimeout(self._deadline.remaining())
        return self._raw.readinto(buffer)

    def close(self) -> None:
        self._raw.close()
        super().close()


def _response_class(deadline: _Deadline) -> type[http.client.HTTPResponse]:
    class _Response(http.client.HTTPResponse):
        """An answer whose status line, headers and body are all read by the deadline."""

        def __init__(self, sock: socket.socket, *args: Any, **kwargs: Any) -> None:
            super().__init__(sock, *args, **kwargs)
            self.fp.close()
            self.fp = io.BufferedReader(_DeadlineReader(sock, deadline))

    return _Response


class _HttpConnection(http.client.HTTPConnection):
    """Connect, send and read within one deadline, shared by every step."""

    def __init__(self, *args: Any, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline = deadline
        self.response_class = _response_class(deadline)
        # http.client's hook for opening the socket: the TCP connection gets the time
        # left, and the TLS handshake (bounded as a whole by the socket's timeout) what
        # is left after it.
        self._create_connection = self._connect_within_deadline

    def _connect_within_deadline(
        self, address: tuple[str, int], timeout: float | None, source: Any = None
    ) -> socket.socket:
        sock = socket.create_connection(address, self._deadline.remaining(), source)
        sock.settimeout(self._deadline.remaining())
        return sock

    def send(self, data: Any) -> None:
        if self.sock is not None:
            self.sock.settimeout(self._deadline.remaining())
        super().send(data)


class _HttpsConnection(_HttpConnection, http.client.HTTPSConnection):
    """The same, over TLS."""


class _HttpHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        assert isinstance(req, _Request)
        return self.do_open(partial(_HttpConnection, deadline=req.deadline), req)


class _HttpsHandler(urllib.request.HTTPSHandler):
    def __init__(self, tls: ssl.SSLContext) -> None:
        super().__init__(context=tls)
        self._tls = tls

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        assert isinstance(req, _Request)
        connection = partial(_HttpsConnection, deadline=req.deadline)
        return self.do_open(connection, req, context=self._tls)


class HttpSource:
    """Users checked by the legacy app itself, over verified TLS."""

    def __init__(self, config: Config) -> None:
        assert config.legacy_auth_url
        self._url = config.legacy_auth_url
        self._token = config.legacy_auth_token
        self._timeout = config.legacy_timeout_seconds
        self._emails_verified = config.legacy_emails_verified
        # Certificates and host names are checked against the system's trust store.
        tls = ssl.create_default_context()
        self._opener = urllib.request.build_opener(
            _NoRedirects(), _HttpHandler(), _HttpsHandler(tls)
        )

    def authenticate(self, username: str, password: str) -> LegacyUser | None:
        """Return the user if the legacy app accepts the password, else None."""
        return self._ask(username, {"username": username, "password": password})

    def find(self, username: str) -> LegacyUser | None:
        """Return the user's profile from the legacy app, None if unknown."""
        return self._ask(username, {"username": username})

    def iter_users(self) -> Iterator[LegacyUser]:
        """Not offered: the legacy app's contract has no listing."""
        raise LegacyError("not supported by the HTTP legacy source")

    def count_users(self) -> int:
        """Not offered: the legacy app's contract has no listing."""
        raise LegacyError("not supported by the HTTP legacy source")

    def _ask(self, username: str, body: dict[str, str]) -> LegacyUser | None:
        status, answer = self._post(body)
        if status == 200:
            return self._user(username, answer)
        if status == 404 or (status == 401 and "password" in body):
            return None
        if status >= 500 or status == 429:
            log.warning("legacy app failed", extra={"status": status})
            raise LegacyUnavailable(f"the legacy app answered {status}")
        if 400 <= status < 500:
            log.error("legacy app answered an unexpected status", extra={"status": status})
            raise LegacyRefused(f"the legacy app answered {status}")
        # A redirect (an http:// URL the app moves to https://, a login page) or another
        # success: LEGACY_AUTH_URL does not name the endpoint.
        raise broken(
            "legacy app answered an unexpected status",
            "LEGACY_AUTH_URL must name the endpoint itself, which answers 200, 401 or 404",
            status=str(status),
        )

    def _user(self, asked: str, answer: bytes) -> LegacyUser:
        """The user a 200 answer describes: its own name when it gives one, else `asked`."""
        try:
            document = json.loads(answer)
        except ValueError:
            document = None
        attributes = document.get("attributes") if isinstance(document, dict) else None
        if not isinstance(document, dict) or not isinstance(attributes, dict):
            raise broken(
                "legacy app answer has no attributes object",
                'the legacy app must answer 200 with a JSON object {"attributes": {...}}',
            )
        named = document.get("username")
        return LegacyUser(
            named if isinstance(named, str) and named else asked,
            cognito_attributes(attributes, emails_verified=self._emails_verified),
            disabled=legacy_flag(document.get("disabled"), "disabled"),
        )

    def _post(self, body: dict[str, str]) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        # One deadline for the whole exchange: connecting, sending, the status line, the
        # headers and the body; a server that dribbles any of them cannot hold a sign-in.
        deadline = _Deadline(self._timeout)
        request = _Request(
            self._url,
            data=json.dumps(body).encode(),
            headers=headers,
            method="POST",
            deadline=deadline,
        )
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                return response.status, _read(response)
        except urllib.error.HTTPError as exc:
            exc.close()
            return exc.code, b""
        except (OSError, http.client.HTTPException) as exc:
            # URLError (refused, DNS, TLS verification) and timeouts are OSErrors.
            reason = getattr(exc, "reason", exc)
            log.warning(
                "legacy app unreachable",
                extra={"error": type(exc).__name__, "reason": type(reason).__name__},
            )
            raise LegacyUnavailable("the legacy app is unreachable") from None


def _read(response: Any) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = response.read1(16 * 1024)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise broken(
                "legacy app answer too large",
                f"the legacy app must answer at most {MAX_ANSWER_BYTES // 1024} KiB",
            )
        chunks.append(chunk)
