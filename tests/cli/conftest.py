"""Fixtures of the `flask users` tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.cognito import Pool, create_pool


@pytest.fixture
def fresh_pool(cognito: Any, cognito_endpoint: str) -> Pool:
    """A pool of the test's own (custom attribute `tier`), so its user counts are exact."""
    return create_pool(cognito, cognito_endpoint, secret=False)
