"""The API's blueprints: auth, password, token, user, account, mfa, and meta (health, OpenAPI)."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint to the app."""
    from proxy_app.http.routes.account import account
    from proxy_app.http.routes.auth import auth
    from proxy_app.http.routes.meta import meta
    from proxy_app.http.routes.mfa import mfa
    from proxy_app.http.routes.password import password
    from proxy_app.http.routes.token import token
    from proxy_app.http.routes.user import user

    for blueprint in (auth, password, token, user, account, mfa, meta):
        app.register_blueprint(blueprint)
