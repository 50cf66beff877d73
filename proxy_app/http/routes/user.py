"""Routes that act on the user a verified token names."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from proxy_app.core.attributes import check_writable
from proxy_app.http import context
from proxy_app.http.endpoint import endpoint
from proxy_app.http.schemas.token import TokenRequest
from proxy_app.http.schemas.user import AttributesResponse, UpdateAttributeRequest

user = Blueprint("user", __name__)


@user.post("/admin/user/attribute")
@endpoint("user", request=UpdateAttributeRequest, response=AttributesResponse, errors=(401, 403))
def update_attribute(data: dict[str, Any]) -> dict[str, Any]:
    """Set one attribute of the token's user."""
    verified = context.account_token(data)
    name, value = data["attributeName"], data["attributeValue"]
    check_writable([name], context.config().writable_attributes)
    if verified.token_use == "access":  # noqa: S105 - not a secret
        # Cognito's own call with the token: it refuses a signed-out or revoked one.
        context.gateway().update_own_attributes(verified.raw, {name: value})
    else:
        context.gateway().update_attributes(verified.username, {name: value})
    return {"attributes": {name: value}}


@user.delete("/admin/user")
@endpoint("user", request=TokenRequest, errors=(401, 403))
def delete_user(data: dict[str, Any]) -> None:
    """Delete the token's user."""
    context.accounts().delete(context.account_token(data))
