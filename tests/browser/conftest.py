"""Fixtures of the browser tests (Debian's Chromium through Playwright)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.support.browser import (
    CHROMIUM_ARGS,
    DESKTOP,
    RECORD_CSP_VIOLATIONS,
    TIMEOUT_MS,
    Watcher,
    chromium,
    serve,
)


@pytest.fixture(scope="module")
def base_url(local_app: Flask) -> Iterator[str]:
    """The local-mode app on 127.0.0.1 and a free port."""
    yield from serve(local_app)


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[tuple[Any, Watcher]]:
    """A fresh Chromium profile and one page that records every error."""
    executable = chromium()
    from playwright.sync_api import sync_playwright

    watcher = Watcher()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(executable),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport=DESKTOP,
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(RECORD_CSP_VIOLATIONS)
        page = context.pages[0] if context.pages else context.new_page()
        page.on("console", watcher.on_console)
        page.on("pageerror", watcher.on_page_error)
        try:
            yield page, watcher
        finally:
            context.close()
