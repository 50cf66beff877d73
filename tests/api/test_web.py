"""The demo page and /docs with Flask's test client: when they are served, their headers,
their assets, the pool's password policy in the demo page's words; the JSON routes' headers
unchanged beside them. tests/browser/test_demo_page.py and test_docs_page.py run the same
pages in Chromium."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from proxy_app import create_app
from proxy_app.config import Config, ConfigError
from proxy_app.core.models import PasswordPolicy
from proxy_app.http.app import SECURITY_HEADERS
from proxy_app.web import (
    ASSETS,
    STATIC,
    SWAGGER_UI_FILES,
    password_policy_words,
    swagger_ui_dist,
)
from tests.support.app import problem
from tests.support.cognito import TEST_POLICY
from tests.support.lambda_process import run_in_lambda
from tests.support.stubs import stubbed_cognito

POOL_ENV = {
    "COGNITO_USER_POOL_ID": "us-east-1_AbCdEf123",
    "COGNITO_APP_CLIENT_ID": "1a2b3c4d5e",
    "AWS_LAMBDA_FUNCTION_NAME": "cognito-proxy",
}
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)
JSON_CSP = "default-src 'none'; frame-ancestors 'none'"
PAGES = ["/", "/docs"]
# TEST_POLICY (the test pool's), in the page's words.
TEST_POLICY_WORDS = (
    "at least 8 characters, with an uppercase letter, a lowercase letter and a number"
)
TYPES = {"js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8"}


def _fetch(client: FlaskClient, path: str) -> Any:
    """GET a path and read the answer whole (a file's answer holds the file open till then)."""
    response = client.get(path)
    response.get_data()
    response.close()
    return response


def _swagger_ui_path(name: str) -> str:
    return f"/docs/swagger-ui/{swagger_ui_dist()[1]}/{name}"


def _described(policy: dict[str, Any]) -> dict[str, Any]:
    """DescribeUserPool's answer for a pool with this password policy."""
    return {
        "UserPool": {
            "Id": POOL_ENV["COGNITO_USER_POOL_ID"],
            "Name": "pool",
            "Policies": {"PasswordPolicy": policy},
        }
    }


@pytest.fixture
def demo_client(make_app: Callable[..., Flask]) -> FlaskClient:
    """An app on a real pool with DEMO_PAGE=true."""
    return make_app(demo_page=True).test_client()


class _Markup(HTMLParser):
    """The URLs a page loads, and any inline script, style or event handler in it."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        self.inline += [f"{tag} {name}" for name, _ in attrs if name == "style" or name[:2] == "on"]
        if tag == "style":
            self.inline.append("<style>")
        if tag == "script" and not named.get("src"):
            self.inline.append("<script> without src")
        for name in ("src", "href"):
            value = named.get(name)
            if value and not value.startswith(("#", "data:")):
                self.urls.append(value)


def _markup(response: Any) -> _Markup:
    parser = _Markup()
    parser.feed(response.get_data(as_text=True))
    return parser


class TestWhenServed:
    @pytest.mark.parametrize("path", PAGES)
    def test_local_mode_serves_the_pages(self, local_app: Flask, path: str) -> None:
        response = local_app.test_client().get(path)
        assert response.status_code == 200
        assert response.content_type == "text/html; charset=utf-8"

    @pytest.mark.parametrize("path", PAGES)
    def test_demo_page_true_serves_them_with_a_pool(
        self, demo_client: FlaskClient, path: str
    ) -> None:
        assert demo_client.get(path).status_code == 200

    @pytest.mark.parametrize("demo_page", [None, False], ids=["unset", "false"])
    @pytest.mark.parametrize(
        "path",
        [*PAGES, "/web/demo.js", "/web/docs.css", _swagger_ui_path("swagger-ui-bundle.js")],
    )
    def test_off_with_a_pool_unless_asked(
        self, make_app: Callable[..., Flask], demo_page: bool | None, path: str
    ) -> None:
        client = make_app(demo_page=demo_page).test_client()
        problem(client.get(path), 404, "NotFound")

    @pytest.mark.parametrize("path", PAGES)
    def test_off_in_production_configuration(self, path: str) -> None:
        """The configuration serverless.yml gives the function: no DEMO_PAGE, no page."""
        client = create_app(Config.from_env(POOL_ENV)).test_client()
        response = client.get(path)
        problem(response, 404, "NotFound")
        assert response.headers["Content-Security-Policy"] == JSON_CSP

    def test_on_in_lambda_with_demo_page_true(self) -> None:
        app = create_app(Config.from_env({**POOL_ENV, "DEMO_PAGE": "true"}))
        client = app.test_client()
        with stubbed_cognito(app) as stubber:
            stubber.add_response("describe_user_pool", _described(TEST_POLICY))
            assert client.get("/").status_code == 200
        assert _fetch(client, _swagger_ui_path("swagger-ui.css")).status_code == 200

    def test_local_mode_can_turn_it_off(self) -> None:
        client = create_app(Config(demo_page=False)).test_client()
        problem(client.get("/"), 404, "NotFound")

    def test_wrong_method_is_problem_json(self, demo_client: FlaskClient) -> None:
        problem(demo_client.post("/"), 405, "MethodNotAllowed")


class TestHeaders:
    @pytest.mark.parametrize("path", PAGES)
    def test_pages_have_the_strict_policy_and_are_revalidated(
        self, demo_client: FlaskClient, path: str
    ) -> None:
        response = demo_client.get(path)
        assert response.headers["Content-Security-Policy"] == PAGE_CSP
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Request-Id"]

    @pytest.mark.parametrize("name", sorted(ASSETS))
    def test_own_assets(self, demo_client: FlaskClient, name: str) -> None:
        response = _fetch(demo_client, f"/web/{name}")
        assert response.status_code == 200
        assert response.content_type == TYPES[name.rsplit(".", 1)[1]]
        assert response.headers["Cache-Control"] == "public, max-age=86400"
        assert "Pragma" not in response.headers
        assert response.headers["Content-Security-Policy"] == PAGE_CSP
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.get_data() == (STATIC / name).read_bytes()

    @pytest.mark.parametrize("name", sorted(SWAGGER_UI_FILES))
    def test_swagger_ui_files_are_cached_for_their_version(
        self, demo_client: FlaskClient, name: str
    ) -> None:
        response = _fetch(demo_client, _swagger_ui_path(name))
        assert response.status_code == 200
        assert response.content_type == TYPES[name.rsplit(".", 1)[1]]
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "Pragma" not in response.headers
        assert response.get_data() == (swagger_ui_dist()[0] / name).read_bytes()

    @pytest.mark.parametrize("path", ["/health", "/openapi.json", "/nowhere"])
    def test_json_routes_keep_their_headers(self, demo_client: FlaskClient, path: str) -> None:
        response = demo_client.get(path)
        assert response.is_json
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value, name

    def test_openapi_does_not_list_the_pages(self, demo_client: FlaskClient) -> None:
        paths = demo_client.get("/openapi.json").get_json()["paths"]
        assert "/" not in paths
        assert "/docs" not in paths
        assert "/health" in paths


class TestAssets:
    @pytest.mark.parametrize(
        "path",
        [
            "/web/nope.js",
            "/web/index.html",
            "/web/__init__.py",
            "/web/demo.js/",
            "/web/..%2F__init__.py",
            "/docs/",
            _swagger_ui_path("index.css"),
            _swagger_ui_path("oauth2-redirect.html"),
            _swagger_ui_path("LICENSE"),
            "/docs/swagger-ui/v0.0.1/swagger-ui.css",
            "/docs/swagger-ui/../../web/__init__.py",
        ],
    )
    def test_only_the_listed_files(self, demo_client: FlaskClient, path: str) -> None:
        problem(demo_client.get(path), 404, "NotFound")

    @pytest.mark.parametrize("path", PAGES)
    def test_pages_load_only_working_urls_and_no_inline_code(
        self, demo_client: FlaskClient, path: str
    ) -> None:
        markup = _markup(demo_client.get(path))
        assert markup.inline == []
        assert markup.urls
        for url in markup.urls:
            assert not url.startswith(("http:", "https:", "//")), url
            assert _fetch(demo_client, url).status_code == 200, url

    def test_asset_urls_name_their_content(self, demo_client: FlaskClient) -> None:
        urls = _markup(demo_client.get("/")).urls
        for name in ("demo.js", "demo.css"):
            digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]
            assert f"/web/{name}?v={digest}" in urls

    def test_the_original_stage_prefix_carries_into_the_page(
        self, demo_client: FlaskClient
    ) -> None:
        page = demo_client.get("/Prod/").get_data(as_text=True)
        assert 'data-api-base="/Prod"' in page
        assert re.search(r'src="/Prod/web/demo\.js\?v=\w+"', page)
        docs = demo_client.get("/Prod/docs").get_data(as_text=True)
        assert 'data-spec-url="/Prod/openapi.json"' in docs

    def test_the_page_asks_for_local_codes_only_where_the_app_has_them(
        self, make_app: Callable[..., Flask]
    ) -> None:
        without = make_app(demo_page=True).test_client().get("/").get_data(as_text=True)
        assert 'data-local-codes=""' in without
        app = make_app(demo_page=True)
        app.add_url_rule("/local/codes", "codes", lambda: {"codes": []})
        page = app.test_client().get("/").get_data(as_text=True)
        assert 'data-local-codes="yes"' in page


class TestPasswordPolicy:
    """The demo page says what the pool asks of a password, read from the pool."""

    def test_the_page_says_the_pools_policy_under_each_new_password(
        self, demo_client: FlaskClient
    ) -> None:
        page = demo_client.get("/").get_data(as_text=True)
        assert f'data-password-policy="{TEST_POLICY_WORDS}"' in page
        for hint in ("signup-password-hint", "reset-password-hint", "challenge-answer-hint"):
            said = f'<p id="{hint}" class="hint">The pool\'s password policy: {TEST_POLICY_WORDS}.'
            assert said in page
        assert 'aria-describedby="signup-password-hint"' in page
        assert 'aria-describedby="reset-password-hint"' in page

    def test_the_pool_is_read_once_per_app(self, make_app: Callable[..., Flask]) -> None:
        app = make_app(demo_page=True)
        with stubbed_cognito(app) as stubber:
            stubber.add_response("describe_user_pool", _described({"MinimumLength": 12}))
            for _ in range(3):
                page = app.test_client().get("/").get_data(as_text=True)
                assert "The pool's password policy: at least 12 characters." in page
            stubber.assert_no_pending_responses()

    def test_a_pool_that_cannot_be_read_leaves_the_page_whole(
        self, make_app: Callable[..., Flask]
    ) -> None:
        app = make_app(demo_page=True)
        with stubbed_cognito(app) as stubber:
            stubber.add_client_error("describe_user_pool", "AccessDeniedException", "no")
            response = app.test_client().get("/")
            assert response.status_code == 200
            page = response.get_data(as_text=True)
            assert 'data-password-policy=""' in page
            assert "The pool's password policy applies: Cognito says what it refuses." in page
            # Read again at the next view, not remembered as unreadable.
            stubber.add_response("describe_user_pool", _described(TEST_POLICY))
            page = app.test_client().get("/").get_data(as_text=True)
            assert TEST_POLICY_WORDS in page

    @pytest.mark.parametrize(
        ("policy", "words"),
        [
            (PasswordPolicy(), "at least 8 characters"),
            (
                PasswordPolicy(minimum_length=6, require_numbers=True),
                "at least 6 characters, with a number",
            ),
            (
                PasswordPolicy(require_lowercase=True, require_symbols=True),
                "at least 8 characters, with a lowercase letter and a symbol (such as ! # or -)",
            ),
            (
                PasswordPolicy(14, True, True, True, True),
                "at least 14 characters, with an uppercase letter, a lowercase letter, a number"
                " and a symbol (such as ! # or -)",
            ),
        ],
    )
    def test_policy_words(self, policy: PasswordPolicy, words: str) -> None:
        assert password_policy_words(policy) == words


class TestDemoPageVariable:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("true", True),
            ("TRUE", True),
            (" 1 ", True),
            ("yes", True),
            ("on", True),
            ("false", False),
            ("0", False),
            ("No", False),
            ("", None),
            ("   ", None),
        ],
    )
    def test_values(self, raw: str, expected: bool | None) -> None:
        assert Config.from_env({**POOL_ENV, "DEMO_PAGE": raw}).demo_page is expected

    @pytest.mark.parametrize(
        "raw", ["maybe", "tru", "truee", "t rue", "trué", "true\x00", "1" * 10_000, "2", "-1"]
    )
    def test_bad_values_name_the_variable(self, raw: str) -> None:
        with pytest.raises(ConfigError) as raised:
            Config.from_env({**POOL_ENV, "DEMO_PAGE": raw})
        assert raised.value.variable == "DEMO_PAGE"

    @pytest.mark.parametrize(
        ("environ", "served"),
        [
            ({}, True),
            ({"DEMO_PAGE": "false"}, False),
            (POOL_ENV, False),
            ({**POOL_ENV, "DEMO_PAGE": "true"}, True),
        ],
        ids=["local", "local-off", "pool", "pool-on"],
    )
    def test_default_follows_the_mode(self, environ: dict[str, str], served: bool) -> None:
        assert Config.from_env(environ).serves_demo_page is served


PROBE = """
import sys, wsgi
print(sorted(m for m in ("proxy_app.web", "flask_swagger_ui") if m in sys.modules))
"""


@pytest.mark.parametrize(
    ("environ", "loaded"),
    [({}, "[]"), ({"DEMO_PAGE": "true"}, "['proxy_app.web']")],
    ids=["off", "on"],
)
def test_import_wsgi_loads_the_page_only_when_on(environ: dict[str, str], loaded: str) -> None:
    """The Lambda cold start pays for the page only with DEMO_PAGE=true; never for Swagger UI."""
    assert run_in_lambda(PROBE, **environ).stdout.strip() == loaded
