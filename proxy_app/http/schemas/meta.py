"""The service's own answers: health, and the problem+json body of every error."""

from __future__ import annotations

from marshmallow import fields

from proxy_app.http.schemas.fields import ResponseSchema


class HealthResponse(ResponseSchema):
    status = fields.String(required=True)


class CognitoHealth(ResponseSchema):
    reachable = fields.Boolean(required=True)
    latencyMs = fields.Float(required=True)


class JwksHealth(ResponseSchema):
    loaded = fields.Boolean(required=True)
    keys = fields.Integer(required=True)
    fetches = fields.Integer(required=True)
    ageSeconds = fields.Float(required=True, allow_none=True)


class DeepHealthResponse(HealthResponse):
    """`/health` answers `status` only; `?deep=true` adds what it checked."""

    cognito = fields.Nested(CognitoHealth)
    jwks = fields.Nested(JwksHealth)


class Problem(ResponseSchema):
    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    code = fields.String(required=True)
    requestId = fields.String(required=True, allow_none=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    reason = fields.String()
