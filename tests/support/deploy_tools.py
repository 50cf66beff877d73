"""What the deployment tests share: the installed tools and how to run the CLI."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import ROOT

NODE_STAMP = ROOT / "node_modules" / ".installed-stamp"
OFFLINE_VENV = ROOT / ".venv-offline"
OFFLINE_STAMP = OFFLINE_VENV / ".installed-stamp"
SERVERLESS = ROOT / "node_modules" / "serverless" / "bin" / "serverless.js"
INSTALL_TIMEOUT = 900


@dataclass(frozen=True)
class DeployTools:
    """The Serverless CLI (osls and plugins from npm ci) and the Python 3.12 venv."""

    serverless: Path
    virtualenv: Path

    @property
    def python312(self) -> Path:
        return self.virtualenv / "bin" / "python"


def ensure_deploy_tools() -> DeployTools:
    """Install the tools with `make deploy-tools` when missing.

    Skips only when npm could not install the packages; a missing Python 3.12 or a
    broken venv is a failure, since every developer and CI machine must have it.
    """
    if not (NODE_STAMP.exists() and OFFLINE_STAMP.exists()):
        tail = run_make("deploy-tools", INSTALL_TIMEOUT)
        if not NODE_STAMP.exists():
            pytest.skip(f"npm ci could not install the deployment tools:\n{tail}")
        if not OFFLINE_STAMP.exists():
            pytest.fail(f"make deploy-tools could not build {OFFLINE_VENV.name}:\n{tail}")
    return DeployTools(serverless=SERVERLESS, virtualenv=OFFLINE_VENV)


def run_make(target: str, timeout: float) -> str:
    """Run a target of the Makefile; answer the last lines of its output, to explain a failure."""
    result = subprocess.run(
        ["make", "--no-print-directory", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    output = (result.stdout + result.stderr).strip()
    return "\n".join(output.splitlines()[-15:])


def no_aws_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment without any AWS credential, profile or configuration file."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_CONFIG_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    env.update(extra or {})
    return env
