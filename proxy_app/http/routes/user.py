"""Routes that act on the user a verified token names."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from proxy_app.http import context
from proxy_app.http.attributes import check_writable
from proxy_app.http.inputs import load
from proxy_app.http.openapi import documented
from proxy_app.http.responses import json_response
from proxy_app.http.schemas import AttributesResponse, TokenRequest, UpdateAttributeRequest

user = Blueprint("user", __name__)


@user.post("/admin/user/attribute")
@documented("user", request=UpdateAttributeRequest, response=AttributesResponse, errors=(401, 403))
def update_attribute() -> Any:
    """Set one attribute of the token's user."""
    data = load(UpdateAttributeRequest)
    verified = context.account_token(data)
    name, value = data["attributeName"], data["attributeValue"]
    check_writable([name])
    if verified.token_use == "access":  # noqa: S105 - not a secret
        # Cognito's own call with the token: it refuses a signed-out or revoked one.
        context.gateway().update_own_attributes(verified.raw, {name: value})
    else:
        context.gateway().update_attributes(verified.username, {name: value})
    return json_response(AttributesResponse, {"attributes": {name: value}})


@user.delete("/admin/user")
@documented("user", request=TokenRequest, status=204, errors=(401, 403))
def delete_user() -> Any:
    """Delete the token's user."""
    verified = context.account_token(load(TokenRequest))
    gateway = context.gateway()
    # Recorded first: a deletion that is not recorded could be undone by migration.
    context.migration_policy().record_deletion(
        verified.username, verified.sub, lambda: _email(gateway.admin_get_user(verified.username))
    )
    if verified.token_use == "access":  # noqa: S105 - not a secret
        gateway.delete_own_account(verified.raw)
    else:
        gateway.delete_user(verified.username)
    return Response(status=204)


def _email(user: dict[str, Any]) -> str | None:
    """The email among AdminGetUser's attributes."""
    for attribute in user.get("UserAttributes") or []:
        if attribute.get("Name") == "email":
            return str(attribute.get("Value") or "") or None
    return None
