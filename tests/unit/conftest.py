"""Unit tests run without a server of any kind: no emulator, no moto, no database, no
network. These overrides fail a test here that asks for one; it belongs in another level."""

from __future__ import annotations

from typing import NoReturn

import pytest

ELSEWHERE = "a unit test runs without {}: move this test to the level that starts one"


@pytest.fixture(scope="session")
def emulator() -> NoReturn:
    pytest.fail(ELSEWHERE.format("the emulator (tests/api/, tests/emulator/, ...)"))


@pytest.fixture(scope="session")
def moto_endpoint() -> NoReturn:
    pytest.fail(ELSEWHERE.format("moto's server (tests/emulator/, tests/cli/, ...)"))
