"""The demo page (`/`) and the interactive API docs (`/docs`), with their assets.

create_app imports this module only when the page is on (local mode, or DEMO_PAGE=true),
so a production API's cold start never loads it. The pages are plain HTML, CSS and
JavaScript files: no build step, no CDN, no inline script or style, so each runs under a
Content-Security-Policy as strict as its assets allow. The demo page says what the pool
asks of a password, as DescribeUserPool tells it at the page's first view. Swagger UI's
files come from the flask-swagger-ui package (pinned in requirements.txt); its stock index
page, which holds an inline script, is not used: /docs has its own, and web/docs.js starts
Swagger UI.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, send_from_directory, url_for
from werkzeug.exceptions import NotFound

from proxy_app.core.errors import ServiceFailure
from proxy_app.core.models import PasswordPolicy

log = logging.getLogger("proxy_app")
web = Blueprint("web", __name__, static_folder=None, template_folder="templates")

STATIC = Path(__file__).parent / "static"
# The demo page's own files, and the two of Swagger UI's that /docs loads.
ASSETS = frozenset({"demo.css", "demo.js", "docs.css", "docs.js"})
SWAGGER_UI_FILES = frozenset({"swagger-ui-bundle.js", "swagger-ui.css"})
# Where local mode's emulator shows the codes it would have sent (local_cognito/mode.py).
LOCAL_CODES = "/local/codes"
_TYPES = {".js": "text/javascript", ".css": "text/css"}
# Where an app keeps the words of its pool's password policy, read at the page's first view.
_POLICY_WORDS = "web_password_policy"
# What each policy setting asks for, in the words the page's forms use.
_POLICY_KINDS = (
    ("require_uppercase", "an uppercase letter"),
    ("require_lowercase", "a lowercase letter"),
    ("require_numbers", "a number"),
    ("require_symbols", "a symbol (such as ! # or -)"),
)

# What the pages may load: their own files, and nothing else.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    # data: for the TOTP QR code, an SVG shown as <img src="data:image/svg+xml,...">
    # (an image cannot run script, unlike SVG markup put into the page).
    "img-src 'self' data:; connect-src 'self'; form-action 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
# Swagger UI 5 needs nothing more (tests/browser/test_docs_page.py runs "Try it out" on every
# route in Chromium and fails on any CSP violation): its React code sets styles through the
# DOM, which style-src allows, never as inline <style> or style="" markup; its stylesheet's
# icons are data: images (img-src data:); it fetches only /openapi.json and the routes it
# tries (connect-src 'self'), and validatorUrl: null keeps it from calling swagger.io.
DOCS_CSP = PAGE_CSP
# The HTML names its assets with a digest of their content (?v=...), and Swagger UI's with
# its version in the path: both may be cached; the pages themselves are checked each time.
PAGE_CACHE = "no-cache"
ASSET_CACHE = "public, max-age=86400"
SWAGGER_UI_CACHE = "public, max-age=31536000, immutable"


@cache
def swagger_ui_dist() -> tuple[Path, str]:
    """Where flask-swagger-ui keeps Swagger UI's files (found, not imported), and its version."""
    spec = importlib.util.find_spec("flask_swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("flask-swagger-ui is not installed (requirements.txt)")
    dist = Path(next(iter(spec.submodule_search_locations))) / "dist"
    return dist, (dist / "VERSION").read_text(encoding="ascii").strip()


@cache
def _digest(name: str) -> str:
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


def asset_url(name: str) -> str:
    """The URL of one of the page's own files, naming its content."""
    return url_for("web.asset", name=name, v=_digest(name))


def swagger_ui_url(name: str) -> str:
    """The URL of one of Swagger UI's files, naming its version."""
    return url_for("web.swagger_ui", version=swagger_ui_dist()[1], name=name)


def has_local_codes() -> bool:
    """Say whether the app shows local mode's codes (GET /local/codes, local mode only)."""
    return any(rule.rule == LOCAL_CODES for rule in current_app.url_map.iter_rules())


def password_policy_words(policy: PasswordPolicy) -> str:
    """Say what a password policy asks: "at least 8 characters, with a number"."""
    kinds = [words for setting, words in _POLICY_KINDS if getattr(policy, setting)]
    asked = f"at least {policy.minimum_length} characters"
    if not kinds:
        return asked
    listed = kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " and " + kinds[-1]
    return f"{asked}, with {listed}"


def pool_password_policy() -> str | None:
    """The words of the pool's password policy (DescribeUserPool, read once per app), or
    None when the pool cannot be read: the page then says only that a policy applies."""
    words: str | None = current_app.extensions.get(_POLICY_WORDS)
    if words is None:
        try:
            pool = current_app.extensions["cognito_gateway"].describe_user_pool()
        except ServiceFailure as failure:
            log.warning("the demo page could not read the pool's password policy: %r", failure)
            return None
        words = current_app.extensions[_POLICY_WORDS] = password_policy_words(pool.password_policy)
    return words


def _page(template: str, csp: str, **context: object) -> Response:
    page = render_template(
        template,
        asset_url=asset_url,
        swagger_ui_url=swagger_ui_url,
        has_local_codes=has_local_codes(),
        **context,
    )
    response = Response(page, mimetype="text/html")
    response.headers["Content-Security-Policy"] = csp
    response.headers["Cache-Control"] = PAGE_CACHE
    return response


def _file(folder: Path, name: str, cache_control: str) -> Response:
    response = send_from_directory(folder, name, mimetype=_TYPES[Path(name).suffix])
    response.headers["Content-Security-Policy"] = PAGE_CSP
    response.headers["Cache-Control"] = cache_control
    return response


@web.get("/")
def index() -> Response:
    """Serve the demo page: an account's whole life through the public routes."""
    return _page("index.html", PAGE_CSP, password_policy=pool_password_policy())


@web.get("/docs")
def docs() -> Response:
    """Serve Swagger UI over /openapi.json."""
    return _page("docs.html", DOCS_CSP)


@web.get("/web/<name>")
def asset(name: str) -> Response:
    """Serve one of the pages' own CSS and JavaScript files."""
    if name not in ASSETS:
        raise NotFound()
    return _file(STATIC, name, ASSET_CACHE)


@web.get("/docs/swagger-ui/<version>/<name>")
def swagger_ui(version: str, name: str) -> Response:
    """Serve one of Swagger UI's files, from the installed flask-swagger-ui."""
    dist, installed = swagger_ui_dist()
    if version != installed or name not in SWAGGER_UI_FILES:
        raise NotFound()
    return _file(dist, name, SWAGGER_UI_CACHE)
