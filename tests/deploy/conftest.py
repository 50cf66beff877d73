"""Fixtures of the deployment tests: the tools `make deploy-tools` installs (npm ci and a
Python 3.12 virtualenv), installed on first use."""

from __future__ import annotations

import pytest

from tests.support.deploy_tools import DeployTools, ensure_deploy_tools


@pytest.fixture(scope="module")
def tools() -> DeployTools:
    """The Serverless CLI and the Python 3.12 venv (skips when npm cannot install them)."""
    return ensure_deploy_tools()
