"""Setting an attribute of the user a token names."""

from __future__ import annotations

from marshmallow import fields

from proxy_app.http.schemas.fields import (
    ATTRIBUTE_NAME,
    ATTRIBUTE_TEXT,
    CONTROL_ERROR,
    MAX_ATTRIBUTE_NAME,
    MAX_ATTRIBUTE_VALUE,
    ResponseSchema,
    text_field,
)
from proxy_app.http.schemas.token import TokenRequest


class UpdateAttributeRequest(TokenRequest):
    attributeName = text_field(
        MAX_ATTRIBUTE_NAME,
        pattern=ATTRIBUTE_NAME,
        pattern_error="Not an attribute name.",
        description="The attribute to set, such as name: one WRITABLE_ATTRIBUTES lists.",
        names="writable",
        example="name",
    )
    attributeValue = text_field(
        MAX_ATTRIBUTE_VALUE,
        pattern=ATTRIBUTE_TEXT,
        pattern_error=CONTROL_ERROR,
        description="Its new value.",
        example="Ada Lovelace",
    )


class AttributesResponse(ResponseSchema):
    attributes = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
