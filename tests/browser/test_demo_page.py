"""The demo page in a real browser: Debian's Chromium, driven by Playwright.

The app runs in local mode on a real port. The test walks an account's whole life on the
page as a person would, reading each answer where it acted, and runs axe-core's
accessibility check in each state (signed out, signed in, an authenticator's QR code
shown) at desktop and phone sizes. Any console error, uncaught page error or
Content-Security-Policy violation fails it; the refusals it causes on purpose are checked
for by name. Each step leaves a screenshot under test-artifacts/browser/.

Chromium comes from Debian (`make browser`, which .ci/run calls, and which the test runs
itself when /usr/bin/chromium is missing); Playwright never downloads a browser. Where it
cannot be installed the test skips and says why, except in CI (CI=true), where it fails.
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
from flask import Flask

from proxy_app import create_app
from proxy_app.config import Config
from tests.support.browser import (
    ARTIFACTS,
    DESKTOP,
    PHONE,
    PHONE_WIDTH,
    Watcher,
    axe_violations,
    chromium,
    serve,
    shot,
)
from tests.support.totp import fresh_code, wrong_code

pytestmark = pytest.mark.slow

PASSWORD = "Demo-passw0rd!"
NEW_PASSWORD = "Demo-passw0rd!2"
# Local mode's pool (local_cognito): 8 characters or more, a lower-case letter, a number.
WEAK_PASSWORD = "no-numbers-here"
LOCAL_POLICY = "at least 8 characters, with a lowercase letter and a number"
INJECT_INLINE_CODE = """() => {
  const style = document.createElement("style");
  style.textContent = "body { color: red; }";
  document.head.append(style);
  const script = document.createElement("script");
  script.textContent = "window.injected = true;";
  document.head.append(script);
}"""
UNLABELLED_INPUTS = (
    "[...document.querySelectorAll('input, textarea')].filter(i => !i.labels.length).map(i => i.id)"
)
# The numbers of the sections a person sees, top to bottom.
SECTION_NUMBERS = """() => [...document.querySelectorAll("main h2")]
  .filter((h) => h.offsetParent !== null)
  .map((h) => h.textContent.match(/^(\\d+)\\./))
  .filter(Boolean).map((m) => Number(m[1]))"""
# The element that has focus, by id, or its tag when it has none.
FOCUSED = "() => document.activeElement.id || document.activeElement.tagName"
# A token's claims as the page lists them: name -> what it shows.
CLAIMS = """(id) => Object.fromEntries([...document.querySelectorAll(`#${id} .claim`)]
  .map((row) => [row.querySelector("dt").textContent, row.querySelector("dd").textContent]))"""
# The moments a token's claims show as readable times: name -> [time's datetime, its words].
TIMES = """(id) => Object.fromEntries([...document.querySelectorAll(`#${id} .claim`)]
  .filter((row) => row.querySelector("time"))
  .map((row) => [row.querySelector("dt").textContent,
                 [row.querySelector("time").dateTime, row.querySelector("time").textContent]]))"""
# Whether an element shows all of its content: nothing cut off, nothing scrolled sideways.
SHOWS_ALL = """(id) => { const e = document.getElementById(id);
  return e.scrollHeight <= e.clientHeight + 1 && e.scrollWidth <= e.clientWidth + 1; }"""
IN_VIEW = """(selector) => { const r = document.querySelector(selector).getBoundingClientRect();
  return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }"""
# Each step's answer region: id, role, whether it is in a section, whether it is rendered.
RESULT_REGIONS = """() => [...document.querySelectorAll(".result")].map((r) => [r.id,
  r.getAttribute("role"), r.closest("section") !== null, getComputedStyle(r).display !== "none"])"""
# The list of calls: each call's summary line, in the page's order.
CALLS = "() => [...document.querySelectorAll('#call-log > li summary')].map((s) => s.textContent)"
TOP = "(selector) => document.querySelector(selector).getBoundingClientRect().top"


def _ok(page: Any, result: str, text: str) -> None:
    """Wait for a step's success line under it (its result region), and no refusal there."""
    page.wait_for_selector(f"#{result} .ok:has-text({json.dumps(text)})")
    assert page.locator(f"#{result} .problem").count() == 0


def _refusal(page: Any, result: str) -> dict[str, str]:
    """Wait for a refusal under a step; what it shows, and that no success line is left."""
    box = page.locator(f"#{result} .problem")
    box.wait_for()
    assert page.locator(f"#{result} .ok").count() == 0, "a stale success line under a refusal"
    status = box.locator(".problem-status")
    return {
        "code": box.locator(".problem-code").text_content(),
        "status": status.text_content().strip() if status.count() else "",
        "detail": box.locator(".problem-detail").text_content(),
    }


def _refused_load(watcher: Watcher, base_url: str, status: int, path: str) -> None:
    """Take the one console error Chromium logs for a refusal caused on purpose."""
    expected = [e for e in watcher.console_errors if f"status of {status}" in e]
    assert len(expected) == 1, watcher.console_errors
    assert expected[0].endswith(f"at {base_url}{path}")
    watcher.console_errors.remove(expected[0])


def _invalid_field(page: Any, field: str) -> str:
    """Check that a field is marked invalid and described by its error; the error's words."""
    assert page.get_attribute(f"#{field}", "aria-invalid") == "true"
    described = (page.get_attribute(f"#{field}", "aria-describedby") or "").split()
    assert f"{field}-error" in described
    return str(page.text_content(f"#{field}-error"))


def _valid_field(page: Any, field: str) -> None:
    assert page.get_attribute(f"#{field}", "aria-invalid") is None
    assert f"{field}-error" not in (page.get_attribute(f"#{field}", "aria-describedby") or "")
    assert page.locator(f"#{field}-error").count() == 0


def _code_from_page(page: Any, note: str, field_id: str) -> str:
    """The code local mode shows (GET /local/codes), filled in for the person."""
    page.wait_for_function("(id) => document.getElementById(id).textContent !== ''", arg=note)
    shown = page.get_attribute(f"#{note}", "data-code")
    assert shown is not None, page.text_content(f"#{note}")
    assert page.input_value(f"#{field_id}") == shown
    return str(shown)


def _answer_totp(page: Any, secret: str) -> None:
    page.wait_for_selector("#challenge:not([hidden])")
    assert page.text_content("#challenge-name") == "SOFTWARE_TOKEN_MFA"
    assert page.get_attribute("#challenge-answer", "autocomplete") == "one-time-code"
    page.fill("#challenge-answer", fresh_code(secret))
    page.press("#challenge-answer", "Enter")
    # The challenge goes once answered (the tokens may show already, from a sign-in before).
    page.wait_for_selector("#challenge", state="hidden")
    _ok(page, "signin-result", "Signed in")
    assert page.is_visible("#signed-in")


def _contrast(first: str, second: str) -> float:
    """WCAG's contrast ratio of two CSS rgb() colours."""

    def linear(channel: str) -> float:
        value = int(channel) / 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    def luminance(colour: str) -> float:
        red, green, blue = (linear(channel) for channel in re.findall(r"\d+", colour)[:3])
        return 0.2126 * red + 0.7152 * green + 0.0722 * blue

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _accessible_at_both_sizes(page: Any, state: str) -> None:
    """axe-core finds no serious or critical violation, at desktop and phone sizes, and at
    phone size nothing scrolls sideways; a screenshot of each."""
    for size_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        assert axe_violations(page) == [], f"{state} at {size_name} size"
        if size is PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH, state
        shot(page, f"demo-{state}-{size_name}")
    page.set_viewport_size(DESKTOP)


def _check_tokens(page: Any, username: str) -> dict[str, str]:
    """The signed-in section: claims whole, times readable, raw tokens there to copy."""
    id_claims = page.evaluate(CLAIMS, "id-token-claims")
    assert id_claims["cognito:username"] == username
    assert id_claims["token_use"] == "id"
    assert page.evaluate(CLAIMS, "access-token-claims")["token_use"] == "access"
    raw = {kind: page.input_value(f"#{kind}-token-raw") for kind in ("id", "access", "refresh")}
    assert all(raw.values())
    decoded = jwt.decode(raw["id"], options={"verify_signature": False})
    assert decoded["cognito:username"] == username
    for kind in ("id", "access"):
        claims_id = f"{kind}-token-claims"
        assert page.evaluate(SHOWS_ALL, claims_id), f"the {kind} token's claims are cut off"
        times = page.evaluate(TIMES, claims_id)
        shown = page.evaluate(CLAIMS, claims_id)
        assert {"iat", "exp", "auth_time"} <= set(times), times
        for name, (moment, words) in times.items():
            epoch = int(shown[name].split()[0])
            assert datetime.fromisoformat(moment) == datetime.fromtimestamp(epoch, UTC)
            assert re.search(r"\d{1,2}:\d{2}:\d{2}", words), words
            assert str(epoch) not in words
    for kind in ("id", "access", "refresh"):
        button = page.locator(f"#{kind}-token-copy")
        assert button.text_content() == f"Copy the {kind} token"
        assert button.is_visible()
    return raw


def test_an_accounts_whole_life_on_the_demo_page(
    base_url: str, browser_page: tuple[Any, Watcher]
) -> None:
    page, watcher = browser_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    username = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    page.goto(base_url + "/")
    assert page.title().startswith("cognito-proxy")
    assert page.evaluate(UNLABELLED_INPUTS) == []
    assert page.evaluate(SECTION_NUMBERS) == [1, 2, 3, 4, 5]
    # Each step answers in a live region of its own, under it, in its section; an empty
    # one is still rendered (a live region must exist before its words change).
    regions = page.evaluate(RESULT_REGIONS)
    assert len(regions) == 11, regions
    assert all(role == "status" and section and shown for _, role, section, shown in regions)
    # The policy, read from the pool, under each field that sets a password.
    for hint in ("signup-password-hint", "reset-password-hint"):
        assert page.text_content(f"#{hint}") == f"The pool's password policy: {LOCAL_POLICY}."
    assert page.get_attribute("#reset-password", "autocomplete") == "new-password"
    _accessible_at_both_sizes(page, "signed-out")
    shot(page, "01-page")

    # Sign up with the keyboard only: focus moves field to field, Enter submits. The
    # first password breaks the pool's policy: the refusal shows under the form, tied to
    # the password field, saying what the policy asks.
    page.focus("#signup-username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(WEAK_PASSWORD)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "signup-name"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "keyboard focus must be visible"
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    assert _contrast(ring, "rgb(255, 255, 255)") >= 3, f"focus ring {ring} against white"
    page.keyboard.type("Ada")
    page.keyboard.press("Enter")
    refused = _refusal(page, "signup-result")
    assert refused["code"] == "InvalidPassword"
    assert refused["detail"] == (
        "Password did not conform with policy: Password must have numeric characters"
    )
    assert LOCAL_POLICY in _invalid_field(page, "signup-password")
    assert "signup-password-hint" in page.get_attribute("#signup-password", "aria-describedby")
    assert page.evaluate(FOCUSED) == "signup-password"
    _refused_load(watcher, base_url, 400, "/signup")
    _accessible_at_both_sizes(page, "signed-out-refused")
    shot(page, "02-refused-password")

    page.fill("#signup-password", PASSWORD)
    page.press("#signup-password", "Enter")
    _ok(page, "signup-result", "Signed up.")
    _valid_field(page, "signup-password")
    assert page.input_value("#confirm-username") == username
    _code_from_page(page, "confirm-code-note", "confirm-code")
    shot(page, "02-signed-up")

    # A new code, then a wrong one: the red refusal replaces the green line under the
    # form; the right code then clears the refusal.
    page.click("#resend-button")
    _ok(page, "confirm-result", "A new code was sent.")
    code = _code_from_page(page, "confirm-code-note", "confirm-code")
    page.fill("#confirm-code", f"{(int(code) + 1) % 1_000_000:06d}")
    page.click("#confirm-form button[type=submit]")
    assert _refusal(page, "confirm-result")["code"] == "CodeMismatch"
    assert _invalid_field(page, "confirm-code")
    assert page.evaluate(FOCUSED) == "confirm-code"
    _refused_load(watcher, base_url, 400, "/confirmsignup")
    page.fill("#confirm-code", code)
    page.click("#confirm-form button[type=submit]")
    _ok(page, "confirm-result", "Confirmed.")
    _valid_field(page, "confirm-code")

    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#signed-in:not([hidden])")
    _ok(page, "signin-result", "Signed in")
    assert page.evaluate(FOCUSED) == "tokens-title"
    assert page.evaluate(SECTION_NUMBERS) == [1, 2, 3, 4, 5]
    first_tokens = _check_tokens(page, username)
    page.click("#id-token-copy")
    page.wait_for_selector("#id-token-copied:has-text('Copied')")
    assert page.evaluate("navigator.clipboard.readText()") == first_tokens["id"]
    expiry = page.text_content("#id-token-expiry")
    assert " min " in expiry
    page.wait_for_function(
        "(before) => document.getElementById('id-token-expiry').textContent !== before",
        arg=expiry,
    )
    _accessible_at_both_sizes(page, "signed-in")
    shot(page, "03-signed-in")

    # Focus stays on the button pressed; the answer shows under the buttons.
    page.click("#refresh-button")
    _ok(page, "tokens-result", "New id and access tokens")
    assert page.evaluate(FOCUSED) == "refresh-button"
    page.click("#valid-button")
    _ok(page, "tokens-result", "Valid access token")
    assert page.evaluate(FOCUSED) == "valid-button"

    # What the page says after an update is true: the id token in hand still shows the
    # old value, the one a refresh brings shows the new one.
    page.fill("#attribute-value", "Ada Lovelace")
    page.click("#attribute-form button[type=submit]")
    _ok(page, "attribute-result", "Updated: name = Ada Lovelace.")
    said = "Id tokens issued from now on carry it: refresh the tokens for one."
    assert said in page.text_content("#attribute-result")
    assert page.evaluate(CLAIMS, "id-token-claims")["name"] == "Ada"
    page.click("#refresh-button")
    _ok(page, "tokens-result", "New id and access tokens")
    assert page.evaluate(CLAIMS, "id-token-claims")["name"] == "Ada Lovelace"

    page.click("#totp-button")
    page.wait_for_selector("#totp-secret:not([hidden])")
    secret = page.text_content("#totp-code")
    assert page.get_attribute("#totp-qr", "src").startswith("data:image/svg+xml")
    assert page.evaluate("document.getElementById('totp-qr').naturalWidth") > 0
    assert page.text_content("#totp-uri").startswith("otpauth://totp/")
    # What to do with the QR code is said above it, and so above the Verify button.
    assert page.is_visible("#totp-steps")
    assert page.evaluate(TOP, "#totp-steps") < page.evaluate(TOP, "#totp-qr")
    assert page.evaluate(TOP, "#totp-steps") < page.evaluate(TOP, "#totp-form button")
    assert page.evaluate(FOCUSED) == "totp-answer"
    _accessible_at_both_sizes(page, "totp-set-up")
    # A wrong code: the app shows a new one every 30 s, there is none to ask for.
    page.fill("#totp-answer", wrong_code(secret))
    page.click("#totp-form button[type=submit]")
    refused = _refusal(page, "totp-result")
    assert refused["code"] == "CodeMismatch"
    assert "ask for a new one" not in page.text_content("#totp-secret") + refused["detail"]
    assert "authenticator app shows now" in refused["detail"]
    assert _invalid_field(page, "totp-answer")
    assert page.evaluate(FOCUSED) == "totp-answer"
    _refused_load(watcher, base_url, 400, "/user/mfa/totp/verify")
    page.fill("#totp-answer", fresh_code(secret))
    page.click("#totp-form button[type=submit]")
    _ok(page, "totp-result", "Verified (SUCCESS)")
    _valid_field(page, "totp-answer")
    page.click("#totp-enable-button")
    _ok(page, "totp-result", "MFA on: totp")
    shot(page, "04-totp")
    page.locator("#signed-in").screenshot(path=str(ARTIFACTS / "demo-signed-in.png"))

    page.click("#signout-button")
    _ok(page, "account-result", "Signed out")
    assert page.is_hidden("#signed-in")
    assert page.evaluate(FOCUSED) == "tokens-title"

    page.click("#signin-form button[type=submit]")
    _answer_totp(page, secret)
    assert page.is_hidden("#account-result .ok")
    shot(page, "05-signed-in-with-totp")

    page.click("#reset-form button[type=submit]")
    _ok(page, "reset-result", "If the account exists")
    _code_from_page(page, "reset-code-note", "reset-code")
    page.fill("#reset-password", NEW_PASSWORD)
    # The answer shows under the form, and the page stays where it is.
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 0
    page.click("#reset-confirm-form button[type=submit]")
    _ok(page, "reset-confirm-result", "The new password is set")
    assert page.evaluate("window.scrollY") == scrolled
    assert page.evaluate(IN_VIEW, "#reset-confirm-result")
    assert page.input_value("#signin-password") == NEW_PASSWORD

    # The reset signed every session out, to the whole second: tokens of a sign-in in that
    # same second count as revoked (Records.is_revoked), so sign in in the next one.
    time.sleep(1.05 - time.time() % 1)
    page.click("#signin-form button[type=submit]")
    _answer_totp(page, secret)
    page.click("#delete-form button[type=submit]")
    assert _refusal(page, "delete-result")["code"] == "NotConfirmed"
    assert _invalid_field(page, "delete-sure")
    assert page.evaluate(FOCUSED) == "delete-sure"
    page.check("#delete-sure")
    page.click("#delete-form button[type=submit]")
    # Where the button was, the section now says so, in view, with focus on its heading.
    _ok(page, "account-result", "The account is deleted")
    assert page.is_hidden("#signed-in")
    assert page.evaluate(FOCUSED) == "tokens-title"
    assert page.evaluate(IN_VIEW, "#account-result")
    shot(page, "05-deleted")
    watcher.assert_clean(page)

    # The deleted account cannot sign in: the refusal shows under the sign-in form with
    # the problem's code, and takes focus (it is about no one field).
    page.click("#signin-form button[type=submit]")
    refused = _refusal(page, "signin-result")
    assert refused["code"] == "NotAuthorized"
    assert refused["status"] == "(HTTP 401)"
    assert refused["detail"]
    assert page.evaluate("document.activeElement.matches('#signin-result .problem')")
    shot(page, "06-problem")
    _refused_load(watcher, base_url, 401, "/admin/signin")
    watcher.assert_clean(page)

    # Every call, oldest first, each with what was sent and answered, secrets masked.
    calls = page.evaluate(CALLS)
    assert calls[0].startswith("POST /signup → 400")
    assert calls[1].startswith("POST /signup → 201")
    assert calls[-1].startswith("POST /admin/signin → 401")
    made = [" ".join(call.split()[:2]) for call in calls]
    assert made.index("POST /confirmsignup") < made.index("POST /admin/signin")
    assert made.index("DELETE /admin/user") == len(made) - 2
    sign_in = page.locator("#call-log > li").nth(made.index("POST /admin/signin"))
    sign_in.locator("summary").click()
    sent, answered = (sign_in.locator("pre").nth(n).text_content() for n in (0, 1))
    assert json.loads(sent) == {"username": username, "password": "********"}
    assert json.loads(answered)["idToken"] == "********"
    last = page.locator("#call-log > li").last
    last.locator("summary").click()
    assert json.loads(last.locator("pre").nth(1).text_content())["code"] == "NotAuthorized"
    everything = page.text_content("#call-log")
    for secret_shown in (PASSWORD, NEW_PASSWORD, code, secret, *first_tokens.values()):
        assert secret_shown not in everything
    shot(page, "07-calls")


def test_the_page_shows_local_modes_codes(base_url: str, browser_page: tuple[Any, Watcher]) -> None:
    """The code the page fills in is the one local mode's GET /local/codes lists."""
    page, watcher = browser_page
    username = f"grace-{uuid.uuid4().hex[:8]}@example.com"
    page.goto(base_url + "/")
    page.fill("#signup-username", username)
    page.fill("#signup-password", PASSWORD)
    page.click("#signup-form button[type=submit]")
    _ok(page, "signup-result", "Signed up.")
    query = f"{base_url}/local/codes?username={urllib.parse.quote(username)}"
    with urllib.request.urlopen(query, timeout=10) as answer:
        codes = json.load(answer)["codes"]
    sent = next(code["code"] for code in codes if code["purpose"] == "signup")
    assert _code_from_page(page, "confirm-code-note", "confirm-code") == sent
    assert f"is {sent} (filled in below)" in page.text_content("#confirm-code-note")
    shot(page, "09-local-code")
    page.click("#confirm-form button[type=submit]")
    _ok(page, "confirm-result", "Confirmed.")
    watcher.assert_clean(page)


@pytest.fixture(scope="module")
def mfa_required() -> Iterator[tuple[Flask, str]]:
    """Local mode with a pool that requires MFA (TOTP): the app and its URL."""
    app = create_app(Config())
    gateway = app.extensions["cognito_gateway"]
    gateway.client.set_user_pool_mfa_config(
        UserPoolId=gateway.pool_id,
        MfaConfiguration="ON",
        SoftwareTokenMfaConfiguration={"Enabled": True},
    )
    for url in serve(app):
        yield app, url


def test_an_invited_user_answers_new_password_then_mfa_setup(
    mfa_required: tuple[Flask, str], browser_page: tuple[Any, Watcher]
) -> None:
    """In a pool that requires MFA, an invited user (temporary password) answers both
    challenges on the page: a new password, then an authenticator app from its QR code."""
    page, watcher = browser_page
    app, url = mfa_required
    gateway = app.extensions["cognito_gateway"]
    username = f"alan-{uuid.uuid4().hex[:8]}@example.com"
    gateway.admin_create_user(username, {"email": username})
    gateway.admin_set_user_password(username, PASSWORD, permanent=False)
    page.goto(url + "/")
    page.fill("#signin-username", username)
    page.fill("#signin-password", PASSWORD)
    page.press("#signin-password", "Enter")
    page.wait_for_selector("#challenge-name:has-text('NEW_PASSWORD_REQUIRED')")
    assert page.get_attribute("#challenge-answer", "type") == "password"
    assert page.get_attribute("#challenge-answer", "autocomplete") == "new-password"
    assert page.evaluate("document.activeElement.id") == "challenge-title"
    assert page.is_hidden("#mfa-setup")
    hint = page.text_content("#challenge-answer-hint")
    assert hint == f"The pool's password policy: {LOCAL_POLICY}."
    assert page.get_attribute("#challenge-answer", "aria-describedby") == "challenge-answer-hint"
    _accessible_at_both_sizes(page, "new-password-challenge")

    page.fill("#challenge-answer", WEAK_PASSWORD)
    page.click("#challenge-form button[type=submit]")
    refused = _refusal(page, "challenge-result")
    assert refused["code"] == "InvalidPassword"
    assert refused["detail"] == (
        "Password does not conform to policy: Password must have numeric characters"
    )
    assert LOCAL_POLICY in _invalid_field(page, "challenge-answer")
    _refused_load(watcher, url, 400, "/admin/challenge")
    page.fill("#challenge-answer", NEW_PASSWORD)
    page.click("#challenge-form button[type=submit]")

    page.wait_for_selector("#challenge-name:has-text('MFA_SETUP')")
    assert page.input_value("#challenge-answer") == ""
    assert page.get_attribute("#challenge-answer", "autocomplete") == "one-time-code"
    assert page.is_hidden("#challenge-answer-hint")
    _valid_field(page, "challenge-answer")
    page.click("#mfa-setup-button")
    page.wait_for_selector("#mfa-setup-secret:not([hidden])")
    assert page.evaluate("document.getElementById('mfa-setup-qr').naturalWidth") > 0
    assert page.evaluate(TOP, "#mfa-setup-steps") < page.evaluate(TOP, "#mfa-setup-qr")
    secret = page.text_content("#mfa-setup-code")
    assert f"secret={secret}" in page.text_content("#mfa-setup-uri")
    _accessible_at_both_sizes(page, "mfa-set-up-challenge")
    shot(page, "10-mfa-setup")
    page.fill("#challenge-answer", fresh_code(secret))
    page.click("#challenge-form button[type=submit]")
    page.wait_for_selector("#signed-in:not([hidden])")
    assert page.is_hidden("#challenge")
    assert page.input_value("#signin-password") == NEW_PASSWORD
    watcher.assert_clean(page)


def test_the_page_fits_a_phone(base_url: str, browser_page: tuple[Any, Watcher]) -> None:
    page, watcher = browser_page
    page.set_viewport_size(PHONE)
    page.goto(base_url + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    shot(page, "07-phone")
    watcher.assert_clean(page)


def test_the_policy_blocks_inline_code_and_the_test_sees_it(
    base_url: str, browser_page: tuple[Any, Watcher]
) -> None:
    """The watcher is not blind: an inline style and an inline script are refused, seen."""
    page, watcher = browser_page
    page.goto(base_url + "/")
    page.evaluate(INJECT_INLINE_CODE)
    page.wait_for_function("window.__cspViolations.length === 2")
    assert page.evaluate("window.__cspViolations") == [
        "style-src-elem blocked inline",
        "script-src-elem blocked inline",
    ]
    assert page.evaluate("window.injected") is None
    assert len(watcher.console_errors) == 2


@pytest.mark.parametrize(("ci", "outcome"), [("true", "fail"), ("", "skip")])
def test_without_chromium_it_skips_but_fails_in_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ci: str, outcome: str
) -> None:
    monkeypatch.setattr("tests.support.browser.CHROMIUM", tmp_path / "chromium")
    monkeypatch.setenv("CI", ci)
    expected = pytest.fail.Exception if outcome == "fail" else pytest.skip.Exception
    with pytest.raises(expected, match="could not install it"):
        chromium()
