"""The token a request carries, and what /token/valid says of it."""

from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import fields

from proxy_app.http.schemas.fields import RequestSchema, ResponseSchema, jwt_field


class TokenRequest(RequestSchema):
    idToken = jwt_field("An id token from sign-in.")
    accessToken = jwt_field("An access token from sign-in (or Authorization: Bearer).")
    OPENAPI_RULES: ClassVar[dict[str, Any]] = {"not": {"required": ["idToken", "accessToken"]}}


class AccessTokenRequest(RequestSchema):
    accessToken = jwt_field("An access token from sign-in (or Authorization: Bearer).")


class TokenValidResponse(ResponseSchema):
    valid = fields.Boolean(required=True)
    tokenUse = fields.String(required=True)
    username = fields.String(required=True)
    sub = fields.String(required=True)
    expiresAt = fields.Integer(required=True)
    groups = fields.List(fields.String(), required=True)
    scopes = fields.List(fields.String(), required=True)
    claims = fields.Dict(required=True)
