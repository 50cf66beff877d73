"""Fixtures of the API tests (the app against the emulator): a pool whose app client has
a secret, and a local key server for the token verifier."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.cognito import Pool, create_pool
from tests.support.tokenkit import JwksServer, jwks_server


@pytest.fixture(scope="session")
def secret_pool(cognito: Any, cognito_endpoint: str) -> Pool:
    """A pool whose app client has a secret, so calls need SECRET_HASH."""
    return create_pool(cognito, cognito_endpoint, secret=True)


@pytest.fixture
def keys() -> Iterator[JwksServer]:
    """A key server on 127.0.0.1 serving moto's public key set (it counts its GETs)."""
    with jwks_server() as server:
        yield server
