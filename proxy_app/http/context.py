"""Access to the app's configured services from inside a request."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import current_app

from proxy_app.aws.cognito import CognitoGateway
from proxy_app.config import Config
from proxy_app.core.errors import CognitoRefused, TokenRejected
from proxy_app.http.problems import validation_failed
from proxy_app.tokens.verifier import TokenVerifier, VerifiedToken, require_groups, require_scopes

if TYPE_CHECKING:
    from proxy_app.aws.table import Records
    from proxy_app.migration.on_sign_in import Migration
    from proxy_app.migration.policy import MigrationPolicy

# The scope Cognito's own self-service calls (UpdateUserAttributes, DeleteUser) demand.
ACCOUNT_SCOPE = "aws.cognito.signin.user.admin"


def config() -> Config:
    """The app's configuration."""
    return current_app.config["PROXY"]  # type: ignore[no-any-return]


def gateway() -> CognitoGateway:
    """The app's Cognito gateway."""
    return current_app.extensions["cognito_gateway"]  # type: ignore[no-any-return]


def records() -> Records | None:
    """The service's own table, when one is configured."""
    return current_app.extensions.get("records")


def migration() -> Migration | None:
    """The migration from a legacy store, when one is configured."""
    return current_app.extensions.get("migration")


def migration_policy() -> MigrationPolicy:
    """Who may be migrated, completed or kept deleted (asked even without a legacy store,
    for deletions)."""
    return current_app.extensions["migration_policy"]  # type: ignore[no-any-return]


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
        if config().token_revocation_check:
            # Cognito cannot revoke an id token: ask whether its user is still enabled.
            _check_same_account(token)
    elif access_token:
        token = verifier().verify(access_token, "access")
        if config().token_revocation_check:
            _check_not_revoked(access_token)
    else:
        raise TokenRejected("missing", "The request carries no token.")
    # Every token, by default: a sign-out or revocation through this service ends it
    # (one read of the service's table; none without one).
    _check_not_signed_out(token)
    require_groups(token, groups)
    require_scopes(token, scopes)
    return token


def account_token(data: dict[str, str]) -> VerifiedToken:
    """Verify the token of a route that changes or deletes the account it names.

    Beyond `verified_token`: an access token must carry the self-service scope, as
    Cognito's own self-service calls demand (403); and the account must still be the one
    the token was issued for: same `sub`, enabled. An old token of a deleted account would
    otherwise act on a new account that took the same username (401 revoked).
    """
    token = verified_token(data)
    if token.token_use == "access":  # noqa: S105 - not a secret
        require_scopes(token, [ACCOUNT_SCOPE])
    if token.token_use == "access" or not config().token_revocation_check:  # noqa: S105
        # With the revocation check on, verified_token asked already for an id token.
        _check_same_account(token)
    return token


def self_service_token(data: dict[str, str]) -> VerifiedToken:
    """Verify an access token with the self-service scope, for Cognito's own self-service
    calls (ChangePassword, VerifyUserAttribute, ...): they take nothing else."""
    return verified_token(data, scopes=[ACCOUNT_SCOPE])


def _check_same_account(token: VerifiedToken) -> None:
    """Ask Cognito (AdminGetUser) whether the token's username is still the token's user."""
    try:
        account = gateway().admin_get_user(token.username)
    except CognitoRefused as error:
        if error.code == "UserNotFoundException":
            raise _revoked() from None
        raise
    sub = next(
        (a.get("Value") for a in account.get("UserAttributes", []) if a.get("Name") == "sub"),
        None,
    )
    if sub != token.sub or account.get("Enabled") is False:
        raise _revoked()


def _revoked() -> TokenRejected:
    return TokenRejected("revoked", "The token has been revoked.")


def _check_not_revoked(access_token: str) -> None:
    """Ask Cognito whether the access token still works (GetUser): one call per request.
    A signed-out or revoked token, or a deleted user's, is refused by the gateway."""
    try:
        gateway().get_user(access_token)
    except CognitoRefused as error:
        # NotAuthorized here is a disabled user.
        if error.code == "NotAuthorizedException":
            raise _revoked() from None
        raise


def _check_not_signed_out(token: VerifiedToken) -> None:
    """Refuse a token signed out or revoked through this service (the shared table)."""
    table = records()
    if table is None:
        return
    claims = token.claims
    issued = claims.get("auth_time", claims.get("iat"))
    origin = claims.get("origin_jti")
    if table.is_revoked(
        token.sub,
        issued if isinstance(issued, int) else None,
        origin if isinstance(origin, str) else None,
    ):
        raise _revoked()
