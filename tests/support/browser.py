"""The browser tests' helpers: Debian's Chromium, a watcher of every error the page
makes, screenshots, and axe-core's accessibility check run inside the page."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.support import ROOT
from tests.support.deploy_tools import run_make

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
INSTALL_TIMEOUT = 600
PHONE = {"width": 360, "height": 740}
PHONE_WIDTH = PHONE["width"]
DESKTOP = {"width": 1000, "height": 900}
TIMEOUT_MS = 10_000
# Records what the page's Content-Security-Policy blocks, before any page script runs.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""
# axe-core from npm (package.json); `make deploy-tools` (npm ci) installs it.
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def chromium() -> Path:
    """Debian's Chromium, installed with `make browser` when missing.

    Skips, saying why, only when it cannot be installed (apt-get needs root and Debian's
    archive); in CI that is a failure: the browser test must run there.
    """
    if not CHROMIUM.exists():
        tail = run_make("browser", INSTALL_TIMEOUT)
        if not CHROMIUM.exists():
            reason = f"no Chromium at {CHROMIUM}, and `make browser` could not install it:\n{tail}"
            if os.environ.get("CI") == "true":
                pytest.fail(reason)
            pytest.skip(reason)
    return CHROMIUM


def serve(app: Flask) -> Iterator[str]:
    """Serve an app on 127.0.0.1 and a free port, in a thread, until the generator ends."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@dataclass
class Watcher:
    """What went wrong in the browser: console errors, page errors, CSP violations."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def on_console(self, message: Any) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} at {message.location.get('url')}")

    def on_page_error(self, error: Any) -> None:
        self.page_errors.append(str(error))

    def assert_clean(self, page: Any) -> None:
        assert page.evaluate("window.__cspViolations") == []
        assert self.page_errors == []
        assert self.console_errors == []


def shot(page: Any, name: str) -> None:
    """Leave a screenshot of the whole page under test-artifacts/browser/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def axe_violations(page: Any, *, ignore: tuple[str, ...] = ()) -> list[str]:
    """Run axe-core in the page; name each serious or critical violation and where.

    axe is evaluated through the DevTools protocol, which the page's
    Content-Security-Policy does not govern: the page itself still runs no inline code.
    """
    if not AXE.exists():
        reason = f"no {AXE}: run `make deploy-tools` (npm ci) for axe-core"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .map(v => ({id: v.id, impact: v.impact,
                        nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}))"""
    )
    return [
        f"{item['id']} ({item['impact']}): {', '.join(item['nodes'])}"
        for item in found
        if item["impact"] in SERIOUS and item["id"] not in ignore
    ]
