"""Token verification route."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from proxy_app.http import context
from proxy_app.http.inputs import load
from proxy_app.http.openapi import documented
from proxy_app.http.responses import json_text, json_text_response
from proxy_app.http.schemas import TokenRequest, TokenValidResponse

token = Blueprint("token", __name__)


@token.get("/token/valid")
@documented("token", request=TokenRequest, response=TokenValidResponse, errors=(401,))
def token_valid() -> Any:
    """Verify an id or access token locally and say what it claims."""
    verified = context.verified_token(load(TokenRequest))
    # The answer depends on the token alone: a token checked again (a hit in the
    # verified-token cache, every check but the signature run anew) reuses its answer.
    answer = verified.answers.get("token_valid")
    if answer is None:
        body = {
            "valid": True,
            "tokenUse": verified.token_use,
            "username": verified.username,
            "sub": verified.sub,
            "expiresAt": verified.expires_at,
            "groups": verified.groups,
            "scopes": verified.scopes,
            "claims": verified.claims,
        }
        answer = verified.answers["token_valid"] = json_text(TokenValidResponse, body)
    return json_text_response(answer)
