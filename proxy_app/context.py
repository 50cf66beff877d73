"""Access to the app's configured services from inside a request."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app

from proxy_app.cognito import CognitoGateway
from proxy_app.config import Config
from proxy_app.errors import ApiError, invalid_token, validation_failed
from proxy_app.tokens import TokenVerifier, VerifiedToken, require_groups, require_scopes


def config() -> Config:
    """The app's configuration."""
    return current_app.config["PROXY"]  # type: ignore[no-any-return]


def gateway() -> CognitoGateway:
    """The app's Cognito gateway."""
    return current_app.extensions["cognito_gateway"]  # type: ignore[no-any-return]


def verifier() -> TokenVerifier:
    """The app's token verifier."""
    return current_app.extensions["token_verifier"]  # type: ignore[no-any-return]


def verified_token(
    data: dict[str, str],
    *,
    groups: Iterable[str] = (),
    scopes: Iterable[str] = (),
) -> VerifiedToken:
    """Verify the one token a request carries: an id token, or an access token.

    A route declares what it demands of the token's user: `groups` (in at least one of
    them) and `scopes` (at least one of them; only access tokens carry scopes). A token
    that fails them gets 403 Forbidden, after every 401 check has passed.
    """
    id_token = data.get("idToken")
    access_token = data.get("accessToken")
    if id_token and access_token:
        raise validation_failed(
            {"idToken": ["Send either an id token or an access token, not both."]}
        )
    if id_token:
        token = verifier().verify(id_token, "id")
    elif access_token:
        token = verifier().verify(access_token, "access")
        if config().token_revocation_check:
            _check_not_revoked(access_token)
    else:
        raise invalid_token("missing", "The request carries no token.")
    require_groups(token, groups)
    require_scopes(token, scopes)
    return token


def _check_not_revoked(access_token: str) -> None:
    """Ask Cognito whether the access token still works (GetUser): one call per request."""
    try:
        gateway().get_user(access_token)
    except ApiError as error:
        # Cognito answers NotAuthorized for a revoked or signed-out token, and for a
        # disabled user; UserNotFound once the user is deleted.
        if error.cognito_code in ("NotAuthorizedException", "UserNotFoundException"):
            raise invalid_token("revoked", "The token has been revoked.") from None
        raise
