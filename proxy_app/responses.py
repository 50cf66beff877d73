"""Success responses: dumped through a schema, never hand-built JSON."""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from marshmallow import Schema

from proxy_app.cognito import unexpected_answer
from proxy_app.schemas import instance

# What flask.json.dumps writes (sorted keys, ASCII), from one encoder built once: a
# dumped body holds JSON types only, so Flask's `default` for dates and the like is not
# needed, and json.dumps with arguments would build a new encoder for every answer.
_ENCODER = json.JSONEncoder(sort_keys=True)


def json_response(schema_class: type[Schema], body: dict[str, Any], status: int = 200) -> Response:
    """Dump a body through its schema and answer it as JSON."""
    return json_text_response(json_text(schema_class, body), status)


def json_text(schema_class: type[Schema], body: dict[str, Any]) -> str:
    """A body dumped through its schema, as JSON text."""
    return _ENCODER.encode(instance(schema_class).dump(body))


def json_text_response(text: str, status: int = 200) -> Response:
    """Answer JSON text that json_text made."""
    return Response(text, status=status, mimetype="application/json")


def code_delivery(details: dict[str, Any] | None) -> dict[str, Any] | None:
    """Translate Cognito's CodeDeliveryDetails to the API's names."""
    if not details:
        return None
    return {
        "destination": details.get("Destination"),
        "deliveryMedium": details.get("DeliveryMedium"),
        "attributeName": details.get("AttributeName"),
    }


def tokens_or_challenge(result: dict[str, Any], operation: str) -> dict[str, Any]:
    """Translate an InitiateAuth answer: tokens, or the challenge to answer next."""
    tokens = result.get("AuthenticationResult")
    if tokens:
        if not tokens.get("IdToken") or not tokens.get("AccessToken"):
            raise unexpected_answer(operation)
        body = {
            "idToken": tokens["IdToken"],
            "accessToken": tokens["AccessToken"],
            "expiresIn": tokens.get("ExpiresIn", 3600),
            "tokenType": tokens.get("TokenType", "Bearer"),
        }
        if tokens.get("RefreshToken"):
            body["refreshToken"] = tokens["RefreshToken"]
        return body
    if result.get("ChallengeName"):
        return {
            "challengeName": result["ChallengeName"],
            "session": result.get("Session", ""),
            "challengeParameters": result.get("ChallengeParameters") or {},
        }
    raise unexpected_answer(operation)
