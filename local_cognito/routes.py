"""Local mode only: GET /local/codes, the codes the emulator "sent" (for the demo page).

Registered by create_app in local mode only (404 otherwise), behind local mode's loopback
rule, and left out of the OpenAPI document: it is not part of the API.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol
from urllib.parse import parse_qsl

from flask import Blueprint, Flask, current_app, jsonify, request

from proxy_app.http.problems import validation_failed
from proxy_app.http.schemas.fields import MAX_USERNAME

local = Blueprint("local", __name__)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_PARAMETERS = frozenset({"username"})
NEWEST_FIRST = "newest first"


class SentCode(Protocol):
    def as_json(self) -> dict[str, str | None]: ...


class SentCodes(Protocol):
    """What the emulator's code book offers this route."""

    def valid(self, username: str | None = None) -> Sequence[SentCode]: ...


def register_local_routes(app: Flask, codes: SentCodes) -> None:
    """Serve /local/codes from this emulator's codes."""
    app.extensions["local_codes"] = codes
    app.register_blueprint(local)


@local.get("/local/codes")
def sent_codes() -> Any:
    """List the still-valid codes the emulator sent, newest first (?username= filters),
    each with what it is for."""
    codes: SentCodes = current_app.extensions["local_codes"]
    username = _username()
    listed = [sent.as_json() for sent in codes.valid(username)]
    # Newest first, so that codes[0] is the one just sent; `order` says so to a reader.
    return jsonify({"order": NEWEST_FIRST, "codes": listed})


def _username() -> str | None:
    try:
        pairs = parse_qsl(
            request.query_string.decode("ascii"), keep_blank_values=True, errors="strict"
        )
    except UnicodeDecodeError:
        raise validation_failed({"query": ["Not UTF-8 text."]}) from None
    errors: dict[str, list[str]] = {
        name: ["Unknown field."] for name, _ in pairs if name not in _PARAMETERS
    }
    values = [value for name, value in pairs if name == "username"]
    if len(values) > 1:
        errors["username"] = ["Give it once."]
    elif values and not 1 <= len(values[0]) <= MAX_USERNAME:
        errors["username"] = [f"Length must be between 1 and {MAX_USERNAME}."]
    elif values and _CONTROL.search(values[0]):
        errors["username"] = ["Must not contain control characters."]
    if errors:
        raise validation_failed(errors)
    return values[0] if values else None
