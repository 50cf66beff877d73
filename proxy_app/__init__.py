"""cognito-proxy: Amazon Cognito User Pools behind a plain HTTP API."""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import time
import uuid
from typing import Any

from flask import Flask, Response, g, request

from proxy_app.cognito import CognitoGateway
from proxy_app.config import AUTOCONFIRM_SECRET_HEADER, Config, ConfigError
from proxy_app.errors import ApiError, register_error_handlers
from proxy_app.inputs import MAX_BODY_BYTES
from proxy_app.logs import configure_logging, log_request
from proxy_app.routes import register_blueprints
from proxy_app.tokens import TokenVerifier

__all__ = ["Config", "ConfigError", "create_app"]

log = logging.getLogger("proxy_app")

# The original service's input headers, which browsers must be allowed to send.
FIELD_HEADERS = (
    "username",
    "password",
    "confirmationCode",
    "refreshToken",
    "idToken",
    "accessToken",
    "attributeName",
    "attributeValue",
    "challengeName",
    "session",
)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def create_app(config: Config | None = None) -> Flask:
    """Build the app: configuration, Cognito gateway, token verifier, errors, routes.

    With no config, it is read from the environment. With no user pool configured (and
    not inside Lambda) the app runs in local mode against an embedded emulator.
    """
    if config is None:
        config = Config.from_env(os.environ)
    else:
        config.validate()
    configure_logging(config.log_level)
    local_mode = config.local_mode
    if local_mode:
        from proxy_app.local import local_config, print_banner, start_local_cognito

        local = start_local_cognito(config)
        config = local_config(config, local)
        print_banner(local, allow_remote=config.local_mode_allow_remote)
    if config.autoconfirm_user:
        _say_how_autoconfirm_works(config)

    app = Flask(__name__, static_folder=None)
    app.config["PROXY"] = config
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["cognito_gateway"] = CognitoGateway(config)
    app.extensions["token_verifier"] = TokenVerifier(config)
    register_error_handlers(app)
    register_blueprints(app)
    from proxy_app.cli import users  # `flask users`: loaded here, not at `import proxy_app`

    app.cli.add_command(users)
    if config.cors_allowed_origins:
        _allow_cors(app, config.cors_allowed_origins)
    app.before_request(_start_request)
    if local_mode and not config.local_mode_allow_remote:
        app.before_request(_loopback_only)
    app.after_request(_finish_request)
    app.wsgi_app = OriginalStagePrefix(app.wsgi_app)  # type: ignore[method-assign]
    return app


class OriginalStagePrefix:
    """Serve every route under /Prod too, as the original SAM deployment's stage did.

    The original README's curl commands end their base URL in /Prod; an HTTP API's
    $default stage, or a local run, has no such prefix, so it is stripped here.
    """

    PREFIX = "/Prod"

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path == self.PREFIX or path.startswith(self.PREFIX + "/"):
            environ["PATH_INFO"] = path[len(self.PREFIX) :] or "/"
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + self.PREFIX
        return self.wsgi_app(environ, start_response)


def _allow_cors(app: Flask, origins: tuple[str, ...]) -> None:
    """Answer browsers from the configured origins only; never with credentials."""
    from flask_cors import CORS

    CORS(
        app,
        origins=list(origins),
        methods=["GET", "POST", "DELETE"],
        allow_headers=["Content-Type", "Authorization", "X-Request-Id", *FIELD_HEADERS],
        expose_headers=["X-Request-Id", "Retry-After"],
        supports_credentials=False,
        max_age=600,
    )


def _say_how_autoconfirm_works(config: Config) -> None:
    """Log, once, what auto-confirmation does here and how it departs from the original."""
    log.warning(
        "AUTOCONFIRM_USER=true: sign-ups are confirmed without a code; an email is marked "
        "verified only for sign-ups that present AUTOCONFIRM_SECRET in the %s header "
        "(the original service marked every email verified, which let anyone claim an "
        "address they do not own)%s",
        AUTOCONFIRM_SECRET_HEADER,
        "" if config.autoconfirm_secret else "; AUTOCONFIRM_SECRET is not set, so no email is",
    )


def _loopback_only() -> None:
    """Refuse (403) any client but this machine: local mode's tokens are forgeable."""
    address = request.remote_addr or ""
    try:
        loopback = ipaddress.ip_address(address.split("%", 1)[0]).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ApiError(
            403,
            "Forbidden",
            "Forbidden",
            "Local mode answers this machine only: its emulator signs tokens with a published "
            "key. Set LOCAL_MODE_ALLOW_REMOTE=true to lift this (never on a shared network).",
            reason="local_mode_remote",
        )


def _start_request() -> None:
    g.started = time.perf_counter()
    g.request_id = _request_id()


def _request_id() -> str:
    context = request.environ.get("apig_wsgi.request_context") or {}
    candidate = context.get("requestId") if isinstance(context, dict) else None
    if not candidate:
        candidate = request.headers.get("X-Request-Id")
    if isinstance(candidate, str) and _REQUEST_ID.match(candidate):
        return candidate
    return uuid.uuid4().hex


def _finish_request(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    request_id = getattr(g, "request_id", None)
    if request_id:
        response.headers["X-Request-Id"] = request_id
    log_request(response)
    return response
