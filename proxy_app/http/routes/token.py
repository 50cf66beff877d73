"""Token verification route."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from proxy_app.http import context
from proxy_app.http.endpoint import endpoint
from proxy_app.http.schemas.token import TokenRequest, TokenValidResponse

token = Blueprint("token", __name__)


@token.get("/token/valid")
@endpoint("token", request=TokenRequest, response=TokenValidResponse, errors=(401,))
def token_valid(data: dict[str, Any]) -> dict[str, Any]:
    """Verify an id or access token locally and say what it claims."""
    verified = context.verified_token(data)
    return {
        "valid": True,
        "tokenUse": verified.token_use,
        "username": verified.username,
        "sub": verified.sub,
        "expiresAt": verified.expires_at,
        "groups": verified.groups,
        "scopes": verified.scopes,
        "claims": verified.claims,
    }
