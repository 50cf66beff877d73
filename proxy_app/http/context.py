"""The app's services from inside a request, and the guard's questions in a request's
terms (the fields a schema loaded)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import current_app

from proxy_app.config import Config
from proxy_app.core.guard import ACCOUNT_SCOPE
from proxy_app.services import Services

if TYPE_CHECKING:
    from proxy_app.aws.cognito import CognitoGateway
    from proxy_app.aws.table import Records
    from proxy_app.core.accounts import Accounts
    from proxy_app.migration.on_sign_in import Migration
    from proxy_app.migration.policy import MigrationPolicy
    from proxy_app.tokens.verifier import TokenVerifier, VerifiedToken

__all__ = ["ACCOUNT_SCOPE"]


def services() -> Services:
    """The services the app was built with."""
    return current_app.extensions["services"]  # type: ignore[no-any-return]


def config() -> Config:
    """The app's configuration."""
    return services().config


def gateway() -> CognitoGateway:
    """The app's Cognito gateway."""
    return services().gateway


def records() -> Records | None:
    """The service's own table, when one is configured."""
    return services().records


def accounts() -> Accounts:
    """Sign-out, revocation and deletion, recorded first."""
    return services().accounts


def migration() -> Migration | None:
    """The migration from a legacy store, when one is configured."""
    return services().migration


def migration_policy() -> MigrationPolicy:
    """Who may be migrated, completed or kept deleted."""
    return services().policy


def verifier() -> TokenVerifier:
    """The app's token verifier."""
    return services().guard.verifier


def verified_token(
    data: dict[str, Any], *, groups: Iterable[str] = (), scopes: Iterable[str] = ()
) -> VerifiedToken:
    """Verify the one token a request carries (core.guard.TokenGuard.token)."""
    return services().guard.token(
        data.get("idToken"), data.get("accessToken"), groups=groups, scopes=scopes
    )


def account_token(data: dict[str, Any]) -> VerifiedToken:
    """Verify the token of a route that changes or deletes the account it names."""
    return services().guard.account_token(data.get("idToken"), data.get("accessToken"))


def self_service_token(data: dict[str, Any]) -> VerifiedToken:
    """Verify an access token with the self-service scope."""
    return services().guard.self_service_token(data.get("accessToken"))
