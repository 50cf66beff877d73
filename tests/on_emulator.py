"""Fixtures that run a test module over the local emulator instead of bare moto.

`from on_emulator import cognito_on_emulator, pool_on_emulator` in a test module makes
its `cognito` client and its `pool` (and so `user`, `client`, `tokens`, ...) those of the
local emulator (moto behind local_cognito, accepting any code), which answers the calls
moto lacks: RevokeToken and attribute verification. Nothing is patched in moto.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Pool


@pytest.fixture(scope="session", name="cognito")
def cognito_on_emulator(emulator_cognito: Any) -> Any:
    """The test's boto3 client, on the local emulator."""
    return emulator_cognito


@pytest.fixture(scope="session", name="pool")
def pool_on_emulator(emulator_pool: Pool) -> Pool:
    """The test pool, reached through the local emulator."""
    return emulator_pool
