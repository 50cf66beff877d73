"""cognito-proxy: Amazon Cognito User Pools behind a plain HTTP API.

Importing the package loads nothing: the trigger Lambda and `flask users` take what they
need from it without Flask's HTTP side.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from proxy_app.config import Config
    from proxy_app.services import Services

__all__ = ["create_app"]


def create_app(config: Config | None = None, services: Services | None = None) -> Flask:
    """Build the app: configuration, services (Cognito gateway, token guard, table,
    migration), errors, routes.

    With no config, it is read from the environment. With no user pool configured (and
    not inside Lambda) the app runs in local mode against an embedded emulator. Given
    services (`Services.build(config, ...)`), the app acts through them.
    """
    from proxy_app.http.app import build_app

    return build_app(config, services)
