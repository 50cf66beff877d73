"""Tests start from a clean environment, whatever the developer's shell exports."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from proxy_app.config import Config
from tests.support import ROOT
from tests.support.cognito import REGION
from tests.support.environment import FAKE_AWS, scrubbed

# The shell of a developer who also runs the service by hand.
DIRTY = {
    "LOG_LEVEL": "DEBUG",
    "REGION_NAME": "eu-west-3",
    "AWS_REGION": "ap-south-1",
    "AWS_PROFILE": "production",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    "AWS_LAMBDA_FUNCTION_NAME": "cognito-proxy-prod",
    "TOKEN_LEEWAY_SECONDS": "300",
    "TOKEN_REVOCATION_CHECK": "true",
    "COGNITO_USER_POOL_ID": "eu-west-3_Production1",
    "COGNITO_APP_CLIENT_ID": "productionclient",
    "COGNITO_APP_CLIENT_SECRET": "production-secret",
    "AUTOCONFIRM_USER": "true",
    "WRITABLE_ATTRIBUTES": "custom:role",
    "ACCEPT_CREDENTIAL_HEADERS": "false",
    "CORS_ALLOWED_ORIGINS": "https://example.com",
}
# How proxy_app reads a variable: Config.from_env's helpers (config.py), or os.environ.
_FROM_ENV = re.compile(
    r"(?:\btext|_flag|_integer|environ\.get)\(\s*(?:environ,\s*)?[\"']([A-Z0-9_]+)[\"']"
)
_OS_ENVIRON = re.compile(
    r"(?:os\.environ\.get\(|os\.environ\[|os\.getenv\()\s*[\"']([A-Z0-9_]+)[\"']"
)


def test_every_variable_the_app_reads_is_scrubbed() -> None:
    names = set(_FROM_ENV.findall((ROOT / "proxy_app" / "config.py").read_text("utf-8")))
    assert {"COGNITO_USER_POOL_ID", "LOG_LEVEL", "AWS_LAMBDA_FUNCTION_NAME"} <= names
    for path in (ROOT / "proxy_app").rglob("*.py"):
        names |= set(_OS_ENVIRON.findall(path.read_text("utf-8")))
    assert sorted(name for name in names if not scrubbed(name)) == []


def test_no_variable_of_the_app_reaches_a_test() -> None:
    # The one variable the tests set themselves: local mode's state file, in a tmp dir,
    # so that no test writes into the work tree or finds a developer's running emulator.
    own = {*FAKE_AWS, "LOCAL_STATE_FILE"}
    assert sorted(name for name in os.environ if scrubbed(name) and name not in own) == []
    assert not Path(os.environ["LOCAL_STATE_FILE"]).resolve().is_relative_to(ROOT)
    assert os.environ["AWS_DEFAULT_REGION"] == REGION
    assert Config.from_env(os.environ) == Config.from_env({})


def test_a_dirty_shell_is_cleaned_before_the_tests_run() -> None:
    probe = f"{Path(__file__).name}::test_no_variable_of_the_app_reaches_a_test"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", probe, "-q", "-p", "no:cacheprovider", "--no-cov"],
        cwd=Path(__file__).parent,
        env={**os.environ, **DIRTY},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
