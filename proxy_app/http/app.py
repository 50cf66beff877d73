"""The Flask app: configuration, services, errors, blueprints, and every answer's headers."""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from typing import TYPE_CHECKING, Any, TypeGuard

from flask import Flask, Response, g, request
from werkzeug.exceptions import NotFound

from proxy_app.config import AUTOCONFIRM_SECRET_HEADER, Config
from proxy_app.http.inputs import MAX_BODY_BYTES
from proxy_app.http.logs import configure_logging, log_request
from proxy_app.http.problems import register_error_handlers
from proxy_app.http.routes import register_blueprints
from proxy_app.http.schemas import header_fields
from proxy_app.services import Services

if TYPE_CHECKING:
    from local_cognito.mode import LocalMode

log = logging.getLogger("proxy_app")

# Request ids as API Gateway makes them (REST API: a UUID; HTTP API: base64 such as
# "JKJaXmPLvHcESHA="), and as clients send them; fullmatch, so no trailing newline.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._=+/-]{1,128}")
# Headers a browser may always send; the fields' own headers are added from the schemas.
_CORS_HEADERS = ("Content-Type", "Authorization", "X-Request-Id")
# Where _start_request leaves the request's id for ServiceHeaders, in the WSGI environ.
REQUEST_ID_KEY = "proxy_app.request_id"
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def build_app(config: Config | None = None, services: Services | None = None) -> Flask:
    """Build the app: configuration, services, errors, routes.

    With no config, it is read from the environment. With no user pool configured (and
    not inside Lambda) the app runs in local mode against an embedded emulator. Given
    services, the app acts through them (and their configuration).
    """
    if services is not None:
        config = services.config
    if config is None:
        config = Config.from_env(os.environ)
    else:
        config.validate()
    configure_logging(config.log_level)
    local_mode = config.local_mode
    local: LocalMode | None = None
    # Decided before local mode points the configuration at its emulator's pool.
    serves_demo_page = config.serves_demo_page
    if local_mode and services is None:
        # The one import of local mode from what ships: never reached in Lambda, where
        # Config refuses local mode (and local_cognito is not in the zip).
        from local_cognito.mode import start_local_mode

        local = start_local_mode(config, demo_page=serves_demo_page)
        config = local.config
    if config.autoconfirm_user:
        _say_how_autoconfirm_works(config)

    app = Flask(__name__, static_folder=None)
    app.config["PROXY"] = config
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.sort_keys = False  # type: ignore[attr-defined]
    if services is None:
        services = Services.build(config, create_table=local_mode)
    app.extensions["services"] = services
    # Tests reach into these by name (a Stubber on the gateway's client).
    app.extensions["cognito_gateway"] = services.gateway
    app.extensions["records"] = services.records
    register_error_handlers(app)
    register_blueprints(app)
    if serves_demo_page:
        from proxy_app.web import web

        app.register_blueprint(web)
    if not config.in_lambda:
        # `flask users` runs on an operator's machine, never in Lambda: the cold start
        # does not pay for loading it (about 10 ms).
        from proxy_app.cli import users

        app.cli.add_command(users)
    if config.cors_allowed_origins:
        _allow_cors(app, config)
    app.before_request(_start_request)
    if local is not None:
        local.attach(app)
    app.after_request(_finish_request)
    app.wsgi_app = OriginalStagePrefix(ServiceHeaders(app.wsgi_app))  # type: ignore[method-assign]
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


def _allow_cors(app: Flask, config: Config) -> None:
    """Answer browsers from the configured origins only; never with credentials."""
    from flask_cors import CORS

    # flask-cors matches strings holding regex characters as patterns (a "*" or the
    # brackets of an IPv6 host would widen the list): give it literal, anchored ones.
    origins = [
        re.compile(re.escape(origin) + r"\Z", re.IGNORECASE)
        for origin in config.cors_allowed_origins
    ]
    # A preflight lists only the headers the app will accept.
    fields = [
        name
        for name, credential in header_fields().items()
        if config.accept_credential_headers or not credential
    ]
    CORS(
        app,
        origins=origins,
        methods=["GET", "POST", "DELETE"],
        allow_headers=[*_CORS_HEADERS, *fields],
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


def _start_request() -> None:
    state = g._get_current_object()  # one context lookup each, not one per use
    environ = request._get_current_object().environ  # type: ignore[attr-defined]
    state.started = time.perf_counter()
    state.request_id = environ[REQUEST_ID_KEY] = _gateway_request_id(environ) or uuid.uuid4().hex
    # A client's own id is recorded beside ours, never used as the log key: behind an
    # ALB or a plain WSGI server anyone could make log lines collide or pose as others.
    client_id = environ.get("HTTP_X_REQUEST_ID")
    state.client_request_id = client_id if _is_request_id(client_id) else None
    if "%" in _raw_path(environ):
        # No route has a character that needs escaping. An escaped spelling (/sign%75p)
        # would pass API Gateway's route-keyed throttles through ANY /{proxy+} and still
        # reach the route once decoded: it gets no route.
        raise NotFound()


def _raw_path(environ: dict[str, Any]) -> str:
    """The path as the client sent it, before any percent-decoding."""
    event = environ.get("apig_wsgi.full_event")
    if isinstance(event, dict):
        raw = event.get("rawPath") or event.get("path") or ""
    else:
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
    return str(raw).partition("?")[0]


def _gateway_request_id(environ: dict[str, Any]) -> str | None:
    """API Gateway's id of this request (REST and HTTP APIs), the key of its access log."""
    context = environ.get("apig_wsgi.request_context")
    candidate = context.get("requestId") if isinstance(context, dict) else None
    return candidate if _is_request_id(candidate) else None


def _is_request_id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and _REQUEST_ID.fullmatch(value) is not None


def _finish_request(response: Response) -> Response:
    log_request(response)
    return response


class ServiceHeaders:
    """Add to every response the security headers it has not set itself, and the request id.

    They go into the WSGI header list as the response starts: a plain list, where
    werkzeug's Headers would check each value and scan the headers once per header
    added. A view that chose its own caching (the demo page's assets) gets no
    "Pragma: no-cache".
    """

    _ADDED = tuple((name.lower(), (name, value)) for name, value in SECURITY_HEADERS.items())

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in headers}
            if "cache-control" in present:
                present.add("pragma")
            headers.extend(header for lower, header in self._ADDED if lower not in present)
            request_id = environ.get(REQUEST_ID_KEY)
            if request_id:
                if "x-request-id" in present:
                    headers[:] = [(n, v) for n, v in headers if n.lower() != "x-request-id"]
                headers.append(("X-Request-Id", request_id))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)
