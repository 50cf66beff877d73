"""/docs in a real browser (Debian's Chromium, driven by Playwright): Swagger UI on the
service's OpenAPI document, "Try it out" against the running service, and axe-core's
accessibility check."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask

from proxy_app.http.schemas.fields import EXAMPLE_NEW_PASSWORD, EXAMPLE_PASSWORD
from tests.support.browser import ARTIFACTS, PHONE, Watcher, axe_violations, shot
from tests.support.totp import fresh_code

pytestmark = pytest.mark.slow
# Swagger UI's own markup nests buttons in a button (each operation's summary, a button,
# holds its copy-path and lock buttons): not ours to fix. (Its other gaps, unnamed
# controls, web/static/docs.js names; its colours under 4.5:1, docs.css darkens.)
SWAGGER_UI_OWN = ("nested-interactive",)


@pytest.mark.parametrize("stage", ["", "/Prod"], ids=["no-stage", "original-stage"])
def test_docs_try_it_out_calls_the_service(
    base_url: str, browser_page: tuple[Any, Watcher], stage: str
) -> None:
    """Under the original /Prod prefix too, "Try it out" calls the service under it."""
    page, watcher = browser_page
    page.goto(base_url + stage + "/docs")
    operation = page.locator(".opblock-get", has=page.locator("[data-path='/health']"))
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    answer = operation.locator(".live-responses-table tr.response").first
    answer.wait_for()
    assert answer.locator(".response-col_status").text_content().strip() == "200"
    assert '"status": "ok"' in answer.locator(".response-col_description pre").first.text_content()
    # Swagger UI fills the query with the document's example (deep=true).
    url = operation.locator(".request-url pre").text_content()
    assert url == f"{base_url}{stage}/health?deep=true"
    shot(page, f"08-docs{stage.replace('/', '-')}")
    operation.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"docs{stage.replace('/', '-')}.png"))
    watcher.assert_clean(page)


@dataclass
class SwaggerUi:
    """/docs as a person uses it: Authorize, then "Try it out" and "Execute" on an
    operation, changing in its JSON body only the members given; every answer is kept."""

    page: Any
    answers: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)

    def authorize(self, access_token: str) -> None:
        self.page.click(".auth-wrapper button.authorize")
        dialog = self.page.locator(".modal-ux")
        if dialog.locator("button", has_text="Logout").count():
            dialog.locator("button", has_text="Logout").click()
        dialog.locator("input[type=text]").fill(access_token)
        dialog.locator("button[type=submit]", has_text="Authorize").click()
        dialog.locator("button", has_text="Close").click()

    def try_out(
        self,
        method: str,
        path: str,
        *,
        drop: tuple[str, ...] = (),
        headers: dict[str, str] | None = None,
        fold: bool = True,
        **members: Any,
    ) -> dict[str, Any]:
        """Execute an operation with its default values but `members` (and without the
        `drop` ones) in its body, and `headers` typed in their fields; keep its status,
        and give its JSON answer. `fold`: close the operation again once answered."""
        headers = headers or {}
        name = f"{method.upper()} {path}"
        operation = self.page.locator(
            f".opblock-{method}", has=self.page.locator(f"[data-path='{path}']")
        )
        operation.locator(".opblock-summary-control").click()
        operation.locator("button.try-out__btn").click()
        for header, value in headers.items():
            operation.locator(f"tr[data-param-name='{header}'] input").fill(value)
        if members or drop:
            editor = operation.locator("textarea.body-param__text")
            body = json.loads(editor.input_value())
            body.update(members)
            for member in drop:
                body.pop(member, None)
            editor.fill(json.dumps(body, indent=2))
        operation.locator("button.execute").click()
        answer = operation.locator(".live-responses-table tr.response").first
        answer.wait_for()
        # A status, or "Undocumented" when the browser sent nothing (its error is shown).
        status = answer.locator(".response-col_status").text_content().strip()
        shown = answer.locator(".response-col_description .highlight-code pre")
        text = shown.first.text_content() if shown.count() else ""
        try:
            body = json.loads(text) if text else {}
        except ValueError:
            body = {"shown": text}
        if not status.isdigit():
            body = {"shown": answer.locator(".response-col_description").text_content()}
        self.answers[name] = (status, body)
        if fold:
            operation.locator(".opblock-summary-control").click()
        return body if isinstance(body, dict) else {}


def _documented_successes(base_url: str) -> dict[str, str]:
    """Each operation of the document, and the success status it documents."""
    with urllib.request.urlopen(f"{base_url}/openapi.json", timeout=10) as answer:
        document = json.load(answer)
    return {
        f"{method.upper()} {path}": min(s for s in operation["responses"] if s.startswith("2"))
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }


def _call(base_url: str, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """Call the API as a client outside the browser would (curl in the README)."""
    request = urllib.request.Request(
        base_url + path,
        data=json.dumps(body).encode(),
        method=method,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read() or b"{}")  # type: ignore[no-any-return]
    except urllib.error.HTTPError as refused:
        return json.loads(refused.read())  # type: ignore[no-any-return]


def _sent_code(base_url: str, username: str, purpose: str) -> str:
    """The last code of this purpose local mode "sent" the user (GET /local/codes)."""
    query = f"{base_url}/local/codes?username={urllib.parse.quote(username)}"
    with urllib.request.urlopen(query, timeout=10) as answer:
        codes = json.load(answer)["codes"]  # newest first
    return next((c["code"] for c in codes if c["purpose"] == purpose), f"no {purpose} code")


def _why(answer: dict[str, Any]) -> str:
    """What an answer that was not the documented success said."""
    said = answer.get("errors") or answer.get("detail") or answer.get("shown") or answer
    return f"{answer.get('code', '')} {json.dumps(said)[:300]}".strip()


def _signed_in_user(base_url: str) -> tuple[str, dict[str, Any]]:
    """A user who signed up, confirmed and signed in (as the demo page or curl would),
    and their tokens. The example password is theirs, so that /password/change's default
    values fit."""
    username = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    _call(base_url, "POST", "/signup", {"username": username, "password": EXAMPLE_PASSWORD})
    code = _sent_code(base_url, username, "signup")
    _call(base_url, "POST", "/confirmsignup", {"username": username, "confirmationCode": code})
    credentials = {"username": username, "password": EXAMPLE_PASSWORD}
    return username, _call(base_url, "POST", "/admin/signin", credentials)


@contextmanager
def _mfa_required(app: Flask) -> Iterator[None]:
    """The operator makes the pool require MFA (TOTP), as in the AWS console; undone after.

    Local mode's pool does not, and only such a pool asks a user to set up an
    authenticator at sign-in (MFA_SETUP), which /admin/challenge/totp answers.
    """
    gateway = app.extensions["cognito_gateway"]

    def require(setting: str) -> None:
        gateway.client.set_user_pool_mfa_config(
            UserPoolId=gateway.pool_id,
            MfaConfiguration=setting,
            SoftwareTokenMfaConfiguration={"Enabled": True},
        )

    require("ON")
    try:
        yield
    finally:
        require("OFF")


def test_every_operation_answers_its_documented_success_with_the_default_values(
    local_app: Flask, base_url: str, browser_page: tuple[Any, Watcher]
) -> None:
    """A signed-in user presses Authorize on /docs and tries every operation of the
    document, in the order a user would, changing only what must be theirs: a username,
    the codes local mode "sent" (GET /local/codes), a session, a refresh token, an
    authenticator's code. Each must answer the success status the document gives it."""
    page, watcher = browser_page
    documented = _documented_successes(base_url)
    ada, signed_in = _signed_in_user(base_url)

    page.goto(base_url + "/docs")
    page.wait_for_selector(".opblock")
    assert "/local/codes" in page.text_content("#local-codes-note")
    docs = SwaggerUi(page)
    docs.authorize(signed_in["accessToken"])
    docs.try_out("get", "/health")

    # A second user signs up here, in a pool that requires MFA.
    bea = f"bea-{uuid.uuid4().hex[:8]}@example.com"
    docs.try_out("post", "/signup", username=bea)
    docs.try_out("post", "/resendcode", username=bea)
    code = _sent_code(base_url, bea, "signup")
    docs.try_out("post", "/confirmsignup", username=bea, confirmationCode=code)
    with _mfa_required(local_app):
        challenge = docs.try_out("post", "/admin/signin", username=bea)
        session = challenge.get("session", "")
        setup = docs.try_out("post", "/admin/challenge/totp", username=bea, session=session)
        verified = docs.try_out(
            "post",
            "/admin/challenge/totp/verify",
            session=setup.get("session", ""),
            code=fresh_code(setup.get("secretCode", "A" * 32)),
        )
        # MFA_SETUP is answered by the verified session alone: no `responses`.
        tokens = docs.try_out(
            "post",
            "/admin/challenge",
            drop=("responses",),
            username=bea,
            challengeName=challenge.get("challengeName", ""),
            session=verified.get("session", ""),
        )
    refresh_token = tokens.get("refreshToken", "")
    docs.try_out("post", "/admin/refresh", username=bea, refreshToken=refresh_token)
    docs.try_out("post", "/token/revoke", username=bea, refreshToken=refresh_token)
    docs.try_out("post", "/password/reset", username=bea)
    code = _sent_code(base_url, bea, "password_reset")
    docs.try_out("post", "/password/confirm", username=bea, confirmationCode=code)

    # The authorized user's own account, with the token from Authorize.
    docs.try_out("get", "/token/valid")
    docs.try_out("get", "/user")
    docs.try_out("post", "/admin/user/attribute")
    docs.try_out("post", "/user/attribute/verification-code")
    code = _sent_code(base_url, ada, "attribute_verification")
    docs.try_out("post", "/user/attribute/verify", confirmationCode=code)
    authenticator = docs.try_out("post", "/user/mfa/totp").get("secretCode", "A" * 32)
    docs.try_out("post", "/user/mfa/totp/verify", code=fresh_code(authenticator))
    docs.try_out("put", "/user/mfa")
    docs.try_out("post", "/password/change")
    docs.try_out("post", "/signout")

    # Signed out: the user signs in again (now with an authenticator) to delete the account,
    # in a later second (tokens carry whole seconds: one of the sign-out's own second
    # counts as signed out).
    time.sleep(1.05 - time.time() % 1)
    again = _call(
        base_url, "POST", "/admin/signin", {"username": ada, "password": EXAMPLE_NEW_PASSWORD}
    )
    if "session" in again:
        again = _call(
            base_url,
            "POST",
            "/admin/challenge",
            {
                "username": ada,
                "challengeName": again["challengeName"],
                "session": again["session"],
                "responses": {"SOFTWARE_TOKEN_MFA_CODE": fresh_code(authenticator)},
            },
        )
    docs.authorize(again.get("accessToken", "not signed in again"))
    docs.try_out("delete", "/admin/user")
    shot(page, "docs-every-operation")

    failed = [
        f"{name} answered {docs.answers[name][0]} (documented: {status}): "
        + _why(docs.answers[name][1])
        for name, status in documented.items()
        if name in docs.answers and docs.answers[name][0] != status
    ]
    untried = sorted(set(documented) - set(docs.answers))
    assert failed == [], "operations that did not answer their documented status:\n" + "\n".join(
        failed
    )
    assert untried == [], f"operations of the document the test did not try: {untried}"
    watcher.assert_clean(page)


def test_before_authorize_a_token_goes_in_the_body_or_its_header_field(
    base_url: str, browser_page: tuple[Any, Watcher]
) -> None:
    """Without Authorize, a token typed in one place only is the one sent: the other
    fields start empty and are not sent."""
    page, watcher = browser_page
    _, tokens = _signed_in_user(base_url)
    page.goto(base_url + "/docs")
    page.wait_for_selector(".opblock")
    docs = SwaggerUi(page)
    docs.try_out("get", "/token/valid", headers={"idToken": tokens["idToken"]})
    docs.try_out("post", "/signout", accessToken=tokens["accessToken"])
    assert {name: status for name, (status, _) in docs.answers.items()} == {
        "GET /token/valid": "200",
        "POST /signout": "204",
    }, docs.answers
    assert docs.answers["GET /token/valid"][1]["tokenUse"] == "id"
    watcher.assert_clean(page)


@pytest.mark.parametrize("state", ["loaded", "tried"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_docs_has_no_serious_accessibility_violation(
    base_url: str, browser_page: tuple[Any, Watcher], size: str, state: str
) -> None:
    """As loaded, and once used: two operations tried (a query's select, a body, header
    fields, answers, a curl command) and the Authorize dialog open, with a token given."""
    page, watcher = browser_page
    if size == "phone":
        page.set_viewport_size(PHONE)
    page.goto(f"{base_url}/docs")
    page.wait_for_selector(".opblock")
    if state == "tried":
        docs = SwaggerUi(page)
        docs.try_out("get", "/health", fold=False)
        docs.try_out("post", "/password/reset", fold=False)
        assert {name: status for name, (status, _) in docs.answers.items()} == {
            "GET /health": "200",
            "POST /password/reset": "200",
        }
        page.click(".auth-wrapper button.authorize")
        page.locator(".modal-ux input[type=text]").fill("a-token")
        page.locator(".modal-ux button[type=submit]").click()
        page.locator(".modal-ux button", has_text="Logout").wait_for()
    shot(page, f"docs-{state}-{size}")
    assert axe_violations(page, ignore=SWAGGER_UI_OWN) == []
    watcher.assert_clean(page)
