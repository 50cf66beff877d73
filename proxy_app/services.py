"""The services container: built once from a Config, then handed to the app, the CLI and
the trigger alike, so each runs the same rules over the same objects.

Nothing here talks to the network: the gateway makes its client at first use, the
table and the legacy store are reached when a request needs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from proxy_app.config import Config

if TYPE_CHECKING:
    from proxy_app.aws.cognito import CognitoGateway
    from proxy_app.aws.table import Records
    from proxy_app.core.accounts import Accounts
    from proxy_app.core.guard import TokenGuard
    from proxy_app.migration.on_sign_in import Migration
    from proxy_app.migration.policy import MigrationPolicy
    from proxy_app.tokens.verifier import TokenVerifier


@dataclass(frozen=True)
class Services:
    """Everything a request, a command or a trigger acts through."""

    config: Config
    gateway: CognitoGateway
    records: Records | None
    policy: MigrationPolicy
    migration: Migration | None
    guard: TokenGuard
    accounts: Accounts

    @property
    def verifier(self) -> TokenVerifier:
        """The token verifier (the guard's)."""
        return self.guard.verifier

    @classmethod
    def build(
        cls,
        config: Config,
        *,
        create_table: bool = False,
        verifier: TokenVerifier | None = None,
    ) -> Services:
        """Build the services a configuration describes (`create_table`: make the
        service's table when it is missing, as local mode does; `verifier`: one of the
        caller's, with its own key cache or clock)."""
        from proxy_app.aws.cognito import CognitoGateway
        from proxy_app.core.accounts import Accounts
        from proxy_app.core.guard import TokenGuard
        from proxy_app.migration.policy import MigrationPolicy
        from proxy_app.tokens.verifier import TokenVerifier

        gateway = CognitoGateway(config)
        records = service_table(config, create=create_table)
        # Deletions are recorded through the policy even without a legacy store; the
        # pool is described at its first question, not at start-up.
        policy = MigrationPolicy(records, gateway.describe_user_pool)
        guard = TokenGuard(
            verifier or TokenVerifier(config),
            gateway,
            records,
            ask_cognito=config.token_revocation_check,
        )
        return cls(
            config=config,
            gateway=gateway,
            records=records,
            policy=policy,
            migration=_migration(config, gateway, policy),
            guard=guard,
            accounts=Accounts(gateway, records, policy, guard),
        )


def service_table(config: Config, *, create: bool = False) -> Records | None:
    """The service's own table, when configured (local mode makes its own); the trigger
    reaches it through this too."""
    if config.records_table is None:
        return None
    from proxy_app.aws.table import Records

    records = Records(config)
    if create:
        records.create_table()
    return records


def _migration(
    config: Config, gateway: CognitoGateway, policy: MigrationPolicy
) -> Migration | None:
    """Migration from the legacy store, when one is configured; imported only then."""
    if not config.legacy_configured:
        return None
    from proxy_app.legacy import LegacySource, legacy_source
    from proxy_app.migration.on_sign_in import Migration

    def source() -> LegacySource:
        built = legacy_source(config)
        assert built is not None
        return built

    return Migration(gateway, source, policy)
