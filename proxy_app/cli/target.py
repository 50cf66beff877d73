"""Where the commands act, and how they fail.

The target is the app's own services (a test's `app.test_cli_runner()`, or a factory
given to FlaskGroup), or services built from the environment as the app builds them, or,
in local mode, services pointed at the emulator of the running `make run`. The failures
an operator can meet become one line on standard error and exit status 1.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

import click
from flask import current_app, has_app_context
from flask.cli import ScriptInfo

from proxy_app.cli.output import shown
from proxy_app.services import Services

if TYPE_CHECKING:
    from proxy_app.aws.cognito import CognitoGateway
    from proxy_app.aws.table import Records
    from proxy_app.config import Config
    from proxy_app.core.errors import CognitoRefused
    from proxy_app.migration.policy import MigrationPolicy

NO_LOCAL_SERVICE = (
    "no local cognito-proxy is running (start one with make run); or set COGNITO_USER_POOL_ID"
)


@dataclass(frozen=True)
class Target:
    """The services the commands act through: the app's own, or built as the app builds
    them; `local`: local mode's emulator, which prints what Cognito would send."""

    services: Services
    local: bool = False

    @property
    def config(self) -> Config:
        return self.services.config

    @property
    def gateway(self) -> CognitoGateway:
        return self.services.gateway

    @property
    def records(self) -> Records | None:
        return self.services.records

    @property
    def policy(self) -> MigrationPolicy:
        """The migration policy, asked as the routes ask it."""
        return self.services.policy


_TARGET = "proxy_app.cli.target"


def current_target() -> Target:
    """The pool to act on, found once per command."""
    ctx = click.get_current_context()
    target: Target | None = ctx.meta.get(_TARGET)
    if target is None:
        target = ctx.meta[_TARGET] = _find_target(ctx)
    return target


def _find_target(ctx: click.Context) -> Target:
    info = ctx.find_object(ScriptInfo)
    if has_app_context():
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    elif info is not None and info.create_app is not None:
        # A test's app (app.test_cli_runner()), or a factory given to FlaskGroup.
        app = info.load_app()
    else:
        # Not `--app wsgi`: in local mode that would start a new, empty emulator.
        return _target_from_environment()
    return Target(app.extensions["services"], local="local_codes" in app.extensions)


def _target_from_environment() -> Target:
    from proxy_app.config import Config, ConfigError
    from proxy_app.http.logs import configure_logging

    try:
        config = Config.from_env(os.environ)
        local = config.local_mode
        if local:
            config = _running_local_service(config)
    except ConfigError as exc:
        fail(str(exc))
    configure_logging(config.log_level)
    return Target(Services.build(config), local=local)


def _running_local_service(config: Config) -> Config:
    """Point a configuration at the emulator of the `make run` that is running."""
    from proxy_app.cli.local_service import LOCAL_CREDENTIALS, read_state

    state = read_state()
    if state is None:
        fail(NO_LOCAL_SERVICE)
    return config.replace(
        region=state.region,
        user_pool_id=state.user_pool_id,
        app_client_id=state.app_client_id,
        app_client_secret=None,
        endpoint_url=state.endpoint_url,
        static_credentials=LOCAL_CREDENTIALS,
        records_table=state.records_table,
        dynamodb_endpoint_url=state.endpoint_url,
    )


@contextmanager
def expected_failures(*, username: str | None = None, group: str | None = None) -> Iterator[None]:
    """Turn the failures an operator can meet into one line and exit status 1."""
    from proxy_app.config import ConfigError
    from proxy_app.core.errors import (
        CognitoInputRefused,
        CognitoRefused,
        CognitoUnavailable,
        NoCredentials,
    )
    from proxy_app.legacy import LegacyError

    try:
        yield
    except CognitoUnavailable as exc:
        fail(f"Cognito did not answer ({exc.cause}); check COGNITO_ENDPOINT_URL and the network")
    except NoCredentials:
        fail("no AWS credentials for Cognito calls")
    except CognitoRefused as exc:
        fail(refusal(exc, username=username, group=group))
    except CognitoInputRefused as exc:
        fields = "; ".join(f"{name}: {' '.join(problems)}" for name, problems in exc.errors.items())
        fail(f"Cognito's parameter rules refuse this input ({fields})")
    except LegacyError as exc:
        fail(f"legacy user store: {exc}")
    except ConfigError as exc:
        fail(str(exc))


def refusal(exc: CognitoRefused, *, username: str | None, group: str | None) -> str:
    """Say what a refusal means for the user or group the command names."""
    code, message = exc.code, exc.message
    if username is not None and code == "UserNotFoundException":
        return f"no user named {username}"
    if username is not None and code == "UsernameExistsException":
        return f"a user named {username} exists already"
    # Cognito says which is missing, the group or the pool (moto names the group only).
    if group is not None and code == "ResourceNotFoundException" and "pool" not in message.lower():
        return f"no group named {group}"
    if code == "InvalidPasswordException":
        return f"password refused: {message or code}"
    # An operator's own command: Cognito's message about it helps and reveals nothing.
    return f"Cognito refused: {code}" + (f" ({message})" if message else "")


def fail(message: str) -> NoReturn:
    """Stop the command: the message on standard error, exit status 1."""
    # Messages name users, groups and files, and quote Cognito and the legacy store.
    raise click.ClickException(shown(message)) from None
