"""Access to the app's configured services from inside a request."""

from __future__ import annotations

from flask import current_app

from proxy_app.cognito import CognitoGateway
from proxy_app.config import Config
from proxy_app.errors import ApiError, invalid_token, validation_failed
from proxy_app.tokens import TokenVerifier, VerifiedToken


def config() -> Config:
    """The app's configuration."""
    return current_app.config["PROXY"]  # type: ignore[no-any-return]


def gateway() -> CognitoGateway:
    """The app's Cognito gateway."""
    return current_app.extensions["cognito_gateway"]  # type: ignore[no-any-return]


def verifier() -> TokenVerifier:
    """The app's token verifier."""
    return current_app.extensions["token_verifier"]  # type: ignore[no-any-return]


def verified_token(data: dict[str, str]) -> VerifiedToken:
    """Verify the one token a request carries: an id token, or an access token."""
    id_token = data.get("idToken")
    access_token = data.get("accessToken")
    if id_token and access_token:
        raise validation_failed(
            {"idToken": ["Send either an id token or an access token, not both."]}
        )
    if id_token:
        return verifier().verify(id_token, "id")
    if not access_token:
        raise invalid_token("missing", "The request carries no token.")
    token = verifier().verify(access_token, "access")
    if config().token_revocation_check:
        try:
            gateway().get_user(access_token)
        except ApiError as error:
            if error.cognito_code in ("NotAuthorizedException", "UserNotFoundException"):
                raise invalid_token("revoked", "The token has been revoked.") from None
            raise
    return token
