"""Fixtures of the emulator's own tests: bare moto, without local_cognito's layer."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.cognito import Pool, create_pool, one_attempt_client


@pytest.fixture(scope="module")
def bare(moto_endpoint: str) -> Any:
    """A client on bare moto, without the emulator's layer (one attempt per call)."""
    return one_attempt_client(moto_endpoint)


@pytest.fixture(scope="module")
def bare_pool(bare: Any, moto_endpoint: str) -> Pool:
    """A pool (app client without a secret) on bare moto."""
    return create_pool(bare, moto_endpoint, secret=False)
