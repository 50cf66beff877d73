"""What a sign-out, a revocation, a deletion and an operator's password or invitation do,
written once: recorded first, then done. The routes, `flask users` and any other entry
point call these; none has a copy.

Recorded first, because the other order fails open: a sign-out Cognito performed but
the table never heard of leaves id tokens working (Cognito cannot revoke them), and a
deletion not recorded could be undone by migration from a legacy store, and a password
an operator set (or an invitation sent) while the account is still marked for migration
could be replaced by the legacy password. A refused write (503) stops the act.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from proxy_app.core.errors import InputRefused, unexpected_answer

if TYPE_CHECKING:
    from proxy_app.aws.cognito import CognitoGateway
    from proxy_app.aws.table import Records
    from proxy_app.core.guard import TokenGuard
    from proxy_app.core.models import User
    from proxy_app.migration.policy import MigrationPolicy
    from proxy_app.tokens.verifier import VerifiedToken


class Accounts:
    """Sign-out, revocation and deletion, over the gateway, the table and the policy."""

    def __init__(
        self,
        gateway: CognitoGateway,
        records: Records | None,
        policy: MigrationPolicy,
        guard: TokenGuard,
    ) -> None:
        self._gateway = gateway
        self._records = records
        self._policy = policy
        self._guard = guard

    @property
    def records_kept(self) -> bool:
        """Whether sign-outs and deletions are recorded (the service has its table)."""
        return self._records is not None

    def sign_out(self, token: VerifiedToken) -> None:
        """End every session of a verified token's user (their refresh tokens too)."""
        self._record_sign_out(token.sub)
        if token.token_use == "access":  # noqa: S105 - not a secret
            # Cognito's own call with the token: it refuses a signed-out or revoked one.
            self._gateway.global_sign_out(token.raw)
        else:
            self._gateway.admin_user_global_sign_out(token.username)

    def sign_out_user(self, username: str) -> None:
        """End every session of a user an operator names."""
        if self._records is not None:
            self._record_sign_out(self._gateway.admin_get_user(username).sub)
        self._gateway.admin_user_global_sign_out(username)

    def revoke(self, refresh_token: str, username: str | None) -> None:
        """End the session of a refresh token, and the tokens issued in it."""
        if self._records is not None:
            self._records.record_revoked_session(self._session_of(refresh_token, username))
        self._gateway.revoke_token(refresh_token)

    def delete(self, token: VerifiedToken) -> None:
        """Delete a verified token's user."""
        gateway = self._gateway
        self._policy.record_deletion(
            token.username, token.sub, lambda: gateway.admin_get_user(token.username).email
        )
        if token.token_use == "access":  # noqa: S105 - not a secret
            gateway.delete_own_account(token.raw)
        else:
            gateway.delete_user(token.username)

    def delete_user(self, user: User) -> None:
        """Delete a user an operator named (and was shown)."""
        self._policy.record_deletion(user.username, user.sub, lambda: user.email)
        self._gateway.delete_user(user.username)

    def set_password(self, username: str, password: str, *, permanent: bool) -> None:
        """Set a user's password as an operator: a legacy password never replaces it."""
        self._policy.password_set(username)
        self._gateway.admin_set_user_password(username, password, permanent=permanent)

    def invite(
        self,
        username: str,
        attributes: dict[str, str],
        *,
        temporary_password: str | None,
        send_message: bool,
    ) -> User:
        """Create a user as an operator (AdminCreateUser): an earlier account's mark for
        migration under the same name goes first, so the invitation is never completed
        with a legacy password."""
        self._policy.password_set(username)
        return self._gateway.create_user(
            username, attributes, temporary_password=temporary_password, send_message=send_message
        )

    def _record_sign_out(self, sub: str) -> None:
        if self._records is not None:
            self._records.record_sign_out(sub, time.time())

    def _session_of(self, refresh_token: str, username: str | None) -> str:
        """Find a refresh token's session (`origin_jti`): refresh tokens are opaque, so
        refresh once and read it from the new id token, which carries the same one."""
        if self._gateway.needs_secret_hash and username is None:
            raise InputRefused({"username": ["Needed to revoke with a client secret."]})
        tokens = self._gateway.refresh(refresh_token, username)
        origin_jti = self._guard.verifier.verify(tokens.id_token, "id").claims.get("origin_jti")
        if not isinstance(origin_jti, str):
            raise unexpected_answer("InitiateAuth")
        return origin_jti
