"""A legacy app's own password check over HTTP, for hashes libpass cannot verify.

The proxy POSTs `{"username", "password"}` to LEGACY_AUTH_URL; the app answers 200
`{"attributes": {...}}` for a right password, 401 for a wrong one, 404 for an unknown
user. Without `password`, it is a profile lookup: 200 `{"attributes"}` or 404.
"""

from __future__ import annotations

import http.client
import json
import logging
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

from proxy_app.config import Config
from proxy_app.legacy import (
    LegacyError,
    LegacyRefused,
    LegacyUnavailable,
    LegacyUser,
    cognito_attributes,
)

log = logging.getLogger("proxy_app.legacy")

MAX_ANSWER_BYTES = 64 * 1024


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Refuse to follow redirects: the password must go only where it was configured."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


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
            _NoRedirects(), urllib.request.HTTPSHandler(context=tls)
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
            return LegacyUser(username, self._attributes(answer))
        if status == 404 or (status == 401 and "password" in body):
            return None
        if status >= 500 or status == 429:
            log.warning("legacy app failed", extra={"status": status})
            raise LegacyUnavailable(f"the legacy app answered {status}")
        log.error("legacy app answered an unexpected status", extra={"status": status})
        raise LegacyRefused(f"the legacy app answered {status}")

    def _attributes(self, answer: bytes) -> dict[str, str]:
        try:
            document = json.loads(answer)
        except ValueError:
            document = None
        attributes = document.get("attributes") if isinstance(document, dict) else None
        if not isinstance(attributes, dict):
            log.error("legacy app answer has no attributes object")
            raise LegacyRefused("the legacy app's answer has no attributes object")
        return cognito_attributes(attributes, emails_verified=self._emails_verified)

    def _post(self, body: dict[str, str]) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        request = urllib.request.Request(  # noqa: S310 (the URL is validated as http(s))
            self._url, data=json.dumps(body).encode(), headers=headers, method="POST"
        )
        # The socket timeout bounds connecting and every wait for bytes; the deadline
        # bounds the whole answer, so a trickling server cannot hold a sign-in.
        deadline = time.monotonic() + self._timeout
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                return response.status, _read(response, deadline)
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


def _read(response: Any, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError("the legacy app's answer took too long")
        chunk = response.read1(16 * 1024)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            log.error("legacy app answer too large")
            raise LegacyRefused("the legacy app's answer is too large")
        chunks.append(chunk)
