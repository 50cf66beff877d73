"""The token guard: what a token must pass before anything acts on the user it names.

Written once; every route asks it. Verification (signature, issuer, audience, expiry),
then, by default, the service's table (a sign-out or revocation through this service
ends the token), then TOKEN_REVOCATION_CHECK's question to Cognito, then the groups and
scopes the route demands (403 after every 401 check has passed).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from proxy_app.core.errors import CognitoRefused, InputRefused, TokenRejected
from proxy_app.tokens.verifier import VerifiedToken, require_groups, require_scopes

if TYPE_CHECKING:
    from proxy_app.aws.cognito import CognitoGateway
    from proxy_app.aws.table import Records
    from proxy_app.tokens.verifier import TokenVerifier

# The scope Cognito's own self-service calls (UpdateUserAttributes, DeleteUser) demand.
ACCOUNT_SCOPE = "aws.cognito.signin.user.admin"


class TokenGuard:
    """The checks above, over the verifier, the gateway and the service's table."""

    def __init__(
        self,
        verifier: TokenVerifier,
        gateway: CognitoGateway,
        records: Records | None,
        *,
        ask_cognito: bool,
    ) -> None:
        self.verifier = verifier
        self._gateway = gateway
        self._records = records
        self._ask_cognito = ask_cognito

    def token(
        self,
        id_token: str | None,
        access_token: str | None,
        *,
        groups: Iterable[str] = (),
        scopes: Iterable[str] = (),
    ) -> VerifiedToken:
        """Verify the one token a request carries: an id token, or an access token.

        `groups`: the user must be in at least one; `scopes`: the token must carry at
        least one (only access tokens carry scopes).
        """
        if id_token and access_token:
            raise InputRefused(
                {"idToken": ["Send either an id token or an access token, not both."]}
            )
        if id_token:
            token = self.verifier.verify(id_token, "id")
            if self._ask_cognito:
                # Cognito cannot revoke an id token: ask whether its user is still enabled.
                self._check_same_account(token)
        elif access_token:
            token = self.verifier.verify(access_token, "access")
            if self._ask_cognito:
                self._check_not_revoked(access_token)
        else:
            raise TokenRejected("missing", "The request carries no token.")
        # Every token, by default: a sign-out or revocation through this service ends it
        # (one read of the service's table; none without one).
        self._check_not_signed_out(token)
        require_groups(token, groups)
        require_scopes(token, scopes)
        return token

    def account_token(self, id_token: str | None, access_token: str | None) -> VerifiedToken:
        """Verify the token of a route that changes or deletes the account it names.

        Beyond `token`: an access token must carry the self-service scope, as Cognito's
        own self-service calls demand (403); and the account must still be the one the
        token was issued for: same `sub`, enabled. An old token of a deleted account would
        otherwise act on a new account that took the same username (401 revoked).
        """
        token = self.token(id_token, access_token)
        if token.token_use == "access":  # noqa: S105 - not a secret
            require_scopes(token, [ACCOUNT_SCOPE])
        if token.token_use == "access" or not self._ask_cognito:  # noqa: S105
            # With the revocation check on, `token` asked already for an id token.
            self._check_same_account(token)
        return token

    def self_service_token(self, access_token: str | None) -> VerifiedToken:
        """Verify an access token with the self-service scope, for Cognito's own
        self-service calls (ChangePassword, VerifyUserAttribute, ...)."""
        return self.token(None, access_token, scopes=[ACCOUNT_SCOPE])

    def _check_same_account(self, token: VerifiedToken) -> None:
        """Ask Cognito (AdminGetUser) whether the token's username is still its user."""
        try:
            account = self._gateway.admin_get_user(token.username)
        except CognitoRefused as error:
            if error.code == "UserNotFoundException":
                raise revoked() from None
            raise
        if account.sub != token.sub or not account.enabled:
            raise revoked()

    def _check_not_revoked(self, access_token: str) -> None:
        """Ask Cognito whether the access token still works (GetUser): one call per
        request. A signed-out or revoked token, or a deleted user's, is refused."""
        try:
            self._gateway.get_user(access_token)
        except CognitoRefused as error:
            # NotAuthorized here is a disabled user.
            if error.code == "NotAuthorizedException":
                raise revoked() from None
            raise

    def _check_not_signed_out(self, token: VerifiedToken) -> None:
        """Refuse a token signed out or revoked through this service (the shared table)."""
        if self._records is None:
            return
        claims = token.claims
        issued = claims.get("auth_time", claims.get("iat"))
        origin = claims.get("origin_jti")
        if self._records.is_revoked(
            token.sub,
            issued if isinstance(issued, int) else None,
            origin if isinstance(origin, str) else None,
        ):
            raise revoked()


def revoked() -> TokenRejected:
    """The refusal of a token that was signed out, revoked, or outlived its account."""
    return TokenRejected("revoked", "The token has been revoked.")
