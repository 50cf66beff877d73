"""Compact JWS: a token split, base64url-decoded and its JSON checked, nothing verified.

Anything that is not exactly a compact JWS with a JSON object for header and payload is
refused here, before a key is looked up: padding, white space, duplicate members, NaN,
`crit` extensions. The signature is checked elsewhere (verifier.py), with PyJWT's RSA.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from proxy_app.core.errors import TokenRejected

MAX_TOKEN_BYTES = 8 * 1024
# Compact JWS: base64url header and payload, and a base64url signature (empty only for
# `alg: none`, which is then refused by name). No padding, no white space.
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


@dataclass(frozen=True)
class Jws:
    """A compact JWS taken apart: what the signature covers, and the signature."""

    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes


def parse(token: str) -> Jws:
    """Split and decode a compact JWS, refusing anything that is not one."""
    # Size first, before any parsing: a str longer than the limit in characters is at
    # least as long in bytes, and the pattern below admits only ASCII.
    if len(token) > MAX_TOKEN_BYTES:
        raise TokenRejected("malformed", "The token is too large.")
    if not _COMPACT_JWS.fullmatch(token):
        raise TokenRejected("malformed", "The token is not a JWT.")
    header_part, payload_part, signature_part = token.split(".")
    header = _json_object(header_part)
    claims = _json_object(payload_part)
    if "crit" in header:
        raise TokenRejected("malformed", "The token requires extensions this service lacks.")
    return Jws(
        header=header,
        claims=claims,
        signing_input=f"{header_part}.{payload_part}".encode("ascii"),
        signature=_base64url(signature_part),
    )


def _base64url(part: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise TokenRejected("malformed", "The token is not a JWT.") from None


def _json_object(part: str) -> dict[str, Any]:
    try:
        value = json.loads(
            _base64url(part), object_pairs_hook=_no_duplicates, parse_constant=_no_constant
        )
    except (ValueError, RecursionError):
        raise TokenRejected("malformed", "The token is not a JWT.") from None
    if not isinstance(value, dict):
        raise TokenRejected("malformed", "The token's header or payload is not an object.")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two values for one claim (say two `iss`) would let parsers disagree: refuse both.
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate member")
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
