"""Success responses: dumped through a schema, never hand-built JSON."""

from __future__ import annotations

from typing import Any

from flask import Response, json
from marshmallow import Schema

from proxy_app.cognito import unexpected_answer
from proxy_app.inputs import schema_instance


def json_response(schema_class: type[Schema], body: dict[str, Any], status: int = 200) -> Response:
    """Dump a body through its schema and answer it as JSON."""
    payload = json.dumps(schema_instance(schema_class).dump(body))
    return Response(payload, status=status, mimetype="application/json")


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
